// The better-sqlite3 driver (versions 12 and 13). The library is an optional peer dependency:
// it is imported only to open a file on a runtime without a built-in SQLite (Node 20).
import type BetterSqlite3 from 'better-sqlite3';
import { SessionLimiterError, configError } from '../../errors.js';
import type { Driver, SqlValue, Statement } from './driver.js';

type Database = BetterSqlite3.Database;

/**
 * A better-sqlite3 `Database`, recognised by the documented members the driver relies on that
 * neither built-in SQLite has: `pragma()`, `transaction()` and the `open` flag. Undefined for
 * anything else; INVALID_CONFIG for one the store cannot use.
 */
export function betterSqlite3DriverOf(value: object): Driver | undefined {
  const candidate = value as Partial<Record<'pragma' | 'transaction' | 'open', unknown>>;
  if (
    typeof candidate.pragma !== 'function' ||
    typeof candidate.transaction !== 'function' ||
    typeof candidate.open !== 'boolean'
  ) {
    return undefined;
  }
  const db = value as Database;
  if (!db.open) throw configError('database', 'is a closed better-sqlite3 Database');
  if (db.readonly) {
    throw configError('database', 'is a read-only better-sqlite3 Database: the store writes to it');
  }
  return betterSqlite3Driver(db);
}

/** Opens `path` with better-sqlite3, importing it first. */
export async function openBetterSqlite3(path: string): Promise<Driver> {
  let open: typeof BetterSqlite3;
  try {
    open = (await import('better-sqlite3')).default;
  } catch (error) {
    throw unloadable(error);
  }
  try {
    return betterSqlite3Driver(new open(path));
  } catch (error) {
    // The native part loads with the first Database: a build for another Node fails here.
    if ((error as { code?: unknown }).code === 'ERR_DLOPEN_FAILED') throw unloadable(error);
    throw error;
  }
}

function unloadable(error: unknown): SessionLimiterError {
  const message = error instanceof Error ? error.message.replace(/\s+/g, ' ') : String(error);
  const detail = message.endsWith('.') ? message : `${message}.`;
  return new SessionLimiterError(
    'STORE_UNAVAILABLE',
    `SqliteStore needs better-sqlite3 to open a file on Node ${process.versions.node} ` +
      `(node:sqlite is built in from Node 22.13), and it could not be loaded: ${detail} ` +
      'Install it for this Node (npm install better-sqlite3), or use Node 22.13 or later',
    { cause: error },
  );
}

function betterSqlite3Driver(db: Database): Driver {
  return {
    library: 'better-sqlite3',
    prepare<Row>(sql: string): Statement<Row> {
      const statement = db.prepare<SqlValue[], Row>(sql);
      // Numbers, not BigInts, even on a Database set to defaultSafeIntegers(true).
      if (statement.reader) statement.safeIntegers(false);
      return {
        run: (...params) => statement.run(...params),
        get: (...params) => statement.get(...params),
        all: (...params) => statement.all(...params),
      };
    },
    exec: (sql) => void db.exec(sql),
    transaction: (body) => db.transaction(body).immediate(),
    close: () => void db.close(),
  };
}
