// The stores under fault, each on a server of the scenario's own, and the faults each one suffers:
// stopped and restarted, paused or frozen, stalled behind a lock, its connections cut, its push
// channel dropped.
import { once } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import pg from 'pg';
import postgres from 'postgres';
import { createClient } from 'redis';
import { createSessionLimiter, type SessionLimiter, type SessionStore } from '../../src/index.js';
import { PostgresStore } from '../../src/stores/postgres/index.js';
import { RedisStore } from '../../src/stores/redis/index.js';
import { InstrumentedStore } from '../conformance/suite.js';
import { postgresServer, redisServer } from '../support/servers.js';
import type { FaultWindow } from './report.js';

/** A limiter on a client of its own, as one process of the app would have. */
export interface Instance {
  limiter: SessionLimiter;
  /** Every push-channel status the store reported, in order. */
  statuses: boolean[];
  close(): Promise<void>;
}

export interface Fault {
  name: string;
  expect: FaultWindow['expect'];
  /** Resolves once the fault is in effect. */
  inject(): Promise<unknown>;
  /** Resolves once the server is back. */
  restore(): Promise<unknown>;
  /** The fault is a moment (connections cut), not a window the scenario holds open. */
  instant?: boolean;
  /** Only the push channel drops: a session is revoked elsewhere while it is down. */
  dropsPush?: boolean;
}

export interface Backend {
  /** `name` tags the instance's connections, so a fault can find them. */
  instance(name: 'app' | 'other'): Promise<Instance>;
  faults: Fault[];
  /** How many connections the server still has from the instances' clients. */
  connections(): Promise<number>;
  destroy(): Promise<void>;
}

export type StoreName = 'redis' | 'postgres';
export type ClientName = 'ioredis' | 'node-redis' | 'pg' | 'postgres';

/** `timeout`: the store's; `windowMs`: how long a fault that lasts holds. */
export interface Timing {
  timeout: number;
  windowMs: number;
}

export function backend(store: StoreName, client: ClientName, timing: Timing): Promise<Backend> {
  if (store === 'redis' && (client === 'ioredis' || client === 'node-redis')) {
    return redisBackend(client, timing);
  }
  if (store === 'postgres' && (client === 'pg' || client === 'postgres')) {
    return postgresBackend(client, timing);
  }
  throw new Error(`no ${client} client for ${store}`);
}

function instanceOn(store: SessionStore, close: () => Promise<void>): Instance {
  const instrumented = new InstrumentedStore(store);
  const limiter = createSessionLimiter({ store: instrumented, pruneInterval: false });
  return {
    limiter,
    statuses: instrumented.statuses,
    close: async () => {
      await limiter.dispose();
      await close();
    },
  };
}

/**
 * Redis with an append-only file written on every command, so a crash (SIGKILL) keeps every
 * session and tombstone, and with DEBUG allowed. Clients reconnect every 50 ms: how soon the
 * service comes back after Redis does is the client's reconnect delay.
 */
async function redisBackend(
  kind: 'ioredis' | 'node-redis',
  { timeout, windowMs }: Timing,
): Promise<Backend> {
  const server = await redisServer({
    args: ['--appendonly', 'yes', '--appendfsync', 'always', '--enable-debug-command', 'yes'],
  });
  await server.start();
  const prefix = 'faults:';

  async function instance(name: string): Promise<Instance> {
    if (kind === 'ioredis') {
      const client = new Redis(server.url, {
        connectionName: `sl-fault-${name}`,
        enableOfflineQueue: false,
        maxRetriesPerRequest: 0,
        retryStrategy: () => 50,
        // While a restarted Redis reads its data back, ioredis checks again after this long
        // (default: Redis's own estimate, at least 1 s).
        maxLoadingRetryTime: 100,
      });
      client.on('error', () => undefined);
      await once(client, 'ready');
      const store = new RedisStore({ client, prefix, timeout });
      return instanceOn(store, async () => {
        await store.close();
        client.disconnect();
      });
    }
    const client = createClient({
      url: server.url,
      name: `sl-fault-${name}`,
      disableOfflineQueue: true,
      socket: { reconnectStrategy: () => 50 },
    });
    client.on('error', () => undefined);
    await client.connect();
    const store = new RedisStore({ client, prefix, timeout });
    return instanceOn(store, async () => {
      await store.close();
      client.destroy();
    });
  }

  /** A connection for the scenario's own commands, closed after `use`. */
  async function admin<T>(use: (redis: Redis) => Promise<T>): Promise<T> {
    const redis = new Redis(server.url, { maxRetriesPerRequest: 0, retryStrategy: () => null });
    redis.on('error', () => undefined);
    try {
      return await use(redis);
    } finally {
      redis.disconnect();
    }
  }

  // CLIENT PAUSE blocks the pausing connection's own commands too (CLIENT UNPAUSE included), so
  // the pause is given its length up front and a PING from another connection waits it out.
  let sleeping: Promise<unknown> = Promise.resolve();
  const faults: Fault[] = [
    {
      name: 'redis killed and restarted',
      expect: 'refused',
      inject: () => server.stop(),
      restore: () => server.start(),
    },
    {
      name: 'CLIENT PAUSE ALL',
      expect: 'refused',
      inject: () => admin((redis) => redis.call('CLIENT', 'PAUSE', String(windowMs), 'ALL')),
      restore: () => admin((redis) => redis.ping()),
    },
    {
      name: 'DEBUG SLEEP',
      expect: 'refused',
      async inject() {
        const redis = new Redis(server.url, { maxRetriesPerRequest: 0 });
        redis.on('error', () => undefined);
        await once(redis, 'ready');
        sleeping = redis
          .call('DEBUG', 'SLEEP', String(windowMs / 1000))
          .finally(() => redis.disconnect());
        await sleep(10); // the command is on the wire, and Redis is asleep
      },
      restore: () => sleeping,
    },
    {
      name: 'pub/sub connection killed',
      expect: 'served',
      instant: true,
      dropsPush: true,
      inject: () => admin((redis) => redis.call('CLIENT', 'KILL', 'TYPE', 'pubsub')),
      restore: () => Promise.resolve(),
    },
  ];
  return {
    instance,
    faults,
    connections: () =>
      admin(async (redis) => {
        const list = String(await redis.call('CLIENT', 'LIST'));
        return list.split('\n').filter((line) => line.includes('name=sl-fault-')).length;
      }),
    destroy: () => server.destroy(),
  };
}

/**
 * A PostgreSQL cluster of the scenario's own. Each instance's connections carry the application
 * name `sl-fault-<name>`, so a fault can cut exactly the app's.
 */
async function postgresBackend(kind: 'pg' | 'postgres', { timeout }: Timing): Promise<Backend> {
  const server = await postgresServer();
  await server.start();
  const schema = 'sl_faults';

  function instance(name: string): Promise<Instance> {
    const application = `sl-fault-${name}`;
    if (kind === 'pg') {
      const pool = new pg.Pool({
        connectionString: server.url,
        max: 10,
        connectionTimeoutMillis: timeout,
        application_name: application,
      });
      pool.on('error', () => undefined);
      const store = new PostgresStore({ client: pool, schema, timeout });
      return Promise.resolve(instanceOn(store, () => pool.end()));
    }
    const sql = postgres(server.url, {
      max: 10,
      connect_timeout: timeout / 1000,
      // postgres.js waits up to 20 s between attempts once several have failed (its default
      // backoff): how soon the service comes back after the server does is this delay.
      backoff: () => 0.05,
      onnotice: () => undefined,
      connection: { application_name: application },
    });
    const store = new PostgresStore({ client: sql, schema, timeout });
    return Promise.resolve(instanceOn(store, () => sql.end({ timeout: 1 })));
  }

  async function admin<T>(use: (client: pg.Client) => Promise<T>): Promise<T> {
    const client = new pg.Client({ connectionString: server.url });
    client.on('error', () => undefined);
    await client.connect();
    try {
      return await use(client);
    } finally {
      await client.end().catch(() => undefined);
    }
  }

  const terminate = (where: string) =>
    admin((client) =>
      client.query(
        `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
         WHERE application_name = 'sl-fault-app' ${where}`,
      ),
    );
  let locker: pg.Client | undefined;
  const faults: Fault[] = [
    {
      name: 'PostgreSQL crashed (immediate stop) and restarted',
      expect: 'refused',
      inject: () => server.stop('immediate'),
      restore: () => server.start(),
    },
    {
      name: "the app's connections terminated (pg_terminate_backend)",
      expect: 'either',
      instant: true,
      inject: () => terminate(''),
      restore: () => Promise.resolve(),
    },
    {
      name: 'tables locked by another transaction',
      expect: 'refused',
      async inject() {
        locker = new pg.Client({ connectionString: server.url });
        locker.on('error', () => undefined);
        await locker.connect();
        await locker.query('BEGIN');
        await locker.query(
          `LOCK TABLE ${schema}.users, ${schema}.sessions, ${schema}.tombstones IN ACCESS EXCLUSIVE MODE`,
        );
      },
      async restore() {
        await locker?.query('ROLLBACK');
        await locker?.end();
      },
    },
    {
      name: 'server frozen (SIGSTOP)',
      expect: 'refused',
      inject: () => server.pause(),
      restore: () => server.resume(),
    },
    {
      name: 'LISTEN connection terminated',
      expect: 'served',
      instant: true,
      dropsPush: true,
      inject: () => terminate(`AND query ILIKE 'listen%'`),
      restore: () => Promise.resolve(),
    },
  ];
  return {
    instance,
    faults,
    connections: () =>
      admin(async (client) => {
        const { rows } = await client.query<{ n: string }>(
          `SELECT count(*) AS n FROM pg_stat_activity WHERE application_name LIKE 'sl-fault-%'`,
        );
        return Number(rows[0]?.n ?? 0);
      }),
    destroy: () => server.destroy(),
  };
}
