import type BetterSqlite3 from 'better-sqlite3';
import type { DeviceInfo } from '../device.js';
import { type Duration, parseDuration } from '../duration.js';
import {
  SessionLimiterError,
  argumentError,
  configError,
  describeValue,
  rejectUnknownKeys,
} from '../errors.js';
import {
  type JsonValue,
  type SessionEnd,
  type SessionInfo,
  type SessionRecord,
  type TombstoneRecord,
  noticeWithoutData,
} from '../session.js';
import type {
  FoundRecord,
  PushHandlers,
  SessionStore,
  UserChange,
  UserSnapshot,
} from '../store.js';

/** A better-sqlite3 connection. */
type Database = BetterSqlite3.Database;

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
   * A better-sqlite3 `Database` (yours: the store never closes it), or a file path (the store
   * opens it on first use and closes it in `close()`).
   */
  database: Database | string;
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
// Well under the log's retention, so a live subscriber always reads a notice before it is pruned.
const MAX_NOTIFY_INTERVAL = 10_000;
/** How long ended-session notices stay in the push log (wall clock). */
const LOG_RETENTION = 60_000;
const POLL_BATCH = 500;
/** At least this busy timeout, so a writer waits for another process's commit instead of failing. */
const BUSY_TIMEOUT = 5_000;
const SCHEMA_VERSION = 1;
const OPTION_KEYS = new Set(['database', 'tablePrefix', 'notifyInterval']);
const DATABASE_METHODS = ['prepare', 'pragma', 'transaction', 'exec', 'close'];

interface SessionRow {
  id: string;
  user_id: string;
  token_hash: string;
  created_at: number;
  last_seen_at: number;
  idle_timeout: number | null;
  absolute_expires_at: number | null;
  expires_at: number | null;
  generation: number;
  device: string;
  data: string | null;
}

interface TombstoneRow {
  id: string;
  user_id: string;
  token_hash: string;
  reason: string;
  at: number;
  by_session: string | null;
  keep_until: number;
}

/** `loadUser`'s one-statement read: the user's version on every row, no session columns if none. */
type UserRow = { version: number } & (SessionRow | { id: null });
/** `find`'s one-statement read: 0 for a session, 1 for a tombstone. */
type FoundRow = (SessionRow & { kind: 0 }) | (TombstoneRow & { kind: 1 });

function schema(p: string): string {
  return `
    CREATE TABLE IF NOT EXISTS ${p}meta (
      name TEXT PRIMARY KEY,
      value INTEGER NOT NULL
    );
    INSERT OR IGNORE INTO ${p}meta (name, value) VALUES ('schema', ${SCHEMA_VERSION}), ('version', 0);
    CREATE TABLE IF NOT EXISTS ${p}users (
      user_id TEXT PRIMARY KEY,
      version INTEGER NOT NULL
    );
    CREATE TABLE IF NOT EXISTS ${p}sessions (
      id TEXT PRIMARY KEY,
      user_id TEXT NOT NULL,
      token_hash TEXT NOT NULL,
      created_at INTEGER NOT NULL,
      last_seen_at INTEGER NOT NULL,
      idle_timeout INTEGER,
      absolute_expires_at INTEGER,
      expires_at INTEGER,
      generation INTEGER NOT NULL,
      device TEXT NOT NULL,
      data TEXT
    );
    CREATE INDEX IF NOT EXISTS ${p}sessions_user ON ${p}sessions (user_id);
    CREATE INDEX IF NOT EXISTS ${p}sessions_expiry ON ${p}sessions (expires_at);
    CREATE TABLE IF NOT EXISTS ${p}tombstones (
      id TEXT PRIMARY KEY,
      user_id TEXT NOT NULL,
      token_hash TEXT NOT NULL,
      reason TEXT NOT NULL,
      at INTEGER NOT NULL,
      by_session TEXT,
      keep_until INTEGER NOT NULL
    );
    CREATE INDEX IF NOT EXISTS ${p}tombstones_keep ON ${p}tombstones (keep_until);
    CREATE TABLE IF NOT EXISTS ${p}ended (
      seq INTEGER PRIMARY KEY AUTOINCREMENT,
      created_at INTEGER NOT NULL,
      notice TEXT NOT NULL
    );
    CREATE INDEX IF NOT EXISTS ${p}ended_created ON ${p}ended (created_at);
  `;
}

/**
 * The synchronous half of the store: pragmas, schema and every prepared statement, made once per
 * connection. Each method runs in one statement or one transaction, so it is atomic.
 */
class Queries {
  readonly #user;
  readonly #version;
  readonly #nextVersion;
  readonly #setVersion;
  readonly #put;
  readonly #delete;
  readonly #bury;
  readonly #log;
  readonly #find;
  readonly #touch;
  readonly #lapsed;
  readonly #pruneTombstones;
  readonly #pruneUsers;
  readonly #pruneLog;
  readonly #lastSeq;
  readonly #poll;
  readonly #commit;
  readonly #endOne;
  readonly #prune;

  constructor(db: Database, p: string) {
    // Raise, never lower, a timeout the app chose; then WAL so readers never wait for writers.
    if ((db.pragma('busy_timeout', { simple: true }) as number) < BUSY_TIMEOUT) {
      db.pragma(`busy_timeout = ${BUSY_TIMEOUT}`);
    }
    db.pragma('journal_mode = WAL');
    db.transaction(() => db.exec(schema(p))).immediate();

    // Numbers, not BigInts, even on a Database set to defaultSafeIntegers(true). The type
    // arguments name each statement's parameters and row.
    // eslint-disable-next-line @typescript-eslint/no-unnecessary-type-parameters
    const prepare = <P extends unknown[], R = unknown>(sql: string) =>
      db.prepare<P, R>(sql).safeIntegers(false);
    const schemaVersion = prepare<[], number>(`SELECT value FROM ${p}meta WHERE name = 'schema'`)
      .pluck()
      .get();
    if (schemaVersion !== SCHEMA_VERSION) {
      throw new Error(
        `the tables ${p}* have schema version ${String(schemaVersion)}; this version of session-limiter reads ${SCHEMA_VERSION}`,
      );
    }

    this.#user = prepare<[string], UserRow>(
      `SELECT u.version, s.* FROM ${p}users u LEFT JOIN ${p}sessions s ON s.user_id = u.user_id
       WHERE u.user_id = ?`,
    );
    this.#version = prepare<[string], number>(
      `SELECT version FROM ${p}users WHERE user_id = ?`,
    ).pluck();
    // Versions come from one file-wide counter, so a user row that prune deleted and a later
    // commit re-created never repeats a version a slow reader may still hold.
    this.#nextVersion = prepare<[], number>(
      `UPDATE ${p}meta SET value = value + 1 WHERE name = 'version' RETURNING value`,
    ).pluck();
    this.#setVersion = prepare<[string, number]>(
      `INSERT INTO ${p}users (user_id, version) VALUES (?, ?)
       ON CONFLICT (user_id) DO UPDATE SET version = excluded.version`,
    );
    this.#put = prepare<[ReturnType<typeof sessionParams>]>(
      `INSERT OR REPLACE INTO ${p}sessions (id, user_id, token_hash, created_at, last_seen_at,
         idle_timeout, absolute_expires_at, expires_at, generation, device, data)
       VALUES (@id, @userId, @tokenHash, @createdAt, @lastSeenAt, @idleTimeout,
         @absoluteExpiresAt, @expiresAt, @generation, @device, @data)`,
    );
    this.#delete = prepare<[string, string], SessionRow>(
      `DELETE FROM ${p}sessions WHERE id = ? AND user_id = ? RETURNING *`,
    );
    this.#bury = prepare<[TombstoneRow]>(
      `INSERT OR REPLACE INTO ${p}tombstones (id, user_id, token_hash, reason, at, by_session, keep_until)
       VALUES (@id, @user_id, @token_hash, @reason, @at, @by_session, @keep_until)`,
    );
    this.#log = prepare<[number, string]>(
      `INSERT INTO ${p}ended (created_at, notice) VALUES (?, ?)`,
    );
    this.#find = prepare<[{ id: string }], FoundRow>(
      `SELECT 0 AS kind, id, user_id, token_hash, created_at, last_seen_at, idle_timeout,
         absolute_expires_at, expires_at, generation, device, data,
         NULL AS reason, NULL AS at, NULL AS by_session, NULL AS keep_until
       FROM ${p}sessions WHERE id = @id
       UNION ALL
       SELECT 1, id, user_id, token_hash, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
         reason, at, by_session, keep_until
       FROM ${p}tombstones WHERE id = @id
       ORDER BY kind LIMIT 1`,
    );
    this.#touch = prepare<[number, number | null, string]>(
      `UPDATE ${p}sessions SET last_seen_at = ?, expires_at = ? WHERE id = ?`,
    );
    this.#lapsed = prepare<[number, number], SessionRow>(
      `SELECT * FROM ${p}sessions WHERE expires_at <= ? ORDER BY expires_at LIMIT ?`,
    );
    this.#pruneTombstones = prepare<[number]>(`DELETE FROM ${p}tombstones WHERE keep_until <= ?`);
    this.#pruneUsers = prepare<[]>(
      `DELETE FROM ${p}users
       WHERE NOT EXISTS (SELECT 1 FROM ${p}sessions s WHERE s.user_id = ${p}users.user_id)`,
    );
    this.#pruneLog = prepare<[number]>(`DELETE FROM ${p}ended WHERE created_at < ?`);
    this.#lastSeq = prepare<[], number>(`SELECT COALESCE(MAX(seq), 0) FROM ${p}ended`).pluck();
    this.#poll = prepare<[number, number], { seq: number; notice: string }>(
      `SELECT seq, notice FROM ${p}ended WHERE seq > ? ORDER BY seq LIMIT ?`,
    );

    this.#commit = db.transaction((userId: string, version: number, change: UserChange) => {
      if ((this.#version.get(userId) ?? 0) !== version) return false;
      this.#bump(userId);
      for (const end of change.end) this.#end(end);
      for (const record of change.put) this.#put.run(sessionParams(record));
      return true;
    });
    this.#endOne = db.transaction((end: SessionEnd) => {
      const row = this.#end(end);
      if (!row) return null;
      this.#bump(end.session.userId);
      return toRecord(row);
    });
    this.#prune = db.transaction(
      (now: number) =>
        this.#pruneTombstones.run(now).changes +
        this.#pruneUsers.run().changes +
        this.#pruneLog.run(Date.now() - LOG_RETENTION).changes,
    );
  }

  loadUser(userId: string): UserSnapshot {
    const rows = this.#user.all(userId);
    const sessions: SessionRecord[] = [];
    for (const row of rows) if (row.id !== null) sessions.push(toRecord(row));
    return { version: rows[0]?.version ?? 0, sessions };
  }

  /** Compare-and-set under the write lock (BEGIN IMMEDIATE), so it is atomic across processes. */
  commitUser(userId: string, version: number, change: UserChange): boolean {
    return this.#commit.immediate(userId, version, change);
  }

  endSession(end: SessionEnd): SessionRecord | null {
    return this.#endOne.immediate(end);
  }

  find(id: string): FoundRecord | null {
    const row = this.#find.get({ id });
    if (!row) return null;
    return row.kind === 0
      ? { kind: 'session', record: toRecord(row) }
      : { kind: 'tombstone', record: toTombstone(row) };
  }

  touch(id: string, lastSeenAt: number, expiresAt: number | null): void {
    this.#touch.run(lastSeenAt, expiresAt, id);
  }

  lapsed(now: number, limit: number): SessionRecord[] {
    return this.#lapsed.all(now, limit).map(toRecord);
  }

  prune(now: number): number {
    return this.#prune.immediate(now);
  }

  /** The newest notice in the push log; a subscriber starts after it. */
  lastSeq(): number {
    return this.#lastSeq.get() ?? 0;
  }

  /** Notices after `seq`, oldest first. */
  notices(seq: number): { seq: number; notice: string }[] {
    return this.#poll.all(seq, POLL_BATCH);
  }

  /** Deletes the session, keeps a tombstone and logs the notice; the row, or undefined. */
  #end(end: SessionEnd): SessionRow | undefined {
    const row = this.#delete.get(end.session.id, end.session.userId);
    if (!row) return undefined;
    this.#bury.run({
      id: row.id,
      user_id: row.user_id,
      token_hash: row.token_hash,
      reason: end.reason,
      at: end.at,
      by_session: end.by ? JSON.stringify(end.by) : null,
      keep_until: end.keepUntil,
    });
    const now = Date.now();
    this.#log.run(now, JSON.stringify(noticeWithoutData(end)));
    // Trimmed here too (an index seek), so the log stays a minute long even with no sweep.
    this.#pruneLog.run(now - LOG_RETENTION);
    return row;
  }

  #bump(userId: string): void {
    const version = this.#nextVersion.get();
    if (version === undefined) throw new Error('the version counter row is missing');
    this.#setVersion.run(userId, version);
  }
}

/**
 * Keeps sessions in a SQLite file through better-sqlite3: for one machine, any number of
 * processes. Every change to a user is a compare-and-set inside `BEGIN IMMEDIATE`, so logins
 * racing in several processes never exceed the limit. `validate` reads the file every time (one
 * indexed statement, microseconds), so a revoke is refused at once in every process; watchers
 * and events in other processes hear of it within `notifyInterval`, by polling a small log.
 *
 * The tables are created on first use. On the connection it uses, the store sets
 * `busy_timeout` to 5000 ms if it is lower and `journal_mode = WAL` (which stays with the file).
 *
 * @example
 * ```ts
 * import Database from 'better-sqlite3';
 * import { createSessionLimiter } from 'session-limiter';
 * import { SqliteStore } from 'session-limiter/sqlite';
 *
 * const store = new SqliteStore({ database: new Database('app.db') }); // or a path: 'sessions.db'
 * const limiter = createSessionLimiter({ store, policy: { max: 1 } });
 * ```
 */
export class SqliteStore implements SessionStore {
  readonly #database: Database | string;
  readonly #prefix: string;
  readonly #notifyInterval: number;
  readonly #subscriptions = new Set<() => void>();
  #queries: Promise<Queries> | undefined;
  #owned: Database | undefined;
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
    this.#database = checkDatabase(options.database);
    this.#prefix = checkPrefix(options.tablePrefix);
    this.#notifyInterval = checkNotifyInterval(options.notifyInterval);
  }

  async loadUser(userId: string): Promise<UserSnapshot> {
    return (await this.#ready()).loadUser(userId);
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
    return (await this.#ready()).commitUser(userId, version, change);
  }

  async endSession(end: SessionEnd): Promise<SessionRecord | null> {
    return (await this.#ready()).endSession(end);
  }

  async find(id: string): Promise<FoundRecord | null> {
    return (await this.#ready()).find(id);
  }

  async touch(id: string, lastSeenAt: number, expiresAt: number | null): Promise<void> {
    (await this.#ready()).touch(id, lastSeenAt, expiresAt);
  }

  async lapsed(now: number, limit: number): Promise<SessionRecord[]> {
    return (await this.#ready()).lapsed(now, limit);
  }

  /** Forgets old tombstones, user rows with no session left, and push-log rows over a minute old. */
  async prune(now: number): Promise<number> {
    return (await this.#ready()).prune(now);
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
        const queries = await this.#ready();
        last ??= queries.lastSeq();
        let batch;
        do {
          batch = queries.notices(last);
          for (const row of batch) {
            last = row.seq;
            deliver(handlers, row.notice);
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
    for (const stop of [...this.#subscriptions]) stop();
    await this.#queries?.catch(() => undefined);
    this.#owned?.close();
    this.#owned = undefined;
  }

  /** Opens the file and prepares the schema once; a failure is retried on the next call. */
  #ready(): Promise<Queries> {
    if (this.#closed) return Promise.reject(closedError());
    this.#queries ??= this.#open().catch((error: unknown) => {
      this.#queries = undefined;
      throw error;
    });
    return this.#queries;
  }

  async #open(): Promise<Queries> {
    if (typeof this.#database !== 'string') return new Queries(this.#database, this.#prefix);
    const open = await importBetterSqlite3();
    if (this.#closed) throw closedError();
    const db = new open(this.#database);
    try {
      const queries = new Queries(db, this.#prefix);
      this.#owned = db;
      return queries;
    } catch (error) {
      db.close();
      throw error;
    }
  }

  #assertOpen(): void {
    if (this.#closed) throw closedError();
  }
}

async function importBetterSqlite3(): Promise<typeof BetterSqlite3> {
  try {
    return (await import('better-sqlite3')).default;
  } catch (error) {
    throw new SessionLimiterError(
      'STORE_UNAVAILABLE',
      'SqliteStore needs better-sqlite3 to open a file: npm install better-sqlite3',
      { cause: error },
    );
  }
}

function closedError(): SessionLimiterError {
  return new SessionLimiterError('STORE_UNAVAILABLE', 'this SqliteStore was closed');
}

/** Hands one logged notice to the subscriber; a malformed row or a throwing handler is skipped. */
function deliver(handlers: PushHandlers, json: string): void {
  try {
    handlers.ended(JSON.parse(json) as SessionEnd);
  } catch {
    // One bad notice must not stop the ones after it, nor mark the channel down.
  }
}

function checkDatabase(database: unknown): Database | string {
  if (typeof database === 'string') {
    if (database.length === 0 || database.includes('\0')) {
      throw configError('database', 'must be a non-empty file path or a better-sqlite3 Database');
    }
    return database;
  }
  const candidate = database as Record<string, unknown> | null;
  if (
    typeof candidate !== 'object' ||
    candidate === null ||
    DATABASE_METHODS.some((method) => typeof candidate[method] !== 'function')
  ) {
    throw configError(
      'database',
      `must be a better-sqlite3 Database or a file path (got ${describeValue(database)})`,
    );
  }
  if (candidate.open === false) throw configError('database', 'is closed');
  if (candidate.readonly === true) {
    throw configError('database', 'is read-only: the store writes sessions to it');
  }
  return database as Database;
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

function sessionParams(record: SessionRecord) {
  return {
    id: record.id,
    userId: record.userId,
    tokenHash: record.tokenHash,
    createdAt: record.createdAt,
    lastSeenAt: record.lastSeenAt,
    idleTimeout: record.idleTimeout,
    absoluteExpiresAt: record.absoluteExpiresAt,
    expiresAt: record.expiresAt,
    generation: record.generation,
    device: JSON.stringify(record.device),
    // SQL NULL for "no data"; JSON null stays the text 'null'.
    data: record.data === undefined ? null : JSON.stringify(record.data),
  };
}

function toRecord(row: SessionRow): SessionRecord {
  const record: SessionRecord = {
    id: row.id,
    userId: row.user_id,
    tokenHash: row.token_hash,
    createdAt: row.created_at,
    lastSeenAt: row.last_seen_at,
    idleTimeout: row.idle_timeout,
    absoluteExpiresAt: row.absolute_expires_at,
    expiresAt: row.expires_at,
    generation: row.generation,
    device: JSON.parse(row.device) as DeviceInfo,
  };
  if (row.data !== null) record.data = JSON.parse(row.data) as JsonValue;
  return record;
}

function toTombstone(row: TombstoneRow): TombstoneRecord {
  const tombstone: TombstoneRecord = {
    id: row.id,
    userId: row.user_id,
    tokenHash: row.token_hash,
    reason: row.reason,
    at: row.at,
    keepUntil: row.keep_until,
  };
  if (row.by_session !== null) tombstone.by = JSON.parse(row.by_session) as SessionInfo;
  return tombstone;
}
