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
 * Opens the store the environment asks for and checks that it can be used (`store.ready()`), so
 * that the demo stops before it listens instead of answering 503. Each client library is imported
 * only when chosen, so the default needs nothing but Node's built-in SQLite (better-sqlite3 on
 * Node 20).
 *
 * @throws Error with one line naming the store, the cause and the fix
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
  const description = `Redis at ${redact(url)}`;
  const fix = 'start Redis at that address, correct REDIS_URL, or unset it to use the SQLite file';
  // No offline queue: while Redis is down, requests get 503 at once instead of waiting, and a
  // login that failed never runs later.
  const client = new Redis(url, { enableOfflineQueue: false, maxRetriesPerRequest: 0 });
  // Quiet until the first connection: a failure there is reported once, in the startup line.
  const quiet = () => undefined;
  client.on('error', quiet);
  // The first connection must succeed (once() rejects on an error); after that, ioredis
  // reconnects on its own.
  await once(client, 'ready').catch((error: unknown) => {
    client.disconnect();
    throw unusable(description, error, fix);
  });
  client.off('error', quiet);
  client.on('error', (error: Error) => console.error(`Redis: ${error.message}`));
  const store = new RedisStore({ client });
  return checked(
    {
      store,
      description,
      close: async () => {
        await store.close();
        await client.quit().catch(() => client.disconnect());
      },
    },
    fix,
  );
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
  return checked(
    {
      store,
      description: `PostgreSQL at ${redact(url)}`,
      // The limiter is disposed first (it releases the LISTEN connection), then the pool ends.
      close: () => pool.end(),
    },
    'start PostgreSQL at that address, correct DATABASE_URL, or unset it to use the SQLite file',
  );
}

async function openSqlite(directory: string): Promise<OpenedStore> {
  const { SqliteStore } = await import('../../src/stores/sqlite/index.js');
  loadNodeSqliteQuietly();
  await mkdir(directory, { recursive: true });
  const file = join(directory, 'sessions.db');
  const store = new SqliteStore({ database: file });
  return checked(
    { store, description: `SQLite at ${shortPath(file)}`, close: () => store.close() },
    (error) =>
      nativeModuleFailed(error)
        ? 'run npm install with this Node (it builds better-sqlite3), or use Node 22.13 or later, which has SQLite built in'
        : `set DEMO_DIR to a writable directory, or move ${file} away`,
  );
}

/**
 * Node 22 prints an ExperimentalWarning when node:sqlite first loads (Node 24 and later do not).
 * The demo loads it here with that one warning silenced; every other warning still prints.
 */
function loadNodeSqliteQuietly(): void {
  // eslint-disable-next-line @typescript-eslint/unbound-method -- called and put back on process
  const original = process.emitWarning;
  process.emitWarning = (warning: string | Error, ...rest: unknown[]) => {
    const message = typeof warning === 'string' ? warning : warning.message;
    if (!message.startsWith('SQLite is an experimental feature')) {
      Reflect.apply(original, process, [warning, ...rest]);
    }
  };
  try {
    process.getBuiltinModule('node:sqlite');
  } finally {
    process.emitWarning = original;
  }
}

/** The store, once its `ready()` passed; else it is closed and a one-line error is thrown. */
async function checked(
  opened: OpenedStore,
  fix: string | ((error: unknown) => string),
): Promise<OpenedStore> {
  try {
    await opened.store.ready?.();
    return opened;
  } catch (error) {
    await opened.close().catch(() => undefined);
    throw unusable(opened.description, error, typeof fix === 'string' ? fix : fix(error));
  }
}

/** One line: which store, what went wrong (the deepest cause), and what to do. */
function unusable(description: string, error: unknown, fix: string): Error {
  return new Error(`${description} cannot be used: ${rootCause(error)}. Fix: ${fix}.`, {
    cause: error,
  });
}

function rootCause(error: unknown): string {
  let deepest = error;
  while (deepest instanceof Error && deepest.cause !== undefined) deepest = deepest.cause;
  if (deepest instanceof AggregateError && deepest.message === '') {
    // A host with several addresses: Node reports one error per address tried.
    return deepest.errors.map(rootCause).join('; ');
  }
  const text = deepest instanceof Error ? deepest.message || String(deepest) : String(deepest);
  return text.replace(/\s+/g, ' ').trim().replace(/\.$/, '');
}

/** Whether better-sqlite3 (needed on Node 20) was missing or built for another Node. */
function nativeModuleFailed(error: unknown): boolean {
  for (let e = error; e instanceof Error; e = e.cause) {
    const { code } = e as { code?: unknown };
    if (code === 'ERR_MODULE_NOT_FOUND' || code === 'ERR_DLOPEN_FAILED') return true;
  }
  return false;
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
