// The bun:sqlite driver: SQLite built into Bun. The types below are the part of its documented
// API the driver uses.
import { type Driver, type SqlValue, type Statement, builtinModule } from './driver.js';

interface BunStatement {
  run(...params: SqlValue[]): { changes: number };
  /** null when there is no row. */
  get(...params: SqlValue[]): unknown;
  all(...params: SqlValue[]): unknown[];
  safeIntegers(enabled: boolean): unknown;
}

interface BunDatabase {
  prepare(sql: string): BunStatement;
  exec(sql: string): unknown;
  transaction<T>(body: () => T): { immediate(): T };
  close(): void;
}

interface BunSqlite {
  Database: new (path: string, options: { create: boolean }) => BunDatabase;
}

/** The bun:sqlite module, on Bun. */
export function bunSqlite(): BunSqlite | undefined {
  return builtinModule('bun:sqlite') as BunSqlite | undefined;
}

/** A bun:sqlite `Database`, recognised by its class; undefined for anything else (always, off Bun). */
export function bunSqliteDriverOf(value: object): Driver | undefined {
  const module = bunSqlite();
  return module && value instanceof module.Database ? bunSqliteDriver(value) : undefined;
}

/** Opens `path` with bun:sqlite, creating the file if needed. */
export function openBunSqlite(module: BunSqlite, path: string): Driver {
  return bunSqliteDriver(new module.Database(path, { create: true }));
}

function bunSqliteDriver(db: BunDatabase): Driver {
  return {
    library: 'bun:sqlite',
    prepare<Row>(sql: string): Statement<Row> {
      const statement = db.prepare(sql);
      // Numbers, not BigInts, even on a Database opened with safeIntegers.
      statement.safeIntegers(false);
      return {
        run: (...params) => statement.run(...params),
        get: (...params) => (statement.get(...params) ?? undefined) as Row | undefined,
        all: (...params) => statement.all(...params) as Row[],
      };
    },
    exec: (sql) => void db.exec(sql),
    transaction: (body) => db.transaction(body).immediate(),
    close: () => db.close(),
  };
}
