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
  return openSqlite(choice.directory);
}

async function openSqlite(directory: string): Promise<OpenedStore> {
  const { SqliteStore } = await import('../../src/stores/sqlite.js');
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
