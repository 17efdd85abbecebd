// SqliteStore on Bun: `npm run test:bun`, with bun on the PATH (bun test reads the suite's vitest
// imports as bun:test). The conformance suite on bun:sqlite, a path opening bun:sqlite, and one
// file shared with the node:sqlite that Bun also offers.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { SqliteStore, type SqliteDatabase } from '../../src/stores/sqlite/index.js';
import { newSessionId } from '../../src/token.js';
import { describeStoreConformance } from '../conformance/suite.js';
import { sqliteHandle } from '../support/sqlite-handle.js';

interface BunSqlite {
  Database: new (file: string) => SqliteDatabase;
}
interface NodeSqlite {
  DatabaseSync: new (file: string) => SqliteDatabase;
}

const bunSqlite = process.getBuiltinModule('bun:sqlite') as BunSqlite | undefined;
const nodeSqlite = process.getBuiltinModule('node:sqlite') as NodeSqlite | undefined;
if (!bunSqlite) throw new Error('run this file with bun test: bun:sqlite was not found');

function scratchDir(): string {
  return mkdtempSync(join(tmpdir(), 'session-limiter-bun-'));
}

describeStoreConformance(
  'SqliteStore on bun:sqlite',
  sqliteHandle((file) => {
    const database = new bunSqlite.Database(file);
    return { database, close: () => database.close() };
  }),
  { push: true, sibling: true },
);

describe('SqliteStore on Bun', () => {
  const cleanups: (() => unknown)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });
  function tempFile(name: string): string {
    const dir = scratchDir();
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    return join(dir, name);
  }
  function store(database: SqliteDatabase | string): SqliteStore {
    const created = new SqliteStore({ database });
    cleanups.push(() => created.close());
    return created;
  }

  it('opens a path with bun:sqlite', async () => {
    const s = store(tempFile('path.db'));
    await s.loadUser('u');
    expect(s.library).toBe('bun:sqlite');
  });

  it('tells a bun:sqlite Database from a node:sqlite DatabaseSync by its class', () => {
    expect(store(new bunSqlite.Database(tempFile('bun.db'))).library).toBe('bun:sqlite');
    if (nodeSqlite) {
      expect(store(new nodeSqlite.DatabaseSync(tempFile('node.db'))).library).toBe('node:sqlite');
    }
  });

  it('reads through node:sqlite a file written through bun:sqlite', async () => {
    expect(nodeSqlite, 'Bun offers node:sqlite').toBeDefined();
    const file = tempFile('shared.db');
    const written = new bunSqlite.Database(file);
    const writer = new SqliteStore({ database: written });
    const record = {
      id: newSessionId('u'),
      userId: 'u',
      tokenHash: 'hash',
      createdAt: 1,
      lastSeenAt: 2,
      idleTimeout: null,
      absoluteExpiresAt: null,
      expiresAt: null,
      generation: 0,
      device: { kind: 'desktop', label: 'Firefox 133 on Windows' },
      data: { seat: 1 },
    };
    expect(await writer.commitUser('u', 0, { put: [record], end: [] })).toBe(true);
    await writer.close();
    written.close();

    const reader = store(new nodeSqlite!.DatabaseSync(file));
    expect(reader.library).toBe('node:sqlite');
    expect(await reader.find(record.id)).toStrictEqual({ kind: 'session', record });
  });
});
