// The SQLite client libraries the store accepts that run under Node, behind one small interface,
// so a SQLite test runs on each: better-sqlite3 always, node:sqlite where Node has it.
import { createRequire } from 'node:module';
import type BetterSqlite3 from 'better-sqlite3';
import type { SqliteDatabase } from '../../src/stores/sqlite/index.js';

/** A connection opened by a test, and a few ways to look into the file through it. */
export interface TestDatabase {
  /** What the store is given. */
  database: SqliteDatabase;
  /** The first column of every row. */
  column(sql: string, ...params: (string | number)[]): unknown[];
  exec(sql: string): void;
  readonly isOpen: boolean;
  close(): void;
}

export interface TestLibrary {
  name: 'better-sqlite3' | 'node:sqlite';
  /** Opens `file`; `timeout` sets the busy timeout (ms) before the store sees the connection. */
  open(file: string, options?: { timeout?: number; readonly?: boolean }): TestDatabase;
}

interface NodeStatement {
  all(...params: (string | number)[]): Record<string, unknown>[];
}
interface NodeDatabase {
  prepare(sql: string): NodeStatement;
  exec(sql: string): void;
  close(): void;
  readonly isOpen: boolean;
}
interface NodeSqlite {
  DatabaseSync: new (file: string, options?: { readOnly?: boolean }) => NodeDatabase;
}

/** node:sqlite, where this Node has it (22.13 and later). */
export const nodeSqlite = process.getBuiltinModule('node:sqlite') as NodeSqlite | undefined;

const [major = 0, minor = 0] = process.versions.node.split('.').map(Number);
/** Whether this Node must have node:sqlite: 22.13 and later have it without a flag. */
export const nodeSqliteExpected = major > 22 || (major === 22 && minor >= 13);

/**
 * better-sqlite3, or undefined where it cannot load on a Node that has node:sqlite: a native
 * module built for another Node (npm install run under one Node, the tests under another).
 * Then its cases are left out, loudly, outside CI; under CI=true, and on Node 20 (where it is
 * the only library), it must load.
 */
function loadBetterSqlite3(): typeof BetterSqlite3 | undefined {
  try {
    const Database = createRequire(import.meta.url)('better-sqlite3') as typeof BetterSqlite3;
    new Database(':memory:').close();
    return Database;
  } catch (error) {
    if (!nodeSqlite || process.env.CI === 'true') throw error;
    console.warn(
      `better-sqlite3 does not load on Node ${process.versions.node}, so its SQLite cases are left out (node:sqlite runs them): ${String(error).split('\n')[0]}. Reinstall it under this Node (npm rebuild better-sqlite3) to run them too.`,
    );
    return undefined;
  }
}

const Database = loadBetterSqlite3();

const betterSqlite3 = (Database: typeof BetterSqlite3): TestLibrary => ({
  name: 'better-sqlite3',
  open(file, options = {}) {
    const db = new Database(file, { readonly: options.readonly ?? false });
    if (options.timeout !== undefined) db.pragma(`busy_timeout = ${options.timeout}`);
    return {
      database: db,
      column: (sql, ...params) =>
        db
          .prepare(sql)
          .pluck()
          .all(...params),
      exec: (sql) => void db.exec(sql),
      get isOpen() {
        return db.open;
      },
      close: () => void db.close(),
    };
  },
});

function nodeLibrary(module: NodeSqlite): TestLibrary {
  return {
    name: 'node:sqlite',
    open(file, options = {}) {
      const db = new module.DatabaseSync(file, { readOnly: options.readonly ?? false });
      if (options.timeout !== undefined) db.exec(`PRAGMA busy_timeout = ${options.timeout}`);
      return {
        database: db,
        column: (sql, ...params) =>
          db
            .prepare(sql)
            .all(...params)
            .map((row) => Object.values(row)[0]),
        exec: (sql) => db.exec(sql),
        get isOpen() {
          return db.isOpen;
        },
        close: () => db.close(),
      };
    },
  };
}

if (nodeSqliteExpected && !nodeSqlite) {
  throw new Error(`Node ${process.versions.node} should have node:sqlite, and it was not found`);
}

/** Every library this Node can run. */
export const libraries: TestLibrary[] = [
  ...(Database ? [betterSqlite3(Database)] : []),
  ...(nodeSqlite ? [nodeLibrary(nodeSqlite)] : []),
];

/** One library this Node runs, for tests that need a SQLite connection of any kind. */
export const anySqlite: TestLibrary = libraries[0]!;
