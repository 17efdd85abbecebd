// What the store needs from a SQLite client library: one tiny driver per library (one file each)
// gives it these few calls, so the SQL and the store are written once.

/** A value the store binds to a statement parameter. */
export type SqlValue = string | number | null;

/** One prepared statement. Parameters are positional; integers come back as numbers. */
export interface Statement<Row> {
  run(...params: SqlValue[]): { changes: number };
  /** The first row, or undefined when there is none. */
  get(...params: SqlValue[]): Row | undefined;
  all(...params: SqlValue[]): Row[];
}

/** One connection, seen through its library. */
export interface Driver {
  /** The library, for messages: `'node:sqlite'`, `'better-sqlite3'` or `'bun:sqlite'`. */
  readonly library: string;
  prepare<Row = unknown>(sql: string): Statement<Row>;
  /** Runs one or more statements that return nothing. */
  exec(sql: string): void;
  /**
   * Runs `body` in `BEGIN IMMEDIATE`: it holds the write lock from the start, so a read and the
   * writes it decides are atomic across processes. Commits if `body` returns, rolls back if it
   * throws.
   */
  transaction<T>(body: () => T): T;
  close(): void;
}

/**
 * The part of a SQLite `Database` the store's types ask for: a `node:sqlite` `DatabaseSync`, a
 * better-sqlite3 `Database` and a `bun:sqlite` `Database` all have it. The store tells them apart
 * when it is constructed and refuses anything else.
 *
 * @example
 * ```ts
 * import { DatabaseSync } from 'node:sqlite';
 * const database: SqliteDatabase = new DatabaseSync('app.db');
 * ```
 */
export interface SqliteDatabase {
  prepare(sql: string): unknown;
  exec(sql: string): unknown;
  close(): unknown;
}

/** A built-in module of the runtime (`node:sqlite`, `bun:sqlite`), or undefined where it has none. */
export function builtinModule(id: string): object | undefined {
  // Node 20.16 and later, Bun and Deno have getBuiltinModule; it returns undefined for a module
  // the runtime lacks (node:sqlite before Node 22.13 without a flag, bun:sqlite outside Bun).
  const runtime = process as { getBuiltinModule?: (id: string) => object | undefined };
  return runtime.getBuiltinModule?.(id);
}
