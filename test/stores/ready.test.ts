// ready(): every store says at startup, with STORE_UNAVAILABLE and the cause, when it cannot be
// used; limiter.ready() passes that on. (A working store's ready() is in the conformance suite.)
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import pg from 'pg';
import postgres from 'postgres';
import { createClient } from 'redis';
import { afterEach, describe, expect, it } from 'vitest';
import {
  createSessionLimiter,
  MemoryStore,
  SessionLimiterError,
  type SessionStore,
} from '../../src/index.js';
import { PostgresStore } from '../../src/stores/postgres/index.js';
import { RedisStore } from '../../src/stores/redis/index.js';
import { SqliteStore } from '../../src/stores/sqlite/index.js';
import { sparePort } from '../support/servers.js';

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function later<T>(cleanup: () => unknown, value: T): T {
  cleanups.push(cleanup);
  return value;
}

/** What `ready()` rejected with; fails the test if it resolved. */
async function failure(call: () => Promise<void>): Promise<SessionLimiterError> {
  try {
    await call();
  } catch (error) {
    expect(error).toBeInstanceOf(SessionLimiterError);
    return error as SessionLimiterError;
  }
  throw new Error('expected ready() to reject');
}

/** A store nobody can reach, with what its error must say. */
interface Unusable {
  name: string;
  open: () => Promise<SessionStore>;
  message: RegExp;
}

const unusable: Unusable[] = [
  {
    name: 'SqliteStore on a file that is not a database',
    open() {
      const file = join(scratchDir(), 'sessions.db');
      writeFileSync(file, 'not a database\n'.repeat(100));
      return Promise.resolve(store(new SqliteStore({ database: file })));
    },
    message:
      /SqliteStore could not open \S+sessions\.db( \((node:sqlite|better-sqlite3)\))?: file is not a database/,
  },
  {
    name: 'SqliteStore on a path in a missing directory',
    open() {
      return Promise.resolve(
        store(new SqliteStore({ database: join(scratchDir(), 'missing', 'sessions.db') })),
      );
    },
    message:
      /SqliteStore could not open \S+missing\/sessions\.db: .*(unable to open|directory does not exist)/,
  },
  {
    name: 'RedisStore (ioredis) with Redis unreachable',
    async open() {
      const client = new Redis(await sparePort(), {
        lazyConnect: true,
        enableOfflineQueue: false,
        maxRetriesPerRequest: 0,
      });
      client.on('error', () => undefined);
      return later(() => client.disconnect(), store(new RedisStore({ client, timeout: 500 })));
    },
    message: /RedisStore\.ready: .*(writeable|closed|ECONNREFUSED)/i,
  },
  {
    name: 'RedisStore (node-redis) with Redis unreachable',
    async open() {
      const client = createClient({ url: `redis://127.0.0.1:${await sparePort()}` });
      client.on('error', () => undefined);
      return Promise.resolve(store(new RedisStore({ client, timeout: 500 })));
    },
    message: /RedisStore\.ready: .*closed/i,
  },
  {
    name: 'PostgresStore (pg) with PostgreSQL unreachable',
    async open() {
      const pool = new pg.Pool({
        connectionString: `postgres://postgres@127.0.0.1:${await sparePort()}/test`,
        connectionTimeoutMillis: 2_000,
      });
      pool.on('error', () => undefined);
      return later(() => pool.end(), store(new PostgresStore({ client: pool })));
    },
    message: /PostgresStore\.ready: .*ECONNREFUSED/,
  },
  {
    name: 'PostgresStore (postgres.js) with PostgreSQL unreachable',
    async open() {
      const sql = postgres(`postgres://postgres@127.0.0.1:${await sparePort()}/test`, {
        connect_timeout: 2,
      });
      return later(() => sql.end({ timeout: 1 }), store(new PostgresStore({ client: sql })));
    },
    message: /PostgresStore\.ready: .*ECONNREFUSED/,
  },
];

function scratchDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'session-limiter-ready-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

function store<T extends SessionStore & { close?: () => Promise<void> }>(created: T): T {
  return later(() => created.close?.(), created);
}

describe('ready()', () => {
  for (const { name, open, message } of unusable) {
    it(`${name}: rejects with STORE_UNAVAILABLE, saying why, with the cause`, async () => {
      const s = await open();
      const error = await failure(async () => {
        await s.ready?.();
      });
      expect(error.code).toBe('STORE_UNAVAILABLE');
      expect(error.message).toMatch(message);
      expect(error.cause).toBeInstanceOf(Error);

      const limiter = createSessionLimiter({ store: s, pruneInterval: false });
      cleanups.push(() => limiter.dispose());
      const fromLimiter = await failure(() => limiter.ready());
      expect(fromLimiter.code).toBe('STORE_UNAVAILABLE');
      expect(fromLimiter.message).toMatch(message);
    });
  }

  /** A MemoryStore seen through the SessionStore methods a store must have: no ready(). */
  function withoutReady(): SessionStore {
    const memory = new MemoryStore();
    return {
      loadUser: (userId) => memory.loadUser(userId),
      commitUser: (userId, version, change) => memory.commitUser(userId, version, change),
      endSession: (end) => memory.endSession(end),
      find: (id) => memory.find(id),
      touch: (id, lastSeenAt, expiresAt) => memory.touch(id, lastSeenAt, expiresAt),
      lapsed: (now, limit) => memory.lapsed(now, limit),
      prune: (now) => memory.prune(now),
    };
  }

  it('limiter.ready() resolves for a store without ready(), and throws DISPOSED once disposed', async () => {
    const limiter = createSessionLimiter({ store: withoutReady(), pruneInterval: false });
    await expect(limiter.ready()).resolves.toBeUndefined();
    expect((await limiter.open({ userId: 'u' })).ok).toBe(true);
    await limiter.dispose();
    await expect(limiter.ready()).rejects.toMatchObject({ code: 'DISPOSED' });
  });

  it("limiter.ready() turns a custom store's plain error into STORE_UNAVAILABLE with that cause", async () => {
    const cause = new Error('disk on fire');
    const broken: SessionStore = { ...withoutReady(), ready: () => Promise.reject(cause) };
    const limiter = createSessionLimiter({ store: broken, pruneInterval: false });
    cleanups.push(() => limiter.dispose());
    const error = await failure(() => limiter.ready());
    expect(error).toMatchObject({ code: 'STORE_UNAVAILABLE', cause });
    expect(error.message).toContain('disk on fire');
  });
});
