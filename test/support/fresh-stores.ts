// A new, empty store on each real engine, under a name no other test uses (a file, a key prefix,
// a schema), through the race harness's factories; `close` closes it and removes its data.
import { randomBytes } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SessionStore } from '../../src/index.js';
import createPostgresStore, { dropSchema, schemaFrom } from './factories/postgres.js';
import createRedisStore, { deleteKeys, randomPrefix } from './factories/redis.js';
import createSqliteStore from './factories/sqlite.js';

export interface FreshStore {
  store: SessionStore;
  close(): Promise<void>;
}

function unique(name: string): string {
  return `${name}-${randomBytes(6).toString('hex')}`;
}

/** A SQLite file in the temp directory; `file` is its path. */
export async function freshSqlite(name: string): Promise<FreshStore & { file: string }> {
  const prefix = unique(name);
  const opened = await createSqliteStore({ prefix });
  const file = join(tmpdir(), `session-limiter-${prefix}.db`);
  return {
    store: opened.store,
    file,
    async close() {
      await opened.close();
      await Promise.all(['', '-wal', '-shm'].map((end) => rm(file + end, { force: true })));
    },
  };
}

/** A RedisStore on the shared Redis; every key starts with `prefix`. */
export async function freshRedis(name: string): Promise<FreshStore & { prefix: string }> {
  const prefix = randomPrefix(name);
  const opened = await createRedisStore({ prefix });
  return {
    store: opened.store,
    prefix,
    async close() {
      await opened.close();
      await deleteKeys(prefix);
    },
  };
}

/** A PostgresStore on the shared server, in a schema of its own. */
export async function freshPostgres(name: string): Promise<FreshStore & { schema: string }> {
  const schema = schemaFrom(unique(name));
  const opened = await createPostgresStore({ schema });
  return {
    store: opened.store,
    schema,
    async close() {
      await opened.close();
      await dropSchema(schema);
    },
  };
}
