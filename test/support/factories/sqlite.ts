// Store factory for the race harness and the bench: each process opens its own SqliteStore (its
// own connection) on one file. Options: `{ file }`, or `{ prefix }` for a file in the temp
// directory named after it. Closing leaves the file: other processes may still be using it.
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteStore } from '../../../src/stores/sqlite/index.js';

export default function createStore(
  options: unknown,
): Promise<{ store: SqliteStore; close: () => Promise<void> }> {
  const store = new SqliteStore({ database: fileOf(options) });
  return Promise.resolve({ store, close: () => store.close() });
}

function fileOf(options: unknown): string {
  const { file, prefix } = (options ?? {}) as { file?: unknown; prefix?: unknown };
  if (typeof file === 'string' && file.length > 0) return file;
  if (typeof prefix === 'string' && /^[\w-]+$/.test(prefix)) {
    return join(tmpdir(), `session-limiter-${prefix}.db`);
  }
  throw new Error(
    `the sqlite factory needs { file } or { prefix }, got ${JSON.stringify(options)}`,
  );
}
