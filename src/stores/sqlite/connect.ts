// Which library the store talks through: for a Database, the library that made it; for a path,
// the runtime's built-in SQLite where it has one, else better-sqlite3.
import { configError, describeValue } from '../../errors.js';
import { betterSqlite3DriverOf, openBetterSqlite3 } from './better-sqlite3.js';
import { bunSqlite, bunSqliteDriverOf, openBunSqlite } from './bun.js';
import type { Driver } from './driver.js';
import { nodeSqlite, nodeSqliteDriverOf, openNodeSqlite } from './node.js';
import { PRAGMAS } from './sql.js';

/** The `database` option, checked: a file to open on first use, or a driver for a Database. */
export type Connection = { path: string } | { driver: Driver };

const ACCEPTED =
  'a file path, a node:sqlite DatabaseSync, a better-sqlite3 Database or a bun:sqlite Database';

/**
 * Checks the `database` option without touching any file.
 *
 * @throws SessionLimiterError `INVALID_CONFIG` for anything else, or a Database the store cannot use
 */
export function connectionOf(database: unknown): Connection {
  if (typeof database === 'string') {
    if (database.length === 0 || database.includes('\0')) {
      throw configError('database', `must be ${ACCEPTED} (got ${describeValue(database)})`);
    }
    return { path: database };
  }
  const driver = typeof database === 'object' && database !== null ? driverOf(database) : undefined;
  if (!driver)
    throw configError('database', `must be ${ACCEPTED} (got ${describeValue(database)})`);
  return { driver };
}

/**
 * The driver for a Database, or undefined. better-sqlite3 is asked before node:sqlite: recognising
 * it needs no module loaded, whereas the class check loads node:sqlite, which prints an
 * ExperimentalWarning on Node 22.
 */
function driverOf(database: object): Driver | undefined {
  return (
    bunSqliteDriverOf(database) ?? betterSqlite3DriverOf(database) ?? nodeSqliteDriverOf(database)
  );
}

/**
 * Opens a file with the runtime's own SQLite (bun:sqlite on Bun, node:sqlite on Node 22.13 and
 * later), else with better-sqlite3, with the same durability whichever it is.
 */
export async function openFile(path: string): Promise<Driver> {
  const driver = await openWithLibrary(path);
  try {
    // The busy timeout first: node:sqlite and bun:sqlite start with none, and even this pragma
    // reads the schema, which waits while another process turns the file to WAL.
    driver.exec(PRAGMAS.raiseBusyTimeout);
    driver.exec(PRAGMAS.normalSync);
  } catch (error) {
    driver.close();
    throw error;
  }
  return driver;
}

function openWithLibrary(path: string): Driver | Promise<Driver> {
  const bun = bunSqlite();
  if (bun) return openBunSqlite(bun, path);
  const node = nodeSqlite();
  if (node) return openNodeSqlite(node, path);
  return openBetterSqlite3(path);
}
