// The stores a row measures, each on data of its own (a temporary SQLite file, a Redis key
// prefix, a PostgreSQL schema) that the row removes when it is done. Redis and PostgreSQL are
// the ones in REDIS_URL and DATABASE_URL (defaults: 127.0.0.1).
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { Redis } from 'ioredis';
import pg from 'pg';
import type { SessionStore } from '../../src/index.js';
import { dropSchema } from '../../test/support/factories/postgres.js';
import { deleteKeys } from '../../test/support/factories/redis.js';
import { DATABASE_URL, REDIS_URL } from '../../test/support/services.js';

export type StoreKind = 'memory' | 'sqlite' | 'redis' | 'postgres';

/**
 * Where a store's data lives: what bench/servers/http.js and the test store factories
 * (test/support/factories/) take as options.
 */
export interface StorePlace {
  store: StoreKind;
  /** SQLite: the database file. */
  file?: string;
  /** Redis and PostgreSQL: the server. */
  url?: string;
  /** Redis: the key prefix. */
  prefix?: string;
  /** PostgreSQL: the schema. */
  schema?: string;
}

/** A store opened on a place, and how to close its client. */
export interface OpenedStore {
  store: SessionStore;
  close(): Promise<void>;
}

type Factory = (options: unknown) => Promise<OpenedStore>;

/** The store factory module for a kind, as the race harness takes it. */
export function factoryPath(kind: StoreKind): string {
  return fileURLToPath(new URL(`../../test/support/factories/${kind}.ts`, import.meta.url));
}

/** A fresh place for a store of `kind`; fails readably when its server is not reachable. */
export async function newPlace(kind: StoreKind, name: string, url?: string): Promise<StorePlace> {
  const tag = `bench_${name}_${randomBytes(4).toString('hex')}`;
  switch (kind) {
    case 'memory':
      return { store: kind };
    case 'sqlite':
      return { store: kind, file: join(tmpdir(), `session-limiter-${tag}.db`) };
    case 'redis':
      await requireServer(kind, url ?? REDIS_URL);
      return { store: kind, url: url ?? REDIS_URL, prefix: `sl-${tag}:` };
    case 'postgres':
      await requireServer(kind, url ?? DATABASE_URL);
      return { store: kind, url: url ?? DATABASE_URL, schema: tag };
  }
}

/** Opens a store (with a client of its own) on a place. */
export async function openStore(place: StorePlace): Promise<OpenedStore> {
  const module = (await import(factoryPath(place.store))) as { default: Factory };
  return module.default(place);
}

/** Removes a place's data: the SQLite file, the Redis keys, the PostgreSQL schema. */
export async function removePlace(place: StorePlace): Promise<void> {
  if (place.file !== undefined) {
    await Promise.all(
      ['', '-wal', '-shm', '-journal'].map((end) => rm(`${place.file!}${end}`, { force: true })),
    );
  }
  if (place.prefix !== undefined) await deleteKeys(place.prefix, place.url);
  if (place.schema !== undefined) await dropSchema(place.schema, place.url);
}

/** Runs `use` with fresh places of these kinds and removes them afterwards, whatever happens. */
export async function withPlaces<T>(
  kinds: readonly StoreKind[],
  name: string,
  use: (places: StorePlace[]) => Promise<T>,
): Promise<T> {
  const places: StorePlace[] = [];
  try {
    for (const kind of kinds) places.push(await newPlace(kind, name));
    return await use(places);
  } finally {
    for (const place of places) await removePlace(place);
  }
}

/**
 * The engine's bare round trip on a client of its own, the unit a store operation is compared
 * with: Redis `PING`, PostgreSQL `SELECT 1`, a prepared SQLite `SELECT 1` on the same file.
 */
export async function roundTrip(
  place: StorePlace,
): Promise<{ call: () => Promise<unknown>; close(): Promise<void> }> {
  switch (place.store) {
    case 'sqlite': {
      const db = new Database(place.file);
      const statement = db.prepare('SELECT 1');
      return {
        call: () => Promise.resolve(statement.get()),
        close: () => {
          db.close();
          return Promise.resolve();
        },
      };
    }
    case 'redis': {
      const client = new Redis(place.url!, { enableOfflineQueue: false, maxRetriesPerRequest: 0 });
      await once(client, 'ready');
      return { call: () => client.ping(), close: () => Promise.resolve(client.disconnect()) };
    }
    case 'postgres': {
      const pool = new pg.Pool({ connectionString: place.url, max: 4 });
      return { call: () => pool.query('SELECT 1'), close: () => pool.end() };
    }
    case 'memory':
      throw new Error('the memory store has no round trip');
  }
}

/** Connects once, to fail early and readably when the server is not there. */
async function requireServer(kind: 'redis' | 'postgres', url: string): Promise<void> {
  try {
    if (kind === 'redis') {
      const client = new Redis(url, {
        lazyConnect: true,
        connectTimeout: 2_000,
        maxRetriesPerRequest: 0,
        retryStrategy: () => null,
      });
      await client.connect();
      client.disconnect();
    } else {
      const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2_000 });
      await client.connect();
      await client.end();
    }
  } catch (error) {
    const [name, variable] =
      kind === 'redis' ? ['Redis', 'REDIS_URL'] : ['PostgreSQL', 'DATABASE_URL'];
    throw new Error(`${name} is not reachable at ${url} (set ${variable}): ${String(error)}`);
  }
}
