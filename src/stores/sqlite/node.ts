// The node:sqlite driver: SQLite built into Node (without a flag from 22.13), nothing to install
// or compile. The types below are the part of its documented API the driver uses.
import { configError } from '../../errors.js';
import { type Driver, type SqlValue, type Statement, builtinModule } from './driver.js';
import { TRANSACTION } from './sql.js';

interface NodeStatement {
  run(...params: SqlValue[]): { changes: number | bigint };
  get(...params: SqlValue[]): unknown;
  all(...params: SqlValue[]): unknown[];
  setReadBigInts(enabled: boolean): void;
}

interface NodeDatabase {
  prepare(sql: string): NodeStatement;
  exec(sql: string): void;
  close(): void;
  /** From Node 22.15. */
  readonly isOpen?: boolean;
}

interface NodeSqlite {
  DatabaseSync: new (path: string) => NodeDatabase;
}

/** The node:sqlite module, where this runtime has it. */
export function nodeSqlite(): NodeSqlite | undefined {
  return builtinModule('node:sqlite') as NodeSqlite | undefined;
}

/**
 * A node:sqlite `DatabaseSync`, recognised by its class. Undefined for anything else (always,
 * on a runtime without node:sqlite); INVALID_CONFIG for one that is closed.
 */
export function nodeSqliteDriverOf(value: object): Driver | undefined {
  const module = nodeSqlite();
  if (!module || !(value instanceof module.DatabaseSync)) return undefined;
  if (value.isOpen === false) throw configError('database', 'is a closed node:sqlite DatabaseSync');
  return nodeSqliteDriver(value);
}

/** Opens `path` with node:sqlite. */
export function openNodeSqlite(module: NodeSqlite, path: string): Driver {
  return nodeSqliteDriver(new module.DatabaseSync(path));
}

function nodeSqliteDriver(db: NodeDatabase): Driver {
  return {
    library: 'node:sqlite',
    prepare<Row>(sql: string): Statement<Row> {
      const statement = db.prepare(sql);
      // Numbers, not BigInts, even on a DatabaseSync opened with readBigInts.
      statement.setReadBigInts(false);
      return {
        run: (...params) => ({ changes: Number(statement.run(...params).changes) }),
        get: (...params) => statement.get(...params) as Row | undefined,
        all: (...params) => statement.all(...params) as Row[],
      };
    },
    exec: (sql) => db.exec(sql),
    // node:sqlite has no transaction helper: BEGIN IMMEDIATE, then COMMIT or ROLLBACK.
    transaction(body) {
      db.exec(TRANSACTION.begin);
      try {
        const result = body();
        db.exec(TRANSACTION.commit);
        return result;
      } catch (error) {
        try {
          db.exec(TRANSACTION.rollback);
        } catch {
          // SQLite already rolled back (after a full disk, say): nothing is left to undo.
        }
        throw error;
      }
    },
    close: () => db.close(),
  };
}
