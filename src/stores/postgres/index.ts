import { type Duration, parseDuration } from '../../duration.js';
import {
  argumentError,
  configError,
  describeValue,
  rejectUnknownKeys,
  storeUnavailable,
} from '../../errors.js';
import type { SessionEnd, SessionRecord } from '../../session.js';
import type {
  FoundRecord,
  PushHandlers,
  SessionStore,
  UserChange,
  UserSnapshot,
} from '../../store.js';
import { type Driver, type Param, type PostgresClient, driverFor } from './drivers.js';
import { PushHub, noticePayload } from './push.js';
import { SCHEMA_PATTERN, type Statements, statements } from './sql.js';

export type { PostgresClient } from './drivers.js';

/**
 * Options of {@link PostgresStore}.
 *
 * @example
 * ```ts
 * const options: PostgresStoreOptions = { client: new pg.Pool(), schema: 'auth_sessions' };
 * ```
 */
export interface PostgresStoreOptions {
  /**
   * A `pg` Pool (v8) or a postgres.js `sql` (v3). The store never closes it. Give it a
   * connection timeout (pg `connectionTimeoutMillis`, postgres.js `connect_timeout`) so that
   * connection attempts are abandoned too, not only the calls waiting for them.
   */
  client: PostgresClient;
  /**
   * The schema holding the store's tables, created on first use: lowercase letters, digits and
   * `_`, at most 48 characters, not starting with `pg_`. Default `'session_limiter'`.
   */
  schema?: string;
  /**
   * The longest a statement may take, the wait for a connection included, before the call
   * rejects with `STORE_UNAVAILABLE` (the limiter denies) and the statement is cancelled on the
   * server. A stalled server, a lock held elsewhere or a dead connection then cost at most this.
   * Default `'5s'`.
   */
  timeout?: Duration;
}

const OPTION_KEYS = new Set(['client', 'schema', 'timeout']);
const DEFAULT_TIMEOUT = 5_000;

/**
 * Keeps sessions in PostgreSQL: for many processes on many machines. Every change to one user
 * is a compare-and-set on the user's row, so racing logins for one user serialize while logins
 * of different users never wait for each other. Ended sessions are published with NOTIFY in the
 * same transaction, so every process learns of them at once, and the limiter may answer
 * `validate` from a per-process cache while that channel is up.
 *
 * Creates its schema on first use (`session_limiter` by default: tables `users`, `sessions` and
 * `tombstones`, sequence `versions`). While a limiter is subscribed, the store holds
 * one connection for LISTEN: with pg, one checked out of the pool (so the pool needs `max` >= 2,
 * and limiters must be disposed before `pool.end()`, which waits for it); with postgres.js, the
 * connection `sql.listen` opens.
 *
 * Fails closed: while the server cannot be reached or does not answer, every call rejects (the
 * limiter answers `STORE_UNAVAILABLE`) as soon as the client gives up, and at the latest after
 * `timeout`. It works again, LISTEN included, as soon as the server is back.
 *
 * @throws SessionLimiterError `INVALID_CONFIG` for a client that is neither, a bad schema or
 *   timeout
 * @throws SessionLimiterError `INVALID_ARGUMENT` (from calls) for text PostgreSQL cannot store:
 *   U+0000, or an unpaired surrogate
 * @example
 * ```ts
 * import pg from 'pg';
 * import { createSessionLimiter } from 'session-limiter';
 * import { PostgresStore } from 'session-limiter/postgres';
 *
 * const pool = new pg.Pool({
 *   connectionString: process.env.DATABASE_URL,
 *   connectionTimeoutMillis: 5_000,
 * });
 * pool.on('error', (error) => console.error('an idle PostgreSQL connection failed', error));
 * const limiter = createSessionLimiter({
 *   store: new PostgresStore({ client: pool }),
 *   policy: { max: 1 },
 * });
 * ```
 */
export class PostgresStore implements SessionStore {
  /** Lookups cross the network: the limiter may cache them while the push channel is up. */
  readonly cacheLookups = true;
  /** The schema holding the store's tables. */
  readonly schema: string;
  readonly #driver: Driver;
  readonly #sql: Statements;
  readonly #push: PushHub;
  #ready: Promise<void> | undefined;

  constructor(options: PostgresStoreOptions) {
    if (typeof options !== 'object' || (options as unknown) === null) {
      throw configError('options', 'must be an object such as { client: pool }');
    }
    rejectUnknownKeys(options, OPTION_KEYS, 'PostgresStore');
    const timeout = parseDuration(options.timeout ?? DEFAULT_TIMEOUT, 'timeout', false);
    this.#driver = driverFor(options.client, timeout);
    this.schema = checkSchema(options.schema ?? 'session_limiter');
    this.#sql = statements(this.schema);
    this.#push = new PushHub(this.#driver, this.#sql.channel);
  }

  /**
   * Creates the schema if needed and runs `SELECT 1`, so that an app can stop at startup when
   * the server cannot be reached.
   *
   * @throws SessionLimiterError `STORE_UNAVAILABLE`, with the client's error as the cause
   * @example
   * ```ts
   * await store.ready(); // or limiter.ready()
   * ```
   */
  async ready(): Promise<void> {
    try {
      await this.#run('SELECT 1', []);
    } catch (error) {
      throw storeUnavailable('PostgresStore.ready', error);
    }
  }

  async loadUser(userId: string): Promise<UserSnapshot> {
    return parse(await this.#one(this.#sql.loadUser, [storable(userId, 'userId')])) as UserSnapshot;
  }

  async commitUser(userId: string, version: number, change: UserChange): Promise<boolean> {
    storable(userId, 'userId');
    for (const record of change.put) storable(record, 'session');
    const ends = change.end.map((end) => ({ ...storable(end, 'end'), notice: noticePayload(end) }));
    const won = await this.#one(this.#sql.commitUser, [
      userId,
      version,
      JSON.stringify(change.put),
      JSON.stringify(ends),
      this.#sql.channel,
    ]);
    return won === '1';
  }

  async endSession(end: SessionEnd): Promise<SessionRecord | null> {
    storable(end, 'end');
    const removed = await this.#one(this.#sql.endSession, [
      end.session.id,
      end.session.userId,
      JSON.stringify({ ...end, notice: noticePayload(end) }),
      this.#sql.channel,
    ]);
    return removed === null ? null : (parse(removed) as SessionRecord);
  }

  async find(id: string): Promise<FoundRecord | null> {
    const found = await this.#one(this.#sql.find, [id]);
    return found === null ? null : (parse(found) as FoundRecord);
  }

  async touch(id: string, lastSeenAt: number, expiresAt: number | null): Promise<void> {
    await this.#run(this.#sql.touch, [id, lastSeenAt, expiresAt]);
  }

  async lapsed(now: number, limit: number): Promise<SessionRecord[]> {
    return parse(await this.#one(this.#sql.lapsed, [now, limit])) as SessionRecord[];
  }

  async prune(now: number): Promise<number> {
    return Number(await this.#one(this.#sql.prune, [now]));
  }

  /**
   * Delivers every ended session, from any process, through LISTEN on the channel
   * `<schema>_ended`. One LISTEN connection serves all of this store's subscriptions. When it is
   * lost, `status(false)` tells the limiter to stop trusting its cache (with pg at once; with
   * postgres.js when it has reconnected), and it comes back by itself.
   */
  subscribe(handlers: PushHandlers): Promise<() => Promise<void>> {
    return this.#push.subscribe(handlers);
  }

  async #run(text: string, params: readonly Param[]): Promise<unknown[]> {
    await this.#schemaReady();
    return this.#driver.query(text, params);
  }

  /** Runs a statement that answers one text value (or none). */
  async #one(text: string, params: readonly Param[]): Promise<string | null> {
    const [value] = await this.#run(text, params);
    return typeof value === 'string' ? value : null;
  }

  /** Creates the schema once per store; a failure (server down) is retried on the next call. */
  #schemaReady(): Promise<void> {
    this.#ready ??= this.#createSchema().catch((error: unknown) => {
      this.#ready = undefined;
      throw error;
    });
    return this.#ready;
  }

  async #createSchema(): Promise<void> {
    // When everything exists, skip the DDL: it needs the CREATE privilege even then.
    const [exists] = await this.#driver.query(this.#sql.schemaExists, []);
    if (exists === 'true') return;
    await this.#driver.transaction(async (query) => {
      for (const statement of this.#sql.createSchema) await query(statement, []);
    });
  }
}

function checkSchema(schema: unknown): string {
  if (typeof schema === 'string' && SCHEMA_PATTERN.test(schema) && !schema.startsWith('pg_')) {
    return schema;
  }
  throw configError(
    'schema',
    `must be a lowercase SQL name such as 'session_limiter' (letters, digits, '_'; at most 48; not 'pg_...') (got ${describeValue(schema)})`,
  );
}

function parse(json: string | null): unknown {
  if (json === null) throw new Error('the statement returned no row');
  return JSON.parse(json);
}

// PostgreSQL text cannot hold U+0000, and it would store an unpaired surrogate as U+FFFD, so
// that two different user ids could become one.
const UNSTORABLE = /\0|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Refuses, with a clear error, text PostgreSQL cannot store as given. Returns `value`. */
function storable<T>(value: T, field: string): T {
  if (!hasUnstorableText(value)) return value;
  throw argumentError(
    field,
    'cannot be stored in PostgreSQL: it contains the character U+0000 or an unpaired surrogate',
  );
}

function hasUnstorableText(value: unknown): boolean {
  if (typeof value === 'string') return UNSTORABLE.test(value);
  if (typeof value !== 'object' || value === null) return false;
  if (Array.isArray(value)) return value.some(hasUnstorableText);
  return Object.entries(value).some(
    ([key, item]) => UNSTORABLE.test(key) || hasUnstorableText(item),
  );
}
