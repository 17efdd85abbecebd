import { connect } from 'node:net';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import {
  createSessionLimiter,
  type OpenResult,
  type SessionEnd,
  type SessionLimiter,
  type SessionLimiterOptions,
} from '../../src/index.js';
import { RedisStore } from '../../src/stores/redis/index.js';
import type { SessionRecord } from '../../src/session.js';
import { newSessionId, userTag } from '../../src/token.js';
import { describeStoreConformance, waitFor } from '../conformance/suite.js';
import createStore, {
  type ClientKind,
  deleteKeys,
  keysOf,
  type OpenedClient,
  openClient,
  randomPrefix,
} from '../support/factories/redis.js';
import { REDIS_URL, serviceAvailable } from '../support/services.js';

const available = await serviceAvailable('Redis', REDIS_URL, 6379);
const KINDS: ClientKind[] = ['ioredis', 'node-redis'];
const MINUTE = 60_000;
const START = Date.UTC(2026, 10, 25, 14, 2);

function token(result: OpenResult): string {
  if (!result.ok) throw new Error(`expected the login to succeed, got ${result.code}`);
  return result.token;
}

/** CRC16/XMODEM, as Redis Cluster hashes keys. */
function crc16(bytes: Buffer): number {
  let crc = 0;
  for (const byte of bytes) {
    crc ^= byte << 8;
    for (let bit = 0; bit < 8; bit++) {
      crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
    }
  }
  return crc;
}

/** The Redis Cluster slot of a key: of its `{hash tag}` when it has a non-empty one. */
function keySlot(key: string): number {
  const open = key.indexOf('{');
  const close = open === -1 ? -1 : key.indexOf('}', open + 1);
  const hashed = close > open + 1 ? key.slice(open + 1, close) : key;
  return crc16(Buffer.from(hashed)) % 16384;
}

/**
 * Calls `onCommand` with the arguments of every command the server runs, from a raw MONITOR
 * connection (ioredis's own monitor mode can trip over a busy server's first lines).
 */
async function monitor(onCommand: (args: string[]) => void): Promise<() => void> {
  const { hostname, port } = new URL(REDIS_URL);
  const socket = connect({ host: hostname, port: Number(port) || 6379 });
  socket.setEncoding('utf8');
  socket.write('MONITOR\r\n');
  let buffer = '';
  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject);
    socket.on('data', (chunk: string) => {
      buffer += chunk;
      for (let end = buffer.indexOf('\r\n'); end !== -1; end = buffer.indexOf('\r\n')) {
        const line = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        if (line === '+OK') resolve();
        const args = [...line.matchAll(/"((?:[^"\\]|\\.)*)"/g)].map((m) =>
          (m[1] ?? '').replace(/\\(.)/g, '$1'),
        );
        if (args.length > 0) onCommand(args);
      }
    });
  });
  return () => socket.destroy();
}

describe.runIf(available)('RedisStore', () => {
  for (const kind of KINDS) {
    describeStoreConformance(
      `RedisStore (${kind})`,
      async () => {
        const prefix = randomPrefix();
        const opened = [await createStore({ client: kind, prefix })];
        return {
          store: opened[0]!.store,
          sibling: async () => {
            const next = await createStore({ client: kind, prefix });
            opened.push(next);
            return next.store;
          },
          close: async () => {
            await Promise.all(opened.map((o) => o.close()));
            await deleteKeys(prefix);
          },
        };
      },
      { push: true, cache: true, sibling: true },
    );
  }

  // One admin connection to look at the keys behind the store's back.
  let admin: Redis;
  let prefix: string;
  let clock: number;
  const cleanups: (() => Promise<unknown>)[] = [];
  const prefixes: string[] = [];

  async function open(kind: ClientKind = 'ioredis'): Promise<OpenedClient> {
    const opened = await openClient(kind);
    cleanups.push(() => opened.close());
    return opened;
  }

  async function setUp(options: SessionLimiterOptions = {}, kind: ClientKind = 'ioredis') {
    admin = new Redis(REDIS_URL);
    cleanups.push(() => Promise.resolve(admin.disconnect()));
    prefix = randomPrefix('unit');
    prefixes.push(prefix);
    clock = START;
    const { client } = await open(kind);
    const store = new RedisStore({ client, prefix, lapsedTtl: '1h' });
    const limiter: SessionLimiter = createSessionLimiter({
      store,
      now: () => clock,
      pruneInterval: false,
      ...options,
    });
    cleanups.push(
      () => limiter.dispose(),
      () => store.close(),
    );
    return { store, limiter };
  }

  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
    for (const used of prefixes.splice(0)) await deleteKeys(used);
  });

  describe('options', () => {
    it('refuses anything but an ioredis or node-redis client, naming the option', async () => {
      const { client } = await open('ioredis');
      const { client: nodeClient } = await open('node-redis');
      const bad: unknown[] = [
        undefined,
        null,
        'redis://127.0.0.1',
        {},
        { evalsha() {} },
        { evalSha() {}, eval() {} },
        () => undefined,
      ];
      for (const value of bad) {
        expect(() => new RedisStore({ client: value } as never)).toThrow(
          expect.objectContaining({ code: 'INVALID_CONFIG', field: 'client' }),
        );
      }
      expect(() => new RedisStore(null as never)).toThrow(/must be an object/);
      expect(() => new RedisStore({ client, subscriber: client })).toThrow(
        expect.objectContaining({
          field: 'subscriber',
          message: expect.stringMatching(/own connection/) as unknown,
        }),
      );
      expect(() => new RedisStore({ client, subscriber: nodeClient })).toThrow(
        expect.objectContaining({
          field: 'subscriber',
          message: expect.stringMatching(/ioredis/) as unknown,
        }),
      );
      for (const prefix of ['', 'a{b', 'a}', 'with space', 'x'.repeat(101), 7]) {
        expect(() => new RedisStore({ client, prefix } as never)).toThrow(
          expect.objectContaining({ code: 'INVALID_CONFIG', field: 'prefix' }),
        );
      }
      for (const timeout of [0, -1, 'soon', Infinity]) {
        expect(() => new RedisStore({ client, timeout } as never)).toThrow(
          expect.objectContaining({ code: 'INVALID_CONFIG', field: 'timeout' }),
        );
      }
      expect(() => new RedisStore({ client, lapsedTtl: '0s' } as never)).toThrow(
        expect.objectContaining({ field: 'lapsedTtl' }),
      );
      expect(() => new RedisStore({ client, keyPrefix: 'x' } as never)).toThrow(
        expect.objectContaining({
          field: 'keyPrefix',
          message: expect.stringMatching(/known: client/) as unknown,
        }),
      );
      expect(new RedisStore({ client }).prefix).toBe('session-limiter:');
      expect(new RedisStore({ client: nodeClient, prefix: 'app:sessions:' }).prefix).toBe(
        'app:sessions:',
      );
    });
  });

  describe('keys', () => {
    it('gives every key a TTL: sessions to lapsedTtl past expiry, tombstones to keepUntil', async () => {
      const { limiter } = await setUp({
        policy: { max: 1 },
        idleTimeout: '10m',
        tombstoneTtl: '2h',
      });
      await limiter.open({ userId: 'alice' });
      const live = await limiter.open({ userId: 'alice' }); // evicts the first
      const other = await limiter.open({ userId: 'bob', data: { plan: 'family' } });
      if (!live.ok || !other.ok) throw new Error('setup');
      await limiter.revoke('bob', other.session.id);
      await limiter.open({ userId: 'carol' });

      const keys = await keysOf(prefix);
      const kindOf = (key: string) =>
        /}:(s)$|}:(t):|(expiry|tombstones)$/.exec(key)?.slice(1).join('');
      expect(new Set(keys.map(kindOf))).toEqual(new Set(['s', 't', 'expiry', 'tombstones']));
      expect(keys.filter((k) => kindOf(k) === 's')).toHaveLength(2); // bob's went with his session
      for (const key of keys) {
        const ttl = await admin.pttl(key);
        expect(ttl, key).toBeGreaterThan(0);
        if (kindOf(key) === 's') {
          expect(ttl).toBeGreaterThan(69 * MINUTE); // 10m + lapsedTtl 1h
          expect(ttl).toBeLessThanOrEqual(70 * MINUTE);
        }
        if (kindOf(key) === 't') {
          expect(ttl).toBeGreaterThan(119 * MINUTE);
          expect(ttl).toBeLessThanOrEqual(120 * MINUTE);
        }
      }
    });

    it('the one exception: a session with no timeout at all lives until it is ended', async () => {
      const { limiter } = await setUp({ idleTimeout: Infinity, absoluteTimeout: Infinity });
      const r = await limiter.open({ userId: 'forever' });
      if (!r.ok) throw new Error('setup');
      const keys = await keysOf(prefix);
      expect(keys).toHaveLength(1); // the user's sessions; nothing to index
      for (const key of keys) expect(await admin.pttl(key)).toBe(-1);
      await limiter.revoke('forever', r.session.id);
      // Ended: the hash is gone, the tombstone expires.
      for (const key of await keysOf(prefix)) expect(await admin.pttl(key), key).toBeGreaterThan(0);
    });

    it('keeps one packed field per session, naming neither the user nor the token hash twice', async () => {
      const { limiter } = await setUp({ policy: { max: 5 }, idleTimeout: '10m' });
      for (let i = 0; i < 3; i++) await limiter.open({ userId: 'alice' });
      const sessions = await admin.hgetall(`${prefix}{${userTag('alice')}}:s`);
      const fields = Object.keys(sessions);
      // The users' fields have ':' second: the version, the count and the owner.
      expect(fields.filter((f) => f[1] === ':').sort()).toEqual(['n:alice', 'o:', 'v:alice']);
      const ids = (await limiter.list('alice')).map((s) => s.id.slice(6));
      expect(fields.filter((f) => f[1] !== ':').sort()).toEqual(ids.sort());
      for (const id of ids) {
        const value = sessions[id] ?? '';
        expect(value).not.toContain('alice');
        expect(value.length).toBeLessThan(150);
      }
    });

    it('indexes expiry per user tag, not per session', async () => {
      const { limiter } = await setUp({ policy: { max: 5 }, idleTimeout: '10m' });
      for (let i = 0; i < 3; i++) await limiter.open({ userId: 'alice' });
      await limiter.open({ userId: 'bob' });
      const index = await admin.zrange(`${prefix}expiry`, '0', '-1', 'WITHSCORES');
      const expiry = String(START + 10 * MINUTE);
      expect(index).toHaveLength(4); // two members and their scores
      expect(new Set(index)).toEqual(new Set([userTag('alice'), userTag('bob'), expiry]));
    });

    it("puts a user's keys in one hash slot: the user tag in braces", async () => {
      expect(keySlot('123456789')).toBe(0x31c3); // the CRC16 check value
      expect(keySlot('foo')).toBe(12182);
      expect(keySlot('x{foo}y')).toBe(keySlot('foo'));
      const { limiter } = await setUp({ policy: { max: 2 } });
      for (let i = 0; i < 4; i++) await limiter.open({ userId: 'alice' });
      await limiter.open({ userId: 'bob' });
      const keys = (await keysOf(prefix)).filter((k) => !/(expiry|tombstones)$/.test(k));
      const alice = keys.filter((k) => k.includes(`{${userTag('alice')}}`));
      expect(alice.length).toBe(1 + 2); // her sessions' hash, two tombstones
      expect(new Set(alice.map(keySlot)).size).toBe(1);
      expect(keys.length - alice.length).toBe(1); // bob's sessions' hash
    });

    it('touches keys of one slot in every script, and calls scripts by hash', async () => {
      const { limiter } = await setUp({
        policy: { max: 1 },
        idleTimeout: '10m',
        tombstoneTtl: '1h',
      });
      const calls: string[][] = [];
      const stop = await monitor((args) => {
        if (/^eval/i.test(args[0] ?? '') && (args[3] ?? '').startsWith(prefix)) calls.push(args);
      });
      cleanups.push(() => Promise.resolve(stop()));

      const a = await limiter.open({ userId: 'alice' });
      const b = token(await limiter.open({ userId: 'alice' }));
      clock += 5 * MINUTE;
      await limiter.validate(b); // a last-seen write
      if (!a.ok) throw new Error('setup');
      await limiter.validate(a.token);
      const c = await limiter.open({ userId: 'carol' });
      if (!c.ok) throw new Error('setup');
      await limiter.revoke('carol', c.session.id);
      await limiter.close(b);
      await limiter.open({ userId: 'dave' });
      await limiter.revokeAll('dave');
      await limiter.open({ userId: 'erin' });
      clock += 2 * 60 * MINUTE;
      await limiter.prune();
      await waitFor(
        () => calls.some((c) => c.join(' ').includes('tombstones')),
        1_000,
        'the prune',
      );

      expect(calls.length).toBeGreaterThan(20);
      for (const call of calls) {
        const keys = call.slice(3, 3 + Number(call[2]));
        expect(new Set(keys.map(keySlot)).size, call.join(' ')).toBe(1);
      }
      // Scripts go by hash; the source only travels to a server that has not seen it yet.
      const sources = calls.filter((call) => call[0]?.toLowerCase() === 'eval');
      expect(sources.length).toBeLessThanOrEqual(10);
      expect(new Set(sources.map((call) => call[1])).size).toBe(sources.length);
    });

    it('runs on after SCRIPT FLUSH: the scripts are sent again', async () => {
      for (const kind of KINDS) {
        const { limiter } = await setUp({ policy: { max: 1 } }, kind);
        const a = token(await limiter.open({ userId: 'alice' }));
        await admin.script('FLUSH');
        expect((await limiter.validate(a)).ok).toBe(true);
        const b = token(await limiter.open({ userId: 'alice' }));
        await admin.script('FLUSH');
        expect(await limiter.validate(a)).toMatchObject({
          code: 'SESSION_REVOKED',
          reason: 'evicted',
        });
        expect((await limiter.validate(b)).ok).toBe(true);
      }
    });

    it('prune leaves nothing behind once every session ended and its tombstone expired', async () => {
      const { limiter } = await setUp({
        policy: { max: 1 },
        idleTimeout: '10m',
        tombstoneTtl: '1h',
      });
      await limiter.open({ userId: 'alice' });
      const lastOfAlice = token(await limiter.open({ userId: 'alice' })); // evicts one
      const bob = await limiter.open({ userId: 'bob', data: { a: [1, 2] } });
      if (!bob.ok) throw new Error('setup');
      await limiter.revoke('bob', bob.session.id);
      const carol = token(await limiter.open({ userId: 'carol' }));
      await limiter.close(carol);
      await limiter.open({ userId: 'dave' }); // lapses untouched
      clock += 5 * MINUTE;
      await limiter.validate(lastOfAlice); // touched: its index entry now lags
      expect(await keysOf(prefix)).toHaveLength(7); // two users' sessions, three tombstones, two indexes

      clock += 20 * MINUTE;
      expect(await limiter.prune()).toMatchObject({ expired: 2 }); // alice's last, dave's
      clock += 2 * 60 * MINUTE;
      const { forgotten } = await limiter.prune();
      expect(forgotten).toBe(5);
      expect(await keysOf(prefix)).toEqual([]);
    });

    it("prune forgets a tombstone the index's floor dropped while Redis still keeps it", async () => {
      // The limiter's clock runs ahead of Redis's: alice's tombstone outlives its keepUntil.
      const { limiter } = await setUp({ tombstoneTtl: '1h' });
      const alice = await limiter.open({ userId: 'alice' });
      if (!alice.ok) throw new Error('setup');
      await limiter.revoke('alice', alice.session.id);
      clock += 3 * 60 * MINUTE;
      // An end two hours past alice's keepUntil moves the tombstone index's floor past her entry.
      const bob = await limiter.open({ userId: 'bob' });
      if (!bob.ok) throw new Error('setup');
      await limiter.revoke('bob', bob.session.id);
      expect(await limiter.prune()).toMatchObject({ forgotten: 1 });
      expect(await limiter.validate(alice.token)).toEqual({ ok: false, code: 'SESSION_UNKNOWN' });
    });
  });

  describe('store operations', () => {
    it('keeps two users whose tags collide apart in their shared hash', async () => {
      // Found by a birthday search over `user-<n>`: two ids whose 36-bit tags are equal.
      const [a, b] = ['user-130570', 'user-428401'];
      expect(userTag(a)).toBe(userTag(b));
      const { store, limiter } = await setUp({ policy: { max: 1, onLimit: 'reject' } });
      const first = await limiter.open({ userId: a });
      const second = await limiter.open({ userId: b });
      if (!first.ok || !second.ok) throw new Error(`${a} and ${b} should each get a session`);
      expect((await keysOf(prefix)).filter((k) => k.endsWith('}:s'))).toHaveLength(1);
      expect((await limiter.list(a)).map((s) => s.id)).toEqual([first.session.id]);
      expect((await limiter.list(b)).map((s) => s.id)).toEqual([second.session.id]);
      await expect(limiter.revoke(a, second.session.id)).rejects.toMatchObject({
        code: 'SESSION_NOT_FOUND',
      });
      const { version } = await store.loadUser(b);
      await limiter.revoke(a, first.session.id);
      expect((await store.loadUser(b)).version).toBe(version);
      expect((await limiter.validate(second.token)).ok).toBe(true);
      expect((await limiter.open({ userId: a })).ok).toBe(true);
      await limiter.revokeAll(a);
      await limiter.revokeAll(b);
      expect((await keysOf(prefix)).filter((k) => k.endsWith('}:s'))).toEqual([]);
    });

    it("lists a user's sessions after its tag-mate, the hash's first owner, left", async () => {
      const [a, b] = ['user-130570', 'user-428401'];
      const { limiter } = await setUp({ policy: { max: 2 } });
      const first = await limiter.open({ userId: a }); // a owns the hash
      const named = await limiter.open({ userId: b }); // b's session names b
      if (!first.ok || !named.ok) throw new Error('setup');
      await limiter.revokeAll(a);
      const owned = await limiter.open({ userId: b }); // b owns the hash now
      if (!owned.ok) throw new Error('setup');
      expect((await limiter.list(b)).map((s) => s.id).sort()).toEqual(
        [named.session.id, owned.session.id].sort(),
      );
      expect(await limiter.list(a)).toEqual([]);
      expect((await limiter.validate(named.token)).ok).toBe(true);
    });

    describe('the sweep', () => {
      function lapsing(userId: string, expiresAt: number): SessionRecord {
        return {
          id: newSessionId(userId),
          userId,
          tokenHash: 'h'.repeat(43),
          createdAt: START,
          lastSeenAt: START,
          idleTimeout: expiresAt - START,
          absoluteExpiresAt: null,
          expiresAt,
          generation: 0,
          device: { kind: 'desktop', label: 'Test' },
        };
      }
      async function put(store: RedisStore, records: SessionRecord[]): Promise<void> {
        const userId = records[0]!.userId;
        const { version } = await store.loadUser(userId);
        expect(await store.commitUser(userId, version, { put: records, end: [] })).toBe(true);
      }
      const ids = (records: SessionRecord[]) => records.map((r) => r.id).sort();

      it('hands out every lapsed session once across batches, and the rest when they lapse', async () => {
        const { store } = await setUp();
        const lapsed: SessionRecord[] = [];
        for (let u = 0; u < 5; u++) {
          const now = [1, 2, 3, 4].map((i) => lapsing(`user-${u}`, START + i * MINUTE));
          const later = lapsing(`user-${u}`, START + 60 * MINUTE);
          await put(store, [...now, later]);
          lapsed.push(...now);
        }
        const at = START + 5 * MINUTE;
        const seen: SessionRecord[] = [];
        for (
          let batch = await store.lapsed(at, 3);
          batch.length > 0;
          batch = await store.lapsed(at, 3)
        ) {
          expect(batch.length).toBeLessThanOrEqual(3);
          seen.push(...batch);
          for (const r of batch) {
            await store.endSession({
              session: r,
              reason: 'idle-timeout',
              at,
              keepUntil: at + MINUTE,
              origin: 't',
            });
          }
        }
        expect(ids(seen)).toEqual(ids(lapsed));
        expect(await store.lapsed(START + 59 * MINUTE, 100)).toEqual([]);
        expect(await store.lapsed(START + 60 * MINUTE, 100)).toHaveLength(5);
      });

      it('hands a lapsed session out again at the next sweep if it was not ended', async () => {
        const { store } = await setUp();
        const r = lapsing('alice', START + MINUTE);
        await put(store, [r]);
        expect(ids(await store.lapsed(START + 2 * MINUTE, 10))).toEqual([r.id]);
        expect(await store.lapsed(START + 2 * MINUTE, 10)).toEqual([]);
        expect(ids(await store.lapsed(START + 7 * MINUTE, 10))).toEqual([r.id]);
      });

      it('keeps a tag indexed when the floor drops it: its lapsed sessions come due', async () => {
        const { store } = await setUp(); // lapsedTtl 1h
        const early = lapsing('alice', START + 10 * MINUTE);
        const late = lapsing('alice', START + 180 * MINUTE);
        await put(store, [early, late]);
        // Nobody sweeps; two hours on, another user's put moves the floor past alice's entry.
        const bob = lapsing('bob', START + 240 * MINUTE);
        await put(store, [{ ...bob, lastSeenAt: START + 120 * MINUTE }]);
        const at = START + 121 * MINUTE;
        expect(ids(await store.lapsed(at, 10))).toEqual([early.id]);
        const end = { reason: 'idle-timeout', at, keepUntil: at + MINUTE, origin: 't' };
        await store.endSession({ ...end, session: early });
        expect(ids(await store.lapsed(START + 181 * MINUTE, 10))).toEqual([late.id]);
      });

      it('finds a session whose touch moved its expiry earlier', async () => {
        const { store } = await setUp();
        const r = lapsing('alice', START + 60 * MINUTE);
        await put(store, [r]);
        await store.touch(r.id, START + MINUTE, START + 2 * MINUTE);
        const found = await store.lapsed(START + 3 * MINUTE, 10);
        expect(found).toMatchObject([{ id: r.id, expiresAt: START + 2 * MINUTE }]);
      });
    });

    it('touch never brings an ended session back and does not move the version', async () => {
      const { store, limiter } = await setUp();
      const a = await limiter.open({ userId: 'alice' });
      const b = await limiter.open({ userId: 'alice' });
      if (!a.ok || !b.ok) throw new Error('setup');
      const { version } = await store.loadUser('alice');
      await store.touch(b.session.id, START + MINUTE, START + 31 * MINUTE);
      expect((await store.loadUser('alice')).version).toBe(version);
      const found = await store.find(b.session.id);
      expect(found?.kind === 'session' && found.record).toMatchObject({
        lastSeenAt: START + MINUTE,
        expiresAt: START + 31 * MINUTE,
        tokenHash: expect.any(String) as unknown,
      });

      await limiter.revoke('alice', a.session.id);
      await store.touch(a.session.id, START + MINUTE, START + 31 * MINUTE);
      expect((await store.find(a.session.id))?.kind).toBe('tombstone');
      expect((await store.loadUser('alice')).sessions.map((s) => s.id)).toEqual([b.session.id]);
      await store.touch('A'.repeat(28), 1, 2);
      await store.touch('junk', 1, 2);
      expect(await keysOf(prefix)).not.toContainEqual(expect.stringContaining('AAAAAA'));
    });

    it('commits only on the version read, and only for that user', async () => {
      const { store, limiter } = await setUp();
      const a = await limiter.open({ userId: 'alice' });
      const m = await limiter.open({ userId: 'mallory' });
      if (!a.ok || !m.ok) throw new Error('setup');
      const snapshot = await store.loadUser('alice');
      const [record] = snapshot.sessions;
      if (!record) throw new Error('setup');
      const put = { ...record, generation: 1 };
      expect(await store.commitUser('alice', snapshot.version, { put: [put], end: [] })).toBe(true);
      expect(await store.commitUser('alice', snapshot.version, { put: [put], end: [] })).toBe(
        false,
      );

      const mallorys = (await store.loadUser('mallory')).sessions[0]!;
      await expect(
        store.commitUser('alice', snapshot.version + 1, { put: [mallorys], end: [] }),
      ).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
      const end: SessionEnd = {
        session: { ...m.session, userId: 'alice' },
        reason: 'revoked',
        at: START,
        keepUntil: START + MINUTE,
        origin: 'test',
      };
      expect(await store.endSession(end)).toBeNull();
      expect((await store.find(m.session.id))?.kind).toBe('session');
    });

    it('publishes small notices and shrugs off junk on the channel', async () => {
      const { store, limiter } = await setUp({ policy: { max: 1 } });
      const notices: SessionEnd[] = [];
      let up = false;
      const stop = await store.subscribe({
        ended: (n) => notices.push(n),
        status: (s) => (up = s),
      });
      cleanups.push(stop);
      await waitFor(() => up, 2_000, 'the subscription');
      for (const junk of [
        '',
        'null',
        '{',
        '[]',
        '{"session":1}',
        JSON.stringify({ reason: 'x' }),
      ]) {
        await admin.publish(`${prefix}ended`, junk);
      }
      await limiter.open({ userId: 'alice', data: { big: 'x'.repeat(1000) } });
      await limiter.open({ userId: 'alice', data: { big: 'y'.repeat(1000) } });
      await waitFor(() => notices.length > 0, 1_000, 'the notice');
      expect(notices).toHaveLength(1);
      expect(notices[0]).toMatchObject({
        reason: 'evicted',
        origin: expect.any(String) as unknown,
      });
      expect(notices[0]!.session).not.toHaveProperty('data');
      expect(notices[0]!.by).not.toHaveProperty('data');
      expect(notices[0]!.by?.id).toBeDefined();
    });

    it('owns the duplicate it subscribes on, and leaves a given subscriber open', async () => {
      for (const kind of KINDS) {
        const { limiter: first } = await setUp({}, kind);
        const channel = `${prefix}ended`;
        const listeners = async () =>
          ((await admin.pubsub('NUMSUB', channel)) as [string, number])[1];
        await expect.poll(listeners).toBe(1);
        await first.dispose(); // the last subscriber leaves: the duplicate is closed
        await expect.poll(listeners).toBe(0);

        const { client } = await open(kind);
        const subscriber = await open(kind);
        const store = new RedisStore({ client, subscriber: subscriber.client, prefix });
        const limiter = createSessionLimiter({ store, pruneInterval: false });
        await expect.poll(listeners).toBe(1);
        await limiter.dispose();
        await store.close();
        await expect.poll(listeners).toBe(0);
        const sub = subscriber.client as { status?: string; isOpen?: boolean };
        expect(sub.status ?? sub.isOpen).toBe(kind === 'ioredis' ? 'ready' : true);
        await expect(store.find('A'.repeat(28))).rejects.toMatchObject({
          code: 'STORE_UNAVAILABLE',
        });
        await expect(store.subscribe({ ended() {}, status() {} })).rejects.toThrow(/closed/);
      }
    });
  });
});
