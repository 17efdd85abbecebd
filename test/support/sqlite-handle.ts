// The conformance suite's handle on a SqliteStore: a fresh file, and a sibling store on a second
// connection to it, as another process would open it. Imports no client library, so Bun can load it.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteStore, type SqliteDatabase } from '../../src/stores/sqlite/index.js';
import type { StoreHandle } from '../conformance/suite.js';

/** A connection a test opened, and how to close it. */
export interface OpenedDatabase {
  database: SqliteDatabase;
  close(): void;
}

/** Makes conformance handles whose connections come from `open`. */
export function sqliteHandle(open: (file: string) => OpenedDatabase): () => Promise<StoreHandle> {
  return () => {
    const dir = mkdtempSync(join(tmpdir(), 'session-limiter-sqlite-'));
    const file = join(dir, 'sessions.db');
    const connections: OpenedDatabase[] = [];
    const stores: SqliteStore[] = [];
    const connect = () => {
      const connection = open(file);
      connections.push(connection);
      const store = new SqliteStore({ database: connection.database });
      stores.push(store);
      return store;
    };
    const store = connect();
    return Promise.resolve({
      store,
      sibling: () => Promise.resolve(connect()),
      async close() {
        await Promise.all(stores.map((s) => s.close()));
        for (const connection of connections) connection.close();
        rmSync(dir, { recursive: true, force: true });
      },
    });
  };
}
