// Store factory for the race harness, the bench and the PostgreSQL tests: each call opens its own
// client (pg Pool or postgres.js) and a PostgresStore on one schema. JSON options:
// `{ url?, schema? | prefix?, client?: 'pg' | 'postgres', applicationName?, max? }`; bench/race.ts
// passes `{ prefix }`, from which the schema name is derived. Closing ends the client and leaves
// the schema: other processes may still be using it (dropSchema removes it).
import pg from 'pg';
import postgres from 'postgres';
import { PostgresStore, type PostgresClient } from '../../../src/stores/postgres/index.js';
import { DATABASE_URL } from '../services.js';

export type ClientKind = 'pg' | 'postgres';

export interface PostgresFactoryOptions {
  url?: string;
  schema?: string;
  /** A name (such as `race-1a2b3c4d`) to derive the schema from when `schema` is not given. */
  prefix?: string;
  client?: ClientKind;
  /** Tags the client's connections, so a test can find (and kill) them. */
  applicationName?: string;
  /** Pool size. The pg store keeps one of these for LISTEN while subscribed. */
  max?: number;
  /** How long a connection attempt may take (default 5 s). */
  connectTimeoutMillis?: number;
}

export interface OpenedClient {
  client: PostgresClient;
  end: () => Promise<void>;
}

/** A client of the given kind with the options the store's documentation recommends. */
export function openClient(
  kind: ClientKind,
  options: Omit<PostgresFactoryOptions, 'schema' | 'prefix' | 'client'> = {},
): OpenedClient {
  const url = options.url ?? DATABASE_URL;
  const max = options.max ?? 4;
  const connectTimeoutMillis = options.connectTimeoutMillis ?? 5_000;
  const applicationName = options.applicationName ?? 'session-limiter-test';
  if (kind === 'postgres') {
    const sql = postgres(url, {
      max,
      connect_timeout: connectTimeoutMillis / 1000,
      onnotice: () => undefined,
      connection: { application_name: applicationName },
    });
    return { client: sql, end: () => sql.end({ timeout: 1 }) };
  }
  const pool = new pg.Pool({
    connectionString: url,
    max,
    connectionTimeoutMillis: connectTimeoutMillis,
    application_name: applicationName,
  });
  // pg's advice: an idle client whose connection drops is reported here, not thrown.
  pool.on('error', () => undefined);
  return { client: pool, end: () => pool.end() };
}

/** A valid schema name derived from any string. */
export function schemaFrom(prefix: string): string {
  const name = prefix.toLowerCase().replace(/[^a-z0-9_]/g, '_');
  return /^[a-z_]/.test(name) ? name.slice(0, 48) : `s_${name}`.slice(0, 48);
}

/** Drops a schema and everything in it. */
export async function dropSchema(schema: string, url = DATABASE_URL): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  } finally {
    await client.end();
  }
}

export default function createStore(
  options: PostgresFactoryOptions = {},
): Promise<{ store: PostgresStore; close: () => Promise<void> }> {
  const schema = options.schema ?? schemaFrom(options.prefix ?? 'session_limiter_test');
  const { client, end } = openClient(options.client ?? 'pg', options);
  const store = new PostgresStore({ client, schema });
  return Promise.resolve({ store, close: end });
}
