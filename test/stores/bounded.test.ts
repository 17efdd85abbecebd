// Every store stays bounded. On a fake clock (Date included, for the SQLite push log), a mixed
// workload of logins, evictions, refusals, logouts and revokes leaves each store back at its floor
// size once its sessions and tombstones have expired and prune has run; and 1,000 sign-ins of one
// user under `max: Infinity` never hold more sessions than the per-user ceiling.
import { Redis } from 'ioredis';
import pg from 'pg';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  MemoryStore,
  type Policy,
  type SessionLimiter,
  type SessionStore,
  createSessionLimiter,
} from '../../src/index.js';
import { keysOf } from '../support/factories/redis.js';
import { freshPostgres, freshRedis, freshSqlite } from '../support/fresh-stores.js';
import { DATABASE_URL, REDIS_URL, serviceAvailable } from '../support/services.js';
import { anySqlite } from '../support/sqlite-libraries.js';

const START = Date.UTC(2026, 10, 25, 14, 2);
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** A store on the real engine, and how many records (rows, keys, entries) it holds, by kind. */
interface Measured {
  store: SessionStore;
  size(): Promise<Record<string, number>>;
  close(): Promise<void>;
}

interface StoreCase {
  name: string;
  available: boolean;
  open(): Promise<Measured>;
}

const CASES: StoreCase[] = [
  {
    name: 'MemoryStore',
    available: true,
    open() {
      const store = new MemoryStore();
      return Promise.resolve({
        store,
        size: () =>
          Promise.resolve({
            sessions: store.size,
            tombstones: store.tombstones,
            users: store.users,
          }),
        close: () => Promise.resolve(),
      });
    },
  },
  {
    name: 'SqliteStore',
    available: true,
    async open() {
      const fresh = await freshSqlite('bounded');
      await fresh.store.prune(START); // creates the tables
      const db = anySqlite.open(fresh.file, { readonly: true });
      const tables = ['meta', 'users', 'sessions', 'tombstones', 'ended'];
      const count = (table: string) =>
        Number(db.column(`SELECT count(*) FROM session_limiter_${table}`)[0]);
      return {
        store: fresh.store,
        size: () => Promise.resolve(Object.fromEntries(tables.map((t) => [t, count(t)]))),
        async close() {
          db.close();
          await fresh.close();
        },
      };
    },
  },
  {
    name: 'RedisStore',
    available: await serviceAvailable('Redis', REDIS_URL, 6379),
    async open() {
      const fresh = await freshRedis('bounded');
      const { prefix } = fresh;
      const admin = new Redis(REDIS_URL);
      return {
        store: fresh.store,
        async size() {
          const counts = { sessions: 0, sessionHashes: 0, tombstones: 0, indexes: 0, other: 0 };
          for (const key of await keysOf(prefix)) {
            if (key.endsWith('}:s')) {
              counts.sessionHashes++;
              // One field per session, named by its id; the users' fields have ':' second.
              counts.sessions += (await admin.hkeys(key)).filter((f) => f[1] !== ':').length;
            } else if (key.includes('}:t:')) counts.tombstones++;
            else if (key === `${prefix}expiry` || key === `${prefix}tombstones`) counts.indexes++;
            else counts.other++;
          }
          return counts;
        },
        async close() {
          admin.disconnect();
          await fresh.close();
        },
      };
    },
  },
  {
    name: 'PostgresStore',
    available: await serviceAvailable('PostgreSQL', DATABASE_URL, 5432),
    async open() {
      const fresh = await freshPostgres('bounded');
      const { schema } = fresh;
      await fresh.store.prune(START); // creates the schema
      const admin = new pg.Client({ connectionString: DATABASE_URL });
      await admin.connect();
      return {
        store: fresh.store,
        async size() {
          const { rows } = await admin.query<{ t: string; n: string }>(
            `SELECT 'users' t, count(*) n FROM "${schema}".users
             UNION ALL SELECT 'sessions', count(*) FROM "${schema}".sessions
             UNION ALL SELECT 'tombstones', count(*) FROM "${schema}".tombstones`,
          );
          return Object.fromEntries(rows.map((r) => [r.t, Number(r.n)]));
        },
        async close() {
          await admin.end();
          await fresh.close();
        },
      };
    },
  },
];

/** The policies of the mixed workload's users, one each in turn. */
const POLICIES: Policy[] = [
  { max: 1 },
  { max: 2, onLimit: 'reject' },
  { perDevice: { mobile: 1, desktop: 1 }, evict: 'oldest' },
  { max: Infinity, idleTimeout: '10m' },
];
const KINDS = ['mobile', 'desktop', 'tablet'];

for (const c of CASES) {
  describe.runIf(c.available)(`bounded: ${c.name}`, () => {
    let measured: Measured;
    const limiters: SessionLimiter<Policy>[] = [];

    /** A limiter on the fake clock; `ceiling` sets `maxSessionsPerUser`. */
    function limiter(ceiling?: number): SessionLimiter<Policy> {
      const created = createSessionLimiter<Policy>({
        store: measured.store,
        policy: (user) => user,
        absoluteTimeout: '12h',
        tombstoneTtl: '1d',
        pruneInterval: false,
        now: () => Date.now(),
        ...(ceiling === undefined ? {} : { maxSessionsPerUser: ceiling }),
      });
      limiters.push(created);
      return created;
    }

    /** Lets every session lapse, sweeps, lets every tombstone go, sweeps again. */
    async function expireEverything(l: SessionLimiter<Policy>): Promise<void> {
      vi.setSystemTime(Date.now() + 13 * HOUR);
      expect((await l.prune()).expired).toBeGreaterThan(0);
      vi.setSystemTime(Date.now() + DAY + MINUTE);
      expect((await l.prune()).forgotten).toBeGreaterThan(0);
    }

    beforeEach(async () => {
      vi.useFakeTimers({ toFake: ['Date'] });
      vi.setSystemTime(START);
      measured = await c.open();
    });

    afterEach(async () => {
      await Promise.all(limiters.splice(0).map((l) => l.dispose()));
      await measured.close();
      vi.useRealTimers();
    });

    it('returns to its floor size once sessions and tombstones have expired and prune ran', async () => {
      const floor = await measured.size();
      const l = limiter();
      for (let u = 0; u < 12; u++) {
        const userId = `user-${u}`;
        const user = POLICIES[u % POLICIES.length]!;
        const tokens: string[] = [];
        const ids: string[] = [];
        for (let i = 0; i < 5; i++) {
          const device = { kind: KINDS[i % KINDS.length]! };
          let r = await l.open({ userId, user, device, data: { i } });
          if (!r.ok) r = await l.open({ userId, user, device, replace: r.active.at(-1)!.id });
          if (!r.ok) throw new Error('replace should make room');
          tokens.push(r.token);
          ids.push(r.session.id);
          vi.setSystemTime(Date.now() + 2 * MINUTE);
          await l.validate(r.token); // a last-seen write
        }
        await l.close(tokens[4]!);
        if (u % 2 === 0) await l.revokeAll(userId, { except: ids[3]! });
        else await l.revoke(userId, ids[3]!, { reason: 'password-changed' });
      }
      const busy = await measured.size();
      expect(busy, 'the workload stored sessions and tombstones').not.toEqual(floor);

      await expireEverything(l);
      expect(await measured.size()).toEqual(floor);
    });

    it('1,000 sign-ins of one user under max: Infinity stay within the per-user ceiling', async () => {
      const floor = await measured.size();
      const ceiling = 20;
      const l = limiter(ceiling);
      const user: Policy = { max: Infinity };
      const tokens: string[] = [];
      for (let i = 1; i <= 1_000; i++) {
        const r = await l.open({ userId: 'storm', user });
        if (!r.ok) throw new Error(`sign-in ${i} was refused`);
        tokens.push(r.token);
        vi.setSystemTime(Date.now() + 1);
        if (i % 250 === 0) {
          expect((await l.list('storm')).length).toBe(ceiling);
          expect((await measured.size()).sessions).toBe(ceiling);
        }
      }
      // The least recently active went first: the newest `ceiling` sign-ins are the live ones.
      const live = (await l.list('storm')).map((s) => s.id).sort();
      const newest = tokens.slice(-ceiling).map((t) => t.slice(0, t.indexOf('.')));
      expect(live).toEqual(newest.sort());
      // The last one evicted (MemoryStore keeps only each user's newest tombstones).
      expect(await l.validate(tokens.at(-ceiling - 1)!)).toMatchObject({
        code: 'SESSION_REVOKED',
        reason: 'evicted',
      });

      await expireEverything(l);
      expect(await measured.size()).toEqual(floor);
    }, 120_000); // 1,000 sign-ins, each a read and a commit on the real engine
  });
}
