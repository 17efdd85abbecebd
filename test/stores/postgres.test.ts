import { randomBytes } from 'node:crypto';
import pg from 'pg';
import postgres from 'postgres';
import { afterEach, describe, expect, it } from 'vitest';
import {
  createSessionLimiter,
  type SessionEnded,
  type SessionLimiter,
  type SessionRecord,
  type SessionStore,
} from '../../src/index.js';
import { PostgresStore } from '../../src/stores/postgres/index.js';
import { describeStoreConformance, InstrumentedStore, waitFor } from '../conformance/suite.js';
import createStore, {
  type ClientKind,
  dropSchema,
  openClient,
  type OpenedClient,
} from '../support/factories/postgres.js';
import { DATABASE_URL, serviceAvailable } from '../support/services.js';

const available = await serviceAvailable('PostgreSQL', DATABASE_URL, 5432);
const KINDS: ClientKind[] = ['pg', 'postgres'];

function randomSchema(): string {
  return `sl_test_${randomBytes(6).toString('hex')}`;
}

/** A plain connection for looking at (and locking) the store's tables behind its back. */
async function admin(): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: DATABASE_URL });
  await client.connect();
  return client;
}

describe.runIf(available)('PostgresStore', () => {
  for (const kind of KINDS) {
    describeStoreConformance(
      `PostgresStore (${kind})`,
      async () => {
        const schema = randomSchema();
        const opened = [await createStore({ client: kind, schema })];
        return {
          store: opened[0]!.store,
          sibling: async () => {
            const next = await createStore({ client: kind, schema });
            opened.push(next);
            return next.store;
          },
          close: async () => {
            await Promise.all(opened.map((o) => o.close()));
            await dropSchema(schema);
          },
        };
      },
      { push: true, cache: true, sibling: true },
    );
  }

  describe('options', () => {
    it('refuses anything but a pg Pool or a postgres.js sql, and bad schemas', async () => {
      const { client, end } = openClient('pg');
      const bad: unknown[] = [undefined, null, 'postgres://x', {}, { query() {} }, () => undefined];
      for (const value of bad) {
        expect(() => new PostgresStore({ client: value } as never)).toThrow(
          expect.objectContaining({ code: 'INVALID_CONFIG', field: 'client' }),
        );
      }
      const single = new pg.Client({ connectionString: DATABASE_URL });
      expect(() => new PostgresStore({ client: single } as never)).toThrow(/pg Pool/);
      for (const schema of [
        '',
        'Upper',
        'has-dash',
        'a"b',
        'pg_catalog',
        '1abc',
        'x'.repeat(49),
        7,
      ]) {
        expect(() => new PostgresStore({ client, schema } as never)).toThrow(
          expect.objectContaining({ code: 'INVALID_CONFIG', field: 'schema' }),
        );
      }
      expect(() => new PostgresStore({ client, prefix: 'x' } as never)).toThrow(
        expect.objectContaining({ code: 'INVALID_CONFIG', field: 'prefix' }),
      );
      expect(() => new PostgresStore(null as never)).toThrow(/options/);
      expect(new PostgresStore({ client }).schema).toBe('session_limiter');
      expect(new PostgresStore({ client, schema: 'my_app_2' }).cacheLookups).toBe(true);
      await end();
    });
  });

  it("ignores the clients' own parsing: postgres.js camel transform and BigInt, pg type parsers", async () => {
    const schema = randomSchema();
    const sql = postgres(DATABASE_URL, {
      max: 2,
      onnotice: () => undefined,
      transform: postgres.camel,
      types: { bigint: postgres.BigInt },
    });
    const pool = new pg.Pool({
      connectionString: DATABASE_URL,
      max: 3,
      // Every type but text comes back as something the store could not use.
      types: { getTypeParser: (oid: number) => (value: string) => (oid === 25 ? value : { oid }) },
    });
    pool.on('error', () => undefined);
    const limiters = [sql, pool].map((client) =>
      createSessionLimiter({
        store: new PostgresStore({ client, schema }),
        policy: { max: 1 },
        pruneInterval: false,
      }),
    );
    try {
      for (const l of limiters) {
        const data = { some_key: 'snake', otherKey: 1 };
        const a = await l.open({ userId: 'snake_user', data });
        if (!a.ok) throw new Error('setup');
        expect((await l.validate(a.token)).ok).toBe(true);
        const [listed] = await l.list('snake_user');
        expect(listed).toMatchObject({ id: a.session.id, data, createdAt: a.session.createdAt });
        expect(typeof listed!.createdAt).toBe('number');
        await l.revoke('snake_user', a.session.id);
        expect(await l.validate(a.token)).toMatchObject({ code: 'SESSION_REVOKED' });
      }
    } finally {
      await Promise.all(limiters.map((l) => l.dispose()));
      await sql.end();
      await pool.end();
      await dropSchema(schema);
    }
  });

  for (const kind of KINDS) {
    describe(`with ${kind}`, () => {
      let schema: string;
      const clients: OpenedClient[] = [];
      const limiters: SessionLimiter[] = [];

      function store(options: { applicationName?: string } = {}): PostgresStore {
        const opened = openClient(kind, options);
        clients.push(opened);
        return new PostgresStore({ client: opened.client, schema });
      }

      function limiter(on: SessionStore, policy = { max: 1 }): SessionLimiter {
        const created = createSessionLimiter({ store: on, policy, pruneInterval: false });
        limiters.push(created);
        return created;
      }

      afterEach(async () => {
        await Promise.all(limiters.splice(0).map((l) => l.dispose()));
        await Promise.all(clients.splice(0).map((c) => c.end()));
        await dropSchema(schema);
      });

      it('creates its schema on first use, from several processes at once', async () => {
        schema = randomSchema();
        const stores = Array.from({ length: 6 }, () => store());
        const snapshots = await Promise.all(stores.map((s) => s.loadUser('nobody')));
        expect(snapshots).toEqual(stores.map(() => ({ version: 0, sessions: [] })));
        const db = await admin();
        try {
          const { rows } = await db.query<{ table_name: string }>(
            `SELECT table_name FROM information_schema.tables WHERE table_schema = $1 ORDER BY 1`,
            [schema],
          );
          expect(rows.map((r) => r.table_name)).toEqual(['sessions', 'tombstones', 'users']);
        } finally {
          await db.end();
        }
      });

      it("one user's locked row never holds up another user's login", async () => {
        schema = randomSchema();
        const l = limiter(store());
        expect((await l.open({ userId: 'alice' })).ok).toBe(true);
        expect((await l.open({ userId: 'bob' })).ok).toBe(true);
        const db = await admin();
        try {
          await db.query('BEGIN');
          await db.query(`SELECT 1 FROM "${schema}".users WHERE user_id = 'alice' FOR UPDATE`);
          // Alice's login waits for her row; Bob's (his row exists) and Carol's (hers does not)
          // go through while it is held.
          let aliceDone = false;
          const alice = l.open({ userId: 'alice' }).finally(() => (aliceDone = true));
          alice.catch(() => undefined); // awaited below; not unhandled if an expect fails first
          const others = Promise.all([l.open({ userId: 'bob' }), l.open({ userId: 'carol' })]);
          const outcome = await Promise.race([
            others.then((results) => results.map((r) => r.ok && r.evicted.length)),
            new Promise((resolve) => setTimeout(() => resolve('still waiting after 2 s'), 2_000)),
          ]);
          expect(outcome).toEqual([1, 0]);
          expect(aliceDone).toBe(false);
          await db.query('COMMIT');
          expect((await alice).ok).toBe(true);
          expect(await l.list('alice')).toHaveLength(1);
        } finally {
          await db.end();
        }
      });

      it('publishes a compact notice for a session with large data, and the commit stands', async () => {
        schema = randomSchema();
        const here = limiter(store());
        const remote = new InstrumentedStore(store());
        const there = limiter(remote);
        await waitFor(() => remote.pushUp, 2_000, 'LISTEN');
        const big = { blob: 'x'.repeat(15_000) };
        const a = await here.open({ userId: 'u', data: big });
        if (!a.ok) throw new Error('setup');
        const seen: SessionEnded[] = [];
        there.watch(a.session.id, (ended) => seen.push(ended));
        const b = await here.open({ userId: 'u', data: big });
        if (!b.ok) throw new Error('setup');
        await waitFor(() => seen.length > 0, 2_000, 'the notice');
        expect(seen[0]).toMatchObject({ reason: 'evicted', session: { id: a.session.id } });
        expect(seen[0]!.by?.id).toBe(b.session.id);
        expect(seen[0]!.session.data).toBeUndefined();
        expect(seen[0]!.by?.data).toBeUndefined();
        expect(await here.validate(a.token)).toMatchObject({
          code: 'SESSION_REVOKED',
          by: { id: b.session.id },
        });
        expect((await here.list('u'))[0]!.data).toEqual(big);
      });

      it('a notice that cannot fit in NOTIFY still commits, and listeners drop their caches', async () => {
        schema = randomSchema();
        const s = store();
        const events: string[] = [];
        const unsubscribe = await s.subscribe({
          ended: (notice) => events.push(`ended ${notice.reason.slice(0, 8)}`),
          status: (up) => events.push(`status ${up}`),
        });
        try {
          const l = limiter(s);
          const a = await l.open({ userId: 'u' });
          if (!a.ok) throw new Error('setup');
          // Larger than the limiter ever sends: the store must cope all the same.
          const reason = 'r'.repeat(9_000);
          const end = {
            session: a.session,
            reason,
            at: 1,
            keepUntil: Date.now() + 60_000,
            origin: 'x',
          };
          expect(await s.endSession(end)).toMatchObject({ id: a.session.id });
          await waitFor(() => events.length >= 3, 2_000, 'the fallback notice');
          expect(events).toEqual(['status true', 'status false', 'status true']);
          expect(await s.find(a.session.id)).toMatchObject({
            kind: 'tombstone',
            record: { reason },
          });
        } finally {
          await unsubscribe();
        }
      });

      it('round-trips records exactly, nulls included', async () => {
        schema = randomSchema();
        const s = store();
        const record: SessionRecord = {
          id: 'AAAAAA' + 'b'.repeat(22),
          userId: 'ü 😀 "quoted" \\ back',
          tokenHash: 'h'.repeat(43),
          createdAt: 1_700_000_000_123,
          lastSeenAt: 1_700_000_000_456,
          idleTimeout: null,
          absoluteExpiresAt: null,
          expiresAt: null,
          generation: 3,
          device: { kind: 'desktop', label: 'Firefox 133 on Windows', ip: '2001:db8::1' },
          data: null,
        };
        const plain: SessionRecord = { ...record, id: 'AAAAAA' + 'c'.repeat(22) };
        delete plain.data;
        expect(await s.commitUser(record.userId, 0, { put: [record, plain], end: [] })).toBe(true);
        expect(await s.find(record.id)).toStrictEqual({ kind: 'session', record });
        const found = await s.find(plain.id);
        expect(found).toStrictEqual({ kind: 'session', record: plain });
        expect(found?.record).not.toHaveProperty('data');
        const nested: SessionRecord = {
          ...record,
          id: 'AAAAAA' + 'd'.repeat(22),
          data: { a: [1, 2.5, null, { b: 'c' }] },
        };
        const { version } = await s.loadUser(record.userId);
        expect(await s.commitUser(record.userId, version, { put: [nested], end: [] })).toBe(true);
        expect((await s.loadUser(record.userId)).sessions).toHaveLength(3);
        expect(await s.find(nested.id)).toStrictEqual({ kind: 'session', record: nested });
        // A stale version changes nothing.
        const late: SessionRecord = { ...record, id: 'AAAAAA' + 'e'.repeat(22) };
        expect(await s.commitUser(record.userId, version, { put: [late], end: [] })).toBe(false);
        expect(await s.find(late.id)).toBeNull();
      });

      it('refuses text PostgreSQL cannot keep, with a clear error', async () => {
        schema = randomSchema();
        const l = limiter(store(), { max: Infinity });
        await expect(l.open({ userId: 'a\u0000b' })).rejects.toMatchObject({
          code: 'INVALID_ARGUMENT',
          field: 'userId',
        });
        await expect(l.open({ userId: 'lone \uD800' })).rejects.toMatchObject({
          code: 'INVALID_ARGUMENT',
        });
        await expect(l.open({ userId: 'u', data: { note: 'nul \u0000' } })).rejects.toMatchObject({
          code: 'INVALID_ARGUMENT',
        });
        expect((await l.open({ userId: 'u', data: { note: 'fine 😀' } })).ok).toBe(true);
      });

      it('prune leaves no garbage rows', async () => {
        schema = randomSchema();
        let clock = Date.UTC(2026, 0, 1);
        const l = createSessionLimiter({
          store: store(),
          now: () => clock,
          idleTimeout: '10m',
          tombstoneTtl: '1h',
          pruneInterval: false,
        });
        limiters.push(l);
        for (const user of ['a', 'b', 'c']) {
          await l.open({ userId: user });
          await l.open({ userId: user });
        }
        const counts = async () => {
          const db = await admin();
          try {
            const { rows } = await db.query<{ t: string; n: string }>(
              `SELECT 'users' t, count(*) n FROM "${schema}".users
               UNION ALL SELECT 'sessions', count(*) FROM "${schema}".sessions
               UNION ALL SELECT 'tombstones', count(*) FROM "${schema}".tombstones`,
            );
            return Object.fromEntries(rows.map((r) => [r.t, Number(r.n)]));
          } finally {
            await db.end();
          }
        };
        expect(await counts()).toEqual({ users: 3, sessions: 6, tombstones: 0 });
        clock += 11 * 60_000;
        expect(await l.prune()).toEqual({ expired: 6, forgotten: 3 });
        expect(await counts()).toEqual({ users: 0, sessions: 0, tombstones: 6 });
        clock += 61 * 60_000;
        expect(await l.prune()).toEqual({ expired: 0, forgotten: 6 });
        expect(await counts()).toEqual({ users: 0, sessions: 0, tombstones: 0 });
      });
    });
  }
});
