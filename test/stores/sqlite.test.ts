import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import {
  createSessionLimiter,
  type OpenResult,
  type SessionEnd,
  type SessionLimiter,
  SessionLimiterError,
  type SessionLimiterOptions,
  type SessionRecord,
} from '../../src/index.js';
import { toSessionInfo } from '../../src/session.js';
import { openFile } from '../../src/stores/sqlite/connect.js';
import { SqliteStore, type SqliteStoreOptions } from '../../src/stores/sqlite/index.js';
import { newSessionId, newToken } from '../../src/token.js';
import { describeStoreConformance, waitFor } from '../conformance/suite.js';
import { sqliteHandle } from '../support/sqlite-handle.js';
import {
  type TestDatabase,
  type TestLibrary,
  libraries,
  nodeSqlite,
} from '../support/sqlite-libraries.js';

function scratchDir(): string {
  return mkdtempSync(join(tmpdir(), 'session-limiter-sqlite-'));
}

/** The library a path opens on this runtime. */
const PATH_LIBRARY = nodeSqlite ? 'node:sqlite' : 'better-sqlite3';

for (const library of libraries) {
  describeStoreConformance(
    `SqliteStore on ${library.name}`,
    sqliteHandle((file) => library.open(file)),
    { push: true, sibling: true },
  );
}

describe('SqliteStore', () => {
  const cleanups: (() => unknown)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  function tempDir(): string {
    const dir = scratchDir();
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    return dir;
  }
  function openWith(
    library: TestLibrary,
    file: string,
    options?: { timeout?: number; readonly?: boolean },
  ): TestDatabase {
    const db = library.open(file, options);
    cleanups.push(() => db.isOpen && db.close());
    return db;
  }
  function store(options: SqliteStoreOptions): SqliteStore {
    const created = new SqliteStore(options);
    cleanups.push(() => created.close());
    return created;
  }
  function limiter(on: SqliteStore, options: SessionLimiterOptions = {}): SessionLimiter {
    const created = createSessionLimiter({ store: on, pruneInterval: false, ...options });
    cleanups.push(() => created.dispose());
    return created;
  }
  function count(db: TestDatabase, table: string): number {
    return Number(db.column(`SELECT count(*) FROM session_limiter_${table}`)[0]);
  }

  describe('options', () => {
    function configFailure(options: unknown): unknown {
      try {
        new SqliteStore(options as SqliteStoreOptions);
      } catch (error) {
        return error;
      }
      throw new Error(`accepted ${JSON.stringify(options)}`);
    }

    it('refuses a wrong option with INVALID_CONFIG naming the field', () => {
      const file = join(tempDir(), 'ok.db');
      const cases: [unknown, string][] = [
        [undefined, 'options'],
        [null, 'options'],
        ['sessions.db', 'options'],
        [{}, 'database'],
        [{ database: 42 }, 'database'],
        [{ database: '' }, 'database'],
        [{ database: 'a\0b' }, 'database'],
        [{ database: { prepare: () => null } }, 'database'],
        [{ database: { prepare() {}, exec() {}, close() {}, transaction() {} } }, 'database'],
        [{ database: file, tablePrefix: 'my-app' }, 'tablePrefix'],
        [{ database: file, tablePrefix: 'x; DROP TABLE users; --' }, 'tablePrefix'],
        [{ database: file, tablePrefix: '1st_' }, 'tablePrefix'],
        [{ database: file, tablePrefix: '' }, 'tablePrefix'],
        [{ database: file, tablePrefix: 'x'.repeat(41) }, 'tablePrefix'],
        [{ database: file, tablePrefix: 7 }, 'tablePrefix'],
        [{ database: file, notifyInterval: 0 }, 'notifyInterval'],
        [{ database: file, notifyInterval: 0.2 }, 'notifyInterval'],
        [{ database: file, notifyInterval: 'soon' }, 'notifyInterval'],
        [{ database: file, notifyInterval: Infinity }, 'notifyInterval'],
        [{ database: file, notifyInterval: '1m' }, 'notifyInterval'],
        [{ database: file, prefix: 'x_' }, 'prefix'],
      ];
      for (const [options, field] of cases) {
        const error = configFailure(options);
        expect(error, JSON.stringify(options)).toBeInstanceOf(SessionLimiterError);
        expect(error, JSON.stringify(options)).toMatchObject({ code: 'INVALID_CONFIG', field });
      }
      expect(existsSync(file)).toBe(false);
    });

    it('names what it accepts when given something else', () => {
      expect(configFailure({ database: { prepare: () => null } })).toMatchObject({
        message: expect.stringMatching(
          /database must be a file path, a node:sqlite DatabaseSync, a better-sqlite3 Database or a bun:sqlite Database \(got \{\}\)/,
        ) as unknown,
      });
    });

    for (const library of libraries) {
      it(`refuses a closed ${library.name} database with INVALID_CONFIG saying so`, () => {
        const closed = library.open(join(tempDir(), 'closed.db'));
        closed.close();
        expect(configFailure({ database: closed.database })).toMatchObject({
          code: 'INVALID_CONFIG',
          field: 'database',
          message: expect.stringContaining(`is a closed ${library.name}`) as unknown,
        });
      });

      it(`accepts a path or a ${library.name} database, a safe prefix and a duration`, () => {
        const file = join(tempDir(), 'ok.db');
        expect(
          store({ database: file, tablePrefix: 'App_1', notifyInterval: '5ms' }),
        ).toBeDefined();
        const given = store({ database: openWith(library, file).database, notifyInterval: 250 });
        expect(given.library).toBe(library.name);
      });
    }

    const better = libraries.find((library) => library.name === 'better-sqlite3');
    it.runIf(better)('refuses a read-only better-sqlite3 Database', () => {
      if (!better) return;
      const file = join(tempDir(), 'ro.db');
      openWith(better, file).exec('CREATE TABLE t (x)');
      expect(
        configFailure({ database: openWith(better, file, { readonly: true }).database }),
      ).toMatchObject({ code: 'INVALID_CONFIG', field: 'database' });
    });
  });

  describe('a path', () => {
    it(`opens with ${PATH_LIBRARY} on Node ${process.versions.node}, lazily`, async () => {
      const file = join(tempDir(), 'lazy.db');
      const lazy = store({ database: file });
      expect(lazy.library).toBeUndefined();
      expect(existsSync(file)).toBe(false);
      await lazy.loadUser('u');
      expect(existsSync(file)).toBe(true);
      expect(lazy.library).toBe(PATH_LIBRARY);
    });

    it('is opened with synchronous = NORMAL, whichever library opens it', async () => {
      const driver = await openFile(join(tempDir(), 'durability.db'));
      cleanups.push(() => driver.close());
      expect(driver.library).toBe(PATH_LIBRARY);
      // 1 is NORMAL: node:sqlite's default is FULL (2), an fsync per commit.
      expect(driver.prepare('PRAGMA synchronous').get()).toEqual({ synchronous: 1 });
    });

    it('opens a new file while another connection holds its write lock, once it lets go', async () => {
      // Turning the file to WAL fails at once with SQLITE_BUSY here (no busy wait): what processes
      // opening one new file together meet.
      const file = join(tempDir(), 'held.db');
      const other = openWith(libraries[0]!, file);
      other.exec('CREATE TABLE app (a); BEGIN IMMEDIATE');
      const opening = store({ database: file }).ready();
      await new Promise((resolve) => setTimeout(resolve, 150));
      other.exec('COMMIT');
      await opening;
      expect(openWith(libraries[0]!, file).column('PRAGMA journal_mode')).toEqual(['wal']);
    });

    it('is closed by close(), and the store refuses calls afterwards', async () => {
      const file = join(tempDir(), 'owned.db');
      const owned = store({ database: file });
      await limiter(owned).open({ userId: 'u' });
      expect(existsSync(`${file}-wal`)).toBe(true);
      await owned.close();
      // SQLite removes the WAL file when the file's last connection closes.
      expect(existsSync(`${file}-wal`)).toBe(false);
      await expect(owned.find(newSessionId('u'))).rejects.toMatchObject({
        code: 'STORE_UNAVAILABLE',
      });
    });

    it('round-trips records exactly, and they survive reopening the file', async () => {
      const file = join(tempDir(), 'durable.db');
      const first = new SqliteStore({ database: file });
      const written = await writeEveryKind(first);
      await first.close();
      await expectEveryKind(store({ database: file }), written);
    });
  });

  // Node 20 has one of them only: better-sqlite3.
  describe.runIf(libraries.length === 2)('one file, two libraries', () => {
    const [one, other] = libraries as [TestLibrary, TestLibrary];

    it('a file written through one library is read through the other, both ways', async () => {
      for (const [from, to] of [
        [one, other],
        [other, one],
      ] as const) {
        const file = join(tempDir(), `${from.name.replace(':', '-')}.db`);
        const first = openWith(from, file);
        const written = await writeEveryKind(store({ database: first.database }));
        first.close();
        await expectEveryKind(store({ database: openWith(to, file).database }), written);
      }
    });

    it('both libraries work on one file at once, each seeing the other', async () => {
      const file = join(tempDir(), 'shared.db');
      const policy = { max: 1 };
      const a = limiter(store({ database: openWith(one, file).database }), { policy });
      const b = limiter(store({ database: openWith(other, file).database }), { policy });
      const first = token(await a.open({ userId: 'u' }));
      const second = token(await b.open({ userId: 'u' }));
      expect(await b.validate(first)).toMatchObject({ ok: false, reason: 'evicted' });
      expect(await a.validate(second)).toMatchObject({ ok: true });
      expect(await a.list('u')).toHaveLength(1);
    });
  });

  for (const library of libraries) {
    describe(`the file, through ${library.name}`, () => {
      const open = (file: string, options?: { timeout?: number }) =>
        openWith(library, file, options);

      it('creates its tables, indexes and pragmas on first use of an empty file, not before', async () => {
        const file = join(tempDir(), 'empty.db');
        writeFileSync(file, '');
        const db = open(file, { timeout: 100 });
        const s = store({ database: db.database, tablePrefix: 'auth_' });
        const names = (type: string) =>
          db.column(
            `SELECT name FROM sqlite_master WHERE type = ? AND name NOT LIKE 'sqlite_%' ORDER BY name`,
            type,
          );
        expect(names('table')).toEqual([]);
        expect(await s.find(newSessionId('u'))).toBeNull();
        expect(names('table')).toEqual([
          'auth_ended',
          'auth_meta',
          'auth_sessions',
          'auth_tombstones',
          'auth_users',
        ]);
        expect(names('index')).toEqual([
          'auth_ended_created',
          'auth_sessions_expiry',
          'auth_sessions_user',
          'auth_tombstones_keep',
        ]);
        expect(db.column('PRAGMA journal_mode')).toEqual(['wal']);
        expect(db.column('PRAGMA busy_timeout')).toEqual([5000]);
      });

      it("leaves the connection's synchronous setting as the app chose it", async () => {
        const db = open(join(tempDir(), 'sync.db'));
        db.exec('PRAGMA synchronous = EXTRA');
        await store({ database: db.database }).ready();
        expect(db.column('PRAGMA synchronous')).toEqual([3]);
      });

      it('sets up a database it was given once another connection lets go of the write lock', async () => {
        const file = join(tempDir(), 'held.db');
        const other = open(file);
        other.exec('CREATE TABLE app (a); BEGIN IMMEDIATE');
        const opening = store({ database: open(file).database }).ready();
        await new Promise((resolve) => setTimeout(resolve, 150));
        other.exec('COMMIT');
        await opening;
        expect(open(file).column('PRAGMA journal_mode')).toEqual(['wal']);
      });

      it('keeps a longer busy timeout the app chose', async () => {
        const db = open(join(tempDir(), 'patient.db'), { timeout: 20_000 });
        await store({ database: db.database }).loadUser('u');
        expect(db.column('PRAGMA busy_timeout')).toEqual([20_000]);
      });

      it('never closes a database it was given', async () => {
        const db = open(join(tempDir(), 'given.db'));
        const given = store({ database: db.database });
        await limiter(given).open({ userId: 'u' });
        await given.close();
        expect(db.isOpen).toBe(true);
        expect(count(db, 'sessions')).toBe(1);
      });

      it('keeps stores with different table prefixes apart on one database', async () => {
        const db = open(join(tempDir(), 'shared.db'));
        const a = limiter(store({ database: db.database, tablePrefix: 'a_' }), {
          policy: { max: 1 },
        });
        const b = limiter(store({ database: db.database, tablePrefix: 'b_' }), {
          policy: { max: 1 },
        });
        const inA = token(await a.open({ userId: 'u' }));
        const inB = token(await b.open({ userId: 'u' }));
        expect((await a.validate(inA)).ok).toBe(true);
        expect((await b.validate(inB)).ok).toBe(true);
        expect(await b.validate(inA)).toEqual({ ok: false, code: 'SESSION_UNKNOWN' });
        expect(await a.validate(inB)).toEqual({ ok: false, code: 'SESSION_UNKNOWN' });
        expect(await a.list('u')).toHaveLength(1);
      });

      it('stays bounded: prune leaves no ended session, old tombstone, empty user or old notice', async () => {
        const db = open(join(tempDir(), 'bounded.db'));
        let clock = Date.UTC(2026, 10, 25);
        const l = limiter(store({ database: db.database }), {
          policy: { max: 1 },
          idleTimeout: '10m',
          tombstoneTtl: '1h',
          now: () => clock,
        });
        for (let user = 0; user < 20; user++) {
          for (let login = 0; login < 3; login++) await l.open({ userId: `user-${user}` });
        }
        expect([count(db, 'sessions'), count(db, 'tombstones'), count(db, 'users')]).toEqual([
          20, 40, 20,
        ]);
        expect(count(db, 'ended')).toBe(40);

        clock += 11 * 60_000;
        expect(await l.prune()).toMatchObject({ expired: 20 });
        expect([count(db, 'sessions'), count(db, 'tombstones')]).toEqual([0, 60]);
        clock += 61 * 60_000;
        await l.prune();
        expect([count(db, 'sessions'), count(db, 'tombstones'), count(db, 'users')]).toEqual([
          0, 0, 0,
        ]);
        // Push-log rows go by the wall clock, a minute after they were written: the next end
        // trims them, and so does prune.
        const age = () =>
          db.exec('UPDATE session_limiter_ended SET created_at = created_at - 61000');
        expect(count(db, 'ended')).toBe(60);
        age();
        await l.open({ userId: 'late' });
        await l.open({ userId: 'late' });
        expect(count(db, 'ended')).toBe(1);
        age();
        expect((await l.prune()).forgotten).toBe(1);
        expect(count(db, 'ended')).toBe(0);
        expect(count(db, 'meta')).toBe(2);
      });

      it('a stale version changes nothing and returns false', async () => {
        const s = store({ database: open(join(tempDir(), 'cas.db')).database });
        const a = sessionRecord('u');
        expect(await s.commitUser('u', 0, { put: [a], end: [] })).toBe(true);
        const { version } = await s.loadUser('u');
        expect(await s.commitUser('u', 0, { put: [sessionRecord('u')], end: [endOf(a)] })).toBe(
          false,
        );
        expect(await s.loadUser('u')).toStrictEqual({ version, sessions: [a] });
      });

      it('a commit that fails part-way leaves no trace: no tombstone, no notice, no version bump', async () => {
        const db = open(join(tempDir(), 'rollback.db'));
        const s = store({ database: db.database, notifyInterval: 5 });
        const notices: SessionEnd[] = [];
        await s.subscribe({ ended: (n) => notices.push(n), status: () => undefined });
        const a = sessionRecord('u', { data: { secret: 'app data' } });
        const b = sessionRecord('u');
        await s.commitUser('u', 0, { put: [a, b], end: [] });
        const { version } = await s.loadUser('u');
        // The end of `a` runs first; the broken put after it makes SQLite refuse the transaction.
        const broken = { ...sessionRecord('u'), tokenHash: null as unknown as string };
        await expect(
          s.commitUser('u', version, { put: [broken], end: [endOf(a)] }),
        ).rejects.toThrow();
        expect(await s.find(a.id)).toStrictEqual({ kind: 'session', record: a });
        expect((await s.loadUser('u')).version).toBe(version);
        expect(count(db, 'tombstones') + count(db, 'ended')).toBe(0);

        // The connection is usable again: the failed transaction was rolled back.
        expect(
          await s.commitUser('u', version, { put: [], end: [endOf(b, { by: toSessionInfo(a) })] }),
        );
        await waitFor(() => notices.length > 0, 1_000, 'the notice');
        await new Promise((resolve) => setTimeout(resolve, 30));
        expect(notices.map((n) => n.session.id)).toEqual([b.id]);
        // Notices leave app data out.
        expect(notices[0]!.by).toMatchObject({ id: a.id, device: a.device });
        expect(notices[0]!.by).not.toHaveProperty('data');
      });

      it('endSession checks the owner; touch never re-creates a session and keeps the version', async () => {
        const s = store({ database: open(join(tempDir(), 'single.db')).database });
        const a = sessionRecord('u');
        await s.commitUser('u', 0, { put: [a], end: [] });
        const { version } = await s.loadUser('u');
        expect(await s.endSession(endOf({ ...a, userId: 'mallory' }))).toBeNull();
        await s.touch(a.id, a.lastSeenAt + 1_000, a.lastSeenAt + 2_000);
        expect(await s.loadUser('u')).toStrictEqual({
          version,
          sessions: [{ ...a, lastSeenAt: a.lastSeenAt + 1_000, expiresAt: a.lastSeenAt + 2_000 }],
        });
        expect(await s.endSession(endOf(a))).toMatchObject({ id: a.id });
        expect(await s.endSession(endOf(a))).toBeNull();
        await s.touch(a.id, a.lastSeenAt + 5_000, null);
        expect((await s.find(a.id))?.kind).toBe('tombstone');
        expect((await s.loadUser('u')).sessions).toEqual([]);
      });

      it('push channel: reports down when a poll fails and up again when it recovers', async () => {
        const file = join(tempDir(), 'push.db');
        const s = store({ database: open(file).database, notifyInterval: 5 });
        const statuses: boolean[] = [];
        const stop = await s.subscribe({
          ended: () => undefined,
          status: (up) => statuses.push(up),
        });
        expect(statuses).toEqual([true]);
        const other = open(file);
        other.exec('ALTER TABLE session_limiter_ended RENAME TO parked');
        await waitFor(() => statuses.length === 2, 1_000, 'the channel to go down');
        other.exec('ALTER TABLE parked RENAME TO session_limiter_ended');
        await waitFor(() => statuses.length === 3, 1_000, 'the channel to come back');
        expect(statuses).toEqual([true, false, true]);
        await stop();
      });
    });
  }

  describe('bad files', () => {
    const WELL_FORMED = `${'A'.repeat(28)}.${'B'.repeat(43)}`;

    async function expectUnavailable(l: SessionLimiter): Promise<void> {
      await expect(l.open({ userId: 'u' })).rejects.toMatchObject({ code: 'STORE_UNAVAILABLE' });
      await expect(l.validate(WELL_FORMED)).rejects.toMatchObject({ code: 'STORE_UNAVAILABLE' });
      await expect(l.list('u')).rejects.toMatchObject({ code: 'STORE_UNAVAILABLE' });
      await expect(l.prune()).rejects.toMatchObject({ code: 'STORE_UNAVAILABLE' });
    }

    it('a file that is not a database gives STORE_UNAVAILABLE and is left untouched', async () => {
      const file = join(tempDir(), 'not-a.db');
      const garbage = Buffer.from('these are not the pages you are looking for\n'.repeat(200));
      writeFileSync(file, garbage);
      await expectUnavailable(limiter(store({ database: file })));
      expect(readFileSync(file).equals(garbage)).toBe(true);
    });

    it('a database whose header was overwritten gives STORE_UNAVAILABLE', async () => {
      const file = join(tempDir(), 'damaged.db');
      const first = new SqliteStore({ database: file });
      await limiter(first).open({ userId: 'u' });
      await first.close();
      const bytes = readFileSync(file);
      bytes.fill(0x55, 0, 100);
      writeFileSync(file, bytes);
      await expectUnavailable(limiter(store({ database: file })));
    });

    it('an unopenable path gives STORE_UNAVAILABLE, and the store recovers once it opens', async () => {
      const dir = tempDir();
      await expectUnavailable(limiter(store({ database: dir })));
      const later = join(dir, 'not-yet', 'sessions.db');
      const l = limiter(store({ database: later }));
      await expectUnavailable(l);
      mkdirSync(join(dir, 'not-yet'));
      const opened = await l.open({ userId: 'u' });
      expect((await l.validate(token(opened))).ok).toBe(true);
    });
  });

  it('validateNow answers from the file once it is open, and sees a revoke by another connection at once', async () => {
    const file = join(tempDir(), 'now.db');
    const here = limiter(store({ database: file }));
    const there = limiter(store({ database: file }));
    const login = await here.open({ userId: 'alice' });
    if (!login.ok) throw new Error('login failed');
    const unopened = store({ database: file });
    expect(unopened.findNow(login.session.id)).toBeUndefined(); // `find` opens it
    expect(await unopened.find(login.session.id)).toMatchObject({ kind: 'session' });
    expect(unopened.findNow(login.session.id)).toMatchObject({ kind: 'session' });
    expect(here.validateNow(login.token)).toMatchObject({ ok: true });
    await there.revoke('alice', login.session.id);
    expect(here.validateNow(login.token)).toMatchObject({ code: 'SESSION_REVOKED' });
  });

  it("refuses to write a session into another user's commit", async () => {
    const s = store({ database: join(tempDir(), 'owner.db') });
    await expect(
      s.commitUser('u', 0, { put: [sessionRecord('mallory')], end: [] }),
    ).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    expect(await s.loadUser('u')).toStrictEqual({ version: 0, sessions: [] });
  });

  it('its polling timer never keeps the process alive', () => {
    const dir = tempDir();
    const script = join(dir, 'idle.mts');
    const url = (path: string) => new URL(path, import.meta.url).href;
    writeFileSync(
      script,
      `import { createSessionLimiter } from ${JSON.stringify(url('../../src/index.ts'))};
       import { SqliteStore } from ${JSON.stringify(url('../../src/stores/sqlite/index.ts'))};
       const store = new SqliteStore({ database: ${JSON.stringify(join(dir, 'idle.db'))} });
       createSessionLimiter({ store }); // subscribed, never disposed
       await store.subscribe({ ended() {}, status() {} });
       await store.loadUser('u');
       console.log('idle');`,
    );
    const output = execFileSync(process.execPath, ['--import', 'tsx', script], {
      cwd: fileURLToPath(new URL('../..', import.meta.url)),
      timeout: 15_000,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    expect(output.trim()).toBe('idle');
  });
});

/** Writes sessions of every shape and a tombstone with `by`; what a reader must find. */
async function writeEveryKind(s: SqliteStore) {
  const detailed = sessionRecord('u', {
    device: { kind: 'desktop', label: 'Chrome 131 on macOS', ip: '203.0.113.9' },
    data: { plan: 'family', seats: [1, 'two', null, { deep: true }], ratio: 0.25 },
  });
  const forever = sessionRecord('u', {
    idleTimeout: null,
    absoluteExpiresAt: null,
    expiresAt: null,
    data: null,
  });
  const plain = sessionRecord('u', { generation: 3 });
  const ended = sessionRecord('u');
  expect(await s.commitUser('u', 0, { put: [detailed, forever, plain, ended], end: [] }));
  const { version } = await s.loadUser('u');
  const end = endOf(ended, { by: toSessionInfo(detailed) });
  expect(await s.commitUser('u', version, { put: [], end: [end] })).toBe(true);
  return { live: [detailed, forever, plain], ended, end, snapshot: await s.loadUser('u') };
}

async function expectEveryKind(
  s: SqliteStore,
  { live, ended, end, snapshot }: Awaited<ReturnType<typeof writeEveryKind>>,
): Promise<void> {
  for (const record of live) {
    expect(await s.find(record.id)).toStrictEqual({ kind: 'session', record });
  }
  expect(await s.find(ended.id)).toStrictEqual({
    kind: 'tombstone',
    record: {
      id: ended.id,
      userId: 'u',
      tokenHash: ended.tokenHash,
      reason: 'evicted',
      at: end.at,
      by: end.by,
      keepUntil: end.keepUntil,
    },
  });
  const after = await s.loadUser('u');
  expect(after.version).toBe(snapshot.version);
  expect(byId(after.sessions)).toStrictEqual(byId(live));
}

function token(result: OpenResult): string {
  if (!result.ok) throw new Error(`expected the login to succeed, got ${result.code}`);
  return result.token;
}

function sessionRecord(userId: string, overrides: Partial<SessionRecord> = {}): SessionRecord {
  const now = Date.UTC(2026, 10, 25, 14, 2);
  const id = newSessionId(userId);
  return {
    id,
    userId,
    tokenHash: newToken(id).tokenHash,
    createdAt: now,
    lastSeenAt: now,
    idleTimeout: 1_800_000,
    absoluteExpiresAt: now + 43_200_000,
    expiresAt: now + 1_800_000,
    generation: 0,
    device: { kind: 'mobile', label: 'Safari 17 on iOS' },
    ...overrides,
  };
}

function endOf(record: SessionRecord, extra: Partial<SessionEnd> = {}): SessionEnd {
  const at = record.lastSeenAt + 60_000;
  return {
    session: toSessionInfo(record),
    reason: 'evicted',
    at,
    keepUntil: at + 3_600_000,
    origin: 'test',
    ...extra,
  };
}

function byId(records: SessionRecord[]): SessionRecord[] {
  return [...records].sort((a, b) => a.id.localeCompare(b.id));
}
