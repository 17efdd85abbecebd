// A path needs no native module where Node has SQLite built in; on Node 20 a better-sqlite3
// built for another Node (the native part fails to load) gives STORE_UNAVAILABLE with the fix.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, it, vi } from 'vitest';
import { SqliteStore } from '../../src/stores/sqlite/index.js';

// better-sqlite3 loads its native part with the first Database; a build for another Node throws
// this (Node's message and code, shortened).
vi.mock('better-sqlite3', () => ({
  default: function Database(): never {
    throw Object.assign(
      new Error(
        'The module better_sqlite3.node\nwas compiled against a different Node.js version using\nNODE_MODULE_VERSION 115.',
      ),
      { code: 'ERR_DLOPEN_FAILED' },
    );
  },
}));

const builtIn = process.getBuiltinModule('node:sqlite') !== undefined;
const dir = mkdtempSync(join(tmpdir(), 'session-limiter-native-'));
afterEach(() => rmSync(dir, { recursive: true, force: true }));

it.runIf(builtIn)('opens a path with node:sqlite, never loading better-sqlite3', async () => {
  const store = new SqliteStore({ database: join(dir, 'built-in.db') });
  await store.ready();
  expect(store.library).toBe('node:sqlite');
  await store.close();
});

it.skipIf(builtIn)(
  'without node:sqlite, says better-sqlite3 could not be loaded, why, and what to do',
  async () => {
    const store = new SqliteStore({ database: join(dir, 'native.db') });
    const error = await store.ready().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toMatchObject({
      code: 'STORE_UNAVAILABLE',
      cause: { code: 'ERR_DLOPEN_FAILED' },
      message: expect.stringMatching(
        /SqliteStore needs better-sqlite3 to open a file on Node 20\.\S+ \(node:sqlite is built in from Node 22\.13\), and it could not be loaded: The module better_sqlite3\.node was compiled against a different Node\.js version using NODE_MODULE_VERSION 115\. Install it for this Node \(npm install better-sqlite3\), or use Node 22\.13 or later$/,
      ) as unknown,
    });
    await store.close();
  },
);
