import { type Duration, parseDuration } from '../../duration.js';
import {
  SessionLimiterError,
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
import { deliverNotice } from '../notice.js';
import { type Connection, connectionOf, openFile } from './connect.js';
import type { Driver, SqliteDatabase } from './driver.js';
import { POLL_BATCH, type Queries } from './queries.js';
import { setUp } from './set-up.js';

export type { SqliteDatabase } from './driver.js';

/**
 * Options of {@link SqliteStore}.
 *
 * @example
 * ```ts
 * const options: SqliteStoreOptions = { database: 'sessions.db', tablePrefix: 'auth_' };
 * ```
 */
export interface SqliteStoreOptions {
  /**
   * A file path, which the store opens on first use (with node:sqlite where the runtime has it,
   * from Node 22.13; else with better-sqlite3, an optional peer dependency) and closes in
   * `close()`; on Bun, with bun:sqlite. Or a connection you opened (yours: the store never closes
   * it): a node:sqlite `DatabaseSync`, a better-sqlite3 `Database` or a bun:sqlite `Database`.
   */
  database: SqliteDatabase | string;
  /**
   * Starts the name of every table and index the store creates: a letter or `_`, then letters,
   * digits or `_` (at most 40 characters). Default `'session_limiter_'`.
   */
  tablePrefix?: string;
  /**
   * How often each push subscription polls the file for ended sessions: the delay before another
   * process's watchers and events hear of an end. At most `'10s'`. Default `15` (ms).
   */
  notifyInterval?: Duration;
}

const DEFAULT_PREFIX = 'session_limiter_';
const PREFIX_PATTERN = /^[A-Za-z_][A-Za-z0-9_]{0,39}$/;
const DEFAULT_NOTIFY_INTERVAL = 15;
// Well under the push log's retention, so a live subscriber always reads a notice before it is pruned.
const MAX_NOTIFY_INTERVAL = 10_000;
const OPTION_KEYS = new Set(['database', 'tablePrefix', 'notifyInterval']);

/**
 * Keeps sessions in a SQLite file: for one machine, any number of processes. Every change to a
 * user is a compare-and-set inside `BEGIN IMMEDIATE`, so logins racing in several processes never
 * exceed the limit. `validate` reads the file every time (one indexed statement, microseconds),
 * so a revoke is refused at once in every process; watchers and events in other processes hear of
 * it within `notifyInterval`, by polling a small log.
 *
 * The tables are created on first use. On the connection it uses, the store sets
 * `busy_timeout` to 5000 ms if it is lower and `journal_mode = WAL` (which stays with the file).
 *
 * @example
 * ```ts
 * import { DatabaseSync } from 'node:sqlite';
 * import { createSessionLimiter } from 'session-limiter';
 * import { SqliteStore } from 'session-limiter/sqlite';
 *
 * const store = new SqliteStore({ database: new DatabaseSync('app.db') }); // or a path: 'sessions.db'
 * const limiter = createSessionLimiter({ store, policy: { max: 1 } });
 * ```
 */
export class SqliteStore implements SessionStore {
  readonly #connection: Connection;
  readonly #prefix: string;
  readonly #notifyInterval: number;
  readonly #subscriptions = new Set<() => void>();
  #queries: Promise<Queries> | undefined;
  /** The same queries once the file is open, for the synchronous `findNow`. */
  #openQueries: Queries | undefined;
  /** The connection the store opened from a path, to close in `close()`. */
  #owned: Driver | undefined;
  #library: string | undefined;
  #closed = false;

  /**
   * Checks the options; touches no file until the first call.
   *
   * @throws SessionLimiterError `INVALID_CONFIG`, naming the field, for a bad option
   */
  constructor(options: SqliteStoreOptions) {
    if (typeof options !== 'object' || (options as unknown) === null) {
      throw configError('options', "must be an object such as { database: 'sessions.db' }");
    }
    rejectUnknownKeys(options, OPTION_KEYS, 'SqliteStore');
    this.#connection = connectionOf(options.database);
    if ('driver' in this.#connection) this.#library = this.#connection.driver.library;
    this.#prefix = checkPrefix(options.tablePrefix);
    this.#notifyInterval = checkNotifyInterval(options.notifyInterval);
  }

  /**
   * The library the store talks through: `'node:sqlite'`, `'better-sqlite3'` or `'bun:sqlite'`.
   * For a path, known once the file is open (undefined before).
   */
  get library(): string | undefined {
    return this.#library;
  }

  /**
   * Opens the file (for a path), creates the schema and reads it once, so that an app can stop
   * at startup when the file cannot be used.
   *
   * @throws SessionLimiterError `STORE_UNAVAILABLE` naming the file, with the cause
   * @example
   * ```ts
   * await store.ready(); // or limiter.ready()
   * ```
   */
  async ready(): Promise<void> {
    const queries = await this.#opened();
    try {
      queries.lastSeq();
    } catch (error) {
      throw storeUnavailable('SqliteStore.ready', error);
    }
  }

  async loadUser(userId: string): Promise<UserSnapshot> {
    return (await this.#opened()).loadUser(userId);
  }

  async commitUser(userId: string, version: number, change: UserChange): Promise<boolean> {
    for (const record of change.put) {
      if (record.userId !== userId) {
        throw argumentError(
          'change.put',
          `holds a session of another user than ${describeValue(userId)}`,
        );
      }
    }
    return (await this.#opened()).commitUser(userId, version, change);
  }

  async endSession(end: SessionEnd): Promise<SessionRecord | null> {
    return (await this.#opened()).endSession(end);
  }

  async find(id: string): Promise<FoundRecord | null> {
    return (await this.#opened()).find(id);
  }

  /**
   * `find` without a promise, once the file is open (undefined before: then `find` opens it). A
   * read of the file is synchronous anyway; this saves the per-request promise.
   */
  findNow(id: string): FoundRecord | null | undefined {
    return this.#openQueries?.find(id);
  }

  async touch(id: string, lastSeenAt: number, expiresAt: number | null): Promise<void> {
    (await this.#opened()).touch(id, lastSeenAt, expiresAt);
  }

  async lapsed(now: number, limit: number): Promise<SessionRecord[]> {
    return (await this.#opened()).lapsed(now, limit);
  }

  /** Forgets old tombstones, user rows with no session left, and push-log rows over a minute old. */
  async prune(now: number): Promise<number> {
    return (await this.#opened()).prune(now);
  }

  /**
   * Polls the push log every `notifyInterval` on an unref'd timer. Reports `status(true)` after
   * the first good poll, `status(false)` when a poll fails, `status(true)` again on recovery.
   * Notices carry no `data` (of the session or of `by`).
   */
  async subscribe(handlers: PushHandlers): Promise<() => Promise<void>> {
    this.#assertOpen();
    let last: number | undefined; // set by the first good poll: only later ends are delivered
    let up = false;
    let polling = false;
    const poll = async () => {
      if (polling) return; // the file is still being opened by the previous tick
      polling = true;
      try {
        const queries = await this.#opened();
        last ??= queries.lastSeq();
        let batch;
        do {
          batch = queries.notices(last);
          for (const row of batch) {
            last = row.seq;
            deliverNotice(handlers, row.notice);
          }
        } while (batch.length === POLL_BATCH);
        if (!up) handlers.status((up = true));
      } catch {
        if (up) handlers.status((up = false));
      } finally {
        polling = false;
      }
    };
    await poll();
    const timer = setInterval(() => void poll(), this.#notifyInterval);
    timer.unref();
    const stop = () => {
      clearInterval(timer);
      this.#subscriptions.delete(stop);
    };
    this.#subscriptions.add(stop);
    return () => {
      stop();
      return Promise.resolve();
    };
  }

  /**
   * Stops every subscription and closes the database if the store opened it from a path. A
   * `Database` you passed in stays open: it is yours to close.
   *
   * @example
   * ```ts
   * await limiter.dispose();
   * await store.close();
   * ```
   */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#openQueries = undefined;
    for (const stop of [...this.#subscriptions]) stop();
    await this.#queries?.catch(() => undefined);
    this.#owned?.close();
    this.#owned = undefined;
  }

  /** Opens the file and prepares the schema once; a failure is retried on the next call. */
  #opened(): Promise<Queries> {
    if (this.#closed) return Promise.reject(closedError());
    this.#queries ??= this.#open().then(
      (queries) => {
        if (!this.#closed) this.#openQueries = queries;
        return queries;
      },
      (error: unknown) => {
        this.#queries = undefined;
        throw error;
      },
    );
    return this.#queries;
  }

  async #open(): Promise<Queries> {
    const connection = this.#connection;
    if ('driver' in connection) {
      const { driver } = connection;
      try {
        return await setUp(driver, this.#prefix);
      } catch (error) {
        throw openError(`the ${driver.library} Database it was given`, error);
      }
    }
    let driver: Driver;
    try {
      driver = await openFile(connection.path);
    } catch (error) {
      throw openError(connection.path, error);
    }
    try {
      if (this.#closed) throw closedError();
      const queries = await setUp(driver, this.#prefix);
      this.#owned = driver;
      this.#library = driver.library;
      return queries;
    } catch (error) {
      driver.close();
      throw openError(`${connection.path} (${driver.library})`, error);
    }
  }

  #assertOpen(): void {
    if (this.#closed) throw closedError();
  }
}

/** Why the store cannot use its file: STORE_UNAVAILABLE, naming it, with the cause kept. */
function openError(what: string, error: unknown): SessionLimiterError {
  if (error instanceof SessionLimiterError) return error;
  const detail = error instanceof Error ? error.message : String(error);
  return new SessionLimiterError(
    'STORE_UNAVAILABLE',
    `SqliteStore could not open ${what}: ${detail}`,
    {
      cause: error,
    },
  );
}

function closedError(): SessionLimiterError {
  return new SessionLimiterError('STORE_UNAVAILABLE', 'this SqliteStore was closed');
}

function checkPrefix(prefix: unknown): string {
  if (prefix === undefined) return DEFAULT_PREFIX;
  if (typeof prefix === 'string' && PREFIX_PATTERN.test(prefix)) return prefix;
  throw configError(
    'tablePrefix',
    `must be a letter or '_' then letters, digits or '_', at most 40 characters (got ${describeValue(prefix)})`,
  );
}

function checkNotifyInterval(value: unknown): number {
  if (value === undefined) return DEFAULT_NOTIFY_INTERVAL;
  const ms = parseDuration(value, 'notifyInterval', false);
  if (ms < 1 || ms > MAX_NOTIFY_INTERVAL) {
    throw configError(
      'notifyInterval',
      `must be from 1 to ${MAX_NOTIFY_INTERVAL} ms (got ${describeValue(value)})`,
    );
  }
  return ms;
}
