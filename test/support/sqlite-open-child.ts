// Loads SqliteStore, says "loaded", waits for a line on stdin, then opens the file named by
// argv[2] and prints "ready" or the error's message: so several processes open it at one moment.
import { once } from 'node:events';
import { SqliteStore } from '../../src/stores/sqlite/index.js';

process.stdout.write('loaded\n');
await once(process.stdin, 'data');
process.stdin.destroy();
const store = new SqliteStore({ database: process.argv[2] ?? '' });
try {
  await store.ready();
  process.stdout.write('ready');
} catch (error) {
  process.stdout.write(error instanceof Error ? error.message : String(error));
} finally {
  await store.close();
}
