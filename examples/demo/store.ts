import { once } from 'node:events';
import { mkdir } from 'node:fs/promises';
import { join, relative, isAbsolute } from 'node:path';
import type { SessionStore } from '../../src/index.js';

/** A store ready for the limiter, what to call it in the startup line, and how to close it. */
export interface OpenedStore {
  store: SessionStore;
  description: string;
  close(): Promise<void>;
}

/** Where sessions live: Redis with `REDIS_URL`, PostgreSQL with `DATABASE_URL`, else SQLite. */
export interface StoreChoice {
  redisUrl?: string | undefined;
  databaseUrl?: string | undefined;
  /** The demo's data directory, for the SQLite file. */
  directory: string;
}

/**
 * Opens the store the environment asks for. Each client library is imported only when chosen,
 * so the default needs nothing but better-sqlite3.
 */
export async function openStore(choice: StoreChoice): Promise<OpenedStore> {
  if (choice.redisUrl) return openRedis(choice.redisUrl);
  if (choice.databaseUrl) return openPostgres(choice.databaseUrl);
  return openSqlite(choice.directory);
}

async function openRedis(url: string): Promise<OpenedStore> {
  const [{ Redis }, { RedisStore }] = await Promise.all([
    import('ioredis'),
    import('../../src/stores/redis/index.js'),
  ]);
  // No offline queue: while Redis is down, requests get 503 at once instead of waiting, and a
  // login that failed never runs later.
  const client = new Redis(url, { enableOfflineQueue: false, maxRetriesPerRequest: 0 });
  client.on('error', (error: Error) => console.error(`Redis: ${error.message}`));
  // The first connection must succeed (once() rejects on an error); after that, ioredis
  // reconnects on its own.
  await once(client, 'ready').catch((error: unknown) => {
    client.disconnect();
    throw error;
  });
  const store = new RedisStore({ client });
  return {
    store,
    description: `Redis at ${redact(url)}`,
    close: async () => {
      await store.close();
      await client.quit().catch(() => client.disconnect());
    },
  };
}

async function openPostgres(url: string): Promise<OpenedStore> {
  const [{ default: pg }, { PostgresStore }] = await Promise.all([
    import('pg'),
    import('../../src/stores/postgres/index.js'),
  ]);
  // One connection of the pool is kept for LISTEN while the limiter is subscribed.
  const pool = new pg.Pool({ connectionString: url, connectionTimeoutMillis: 5_000, max: 10 });
  pool.on('error', (error) => console.error(`PostgreSQL: ${error.message}`));
  const store = new PostgresStore({ client: pool });
  return {
    store,
    description: `PostgreSQL at ${redact(url)}`,
    // The limiter is disposed first (it releases the LISTEN connection), then the pool ends.
    close: () => pool.end(),
  };
}

async function openSqlite(directory: string): Promise<OpenedStore> {
  const { SqliteStore } = await import('../../src/stores/sqlite/index.js');
  await mkdir(directory, { recursive: true });
  const file = join(directory, 'sessions.db');
  const store = new SqliteStore({ database: file });
  return {
    store,
    description: `SQLite at ${shortPath(file)}`,
    close: () => store.close(),
  };
}

/** The path from the working directory when it is inside it, else the absolute path. */
function shortPath(file: string): string {
  const inside = relative(process.cwd(), file);
  return inside.startsWith('..') || isAbsolute(inside) ? file : inside;
}

/** A connection URL fit to print: the password replaced. */
export function redact(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return '(an unparsable URL)';
  }
}
