// Run by stores.test.ts under Bun or Deno (and Node): one story of the core on each store and
// client library, in this runtime. Prints one line, `RESULT <json>`: each store's outcome.
import { createSessionLimiter, type SessionStore } from '../../src/index.js';
import createMemoryStore from '../support/factories/memory.js';
import createPostgresStore, { dropSchema, schemaFrom } from '../support/factories/postgres.js';
import createRedisStore, { deleteKeys, randomPrefix } from '../support/factories/redis.js';
import { SqliteStore } from '../../src/stores/sqlite/index.js';

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** alice may have one session: a second evicts the first; revoking it is seen by a watcher. */
async function story(store: SessionStore): Promise<string> {
  const limiter = createSessionLimiter({ store, policy: { max: 1 }, pruneInterval: false });
  try {
    const first = await limiter.open({ userId: 'alice', device: { userAgent: 'one' } });
    const second = await limiter.open({ userId: 'alice', device: { userAgent: 'two' } });
    if (!first.ok || !second.ok) return 'a login was refused';
    let watched = 'not watched';
    const stop = limiter.watch(second.session.id, (ended) => (watched = `watched ${ended.reason}`));
    await pause(200); // a store's push channel subscribes
    await limiter.revoke('alice', second.session.id);
    for (let i = 0; i < 20 && watched === 'not watched'; i++) await pause(50);
    stop();
    const [a, b] = await Promise.all([
      limiter.validate(first.token),
      limiter.validate(second.token),
    ]);
    return [a.ok ? 'live' : a.reason, b.ok ? 'live' : b.reason, watched].join(', ');
  } finally {
    await limiter.dispose();
  }
}

async function run(open: () => Promise<{ store: SessionStore; close(): Promise<void> }>) {
  const opened = await open();
  try {
    return await story(opened.store);
  } catch (error) {
    return `error: ${error instanceof Error ? error.message : String(error)}`;
  } finally {
    await opened.close();
  }
}

const results: Record<string, string> = {};
results.memory = await run(createMemoryStore);
for (const client of ['ioredis', 'node-redis'] as const) {
  const prefix = randomPrefix('runtime');
  results[client] = await run(() => createRedisStore({ client, prefix }));
  await deleteKeys(prefix);
}
for (const client of ['pg', 'postgres'] as const) {
  const schema = schemaFrom(randomPrefix('runtime'));
  results[client] = await run(() => createPostgresStore({ client, schema }));
  await dropSchema(schema);
}
// SQLite through the runtime's own library (bun:sqlite on Bun, node:sqlite on Deno), named in the
// result; in memory, as the story needs one process only.
const sqlite = new SqliteStore({ database: ':memory:' });
const outcome = await run(() => Promise.resolve({ store: sqlite, close: () => sqlite.close() }));
results.sqlite = `${outcome} (${sqlite.library ?? 'not opened'})`;
console.log(`RESULT ${JSON.stringify(results)}`);
