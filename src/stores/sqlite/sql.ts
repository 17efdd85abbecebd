// Every statement the SQLite store runs, in one place. Parameters are positional (`?`) only:
// the three client libraries name parameters differently, and agree on `?`.

/** The schema this version of the store reads and writes; kept in `<prefix>meta`. */
export const SCHEMA_VERSION = 1;

/** At least this busy timeout, so a writer waits for another process's commit instead of failing. */
export const BUSY_TIMEOUT = 5_000;

/** How the connection is set up: the busy timeout (raised, never lowered), then WAL. */
export const PRAGMAS = {
  /** One row, `{ timeout }`. */
  busyTimeout: 'PRAGMA busy_timeout',
  raiseBusyTimeout: `PRAGMA busy_timeout = ${BUSY_TIMEOUT}`,
  /** So readers never wait for writers; stored in the file. */
  wal: 'PRAGMA journal_mode = WAL',
  /**
   * For a file the store opens itself: in WAL mode a commit then writes the log without waiting
   * for the disk (safe from an app crash; a power loss may drop the last commits). better-sqlite3's
   * default; node:sqlite and bun:sqlite default to FULL, an fsync per commit.
   */
  normalSync: 'PRAGMA synchronous = NORMAL',
};

/** For the drivers whose library has no transaction helper of its own. */
export const TRANSACTION = {
  /** Takes the write lock at once, so a compare-and-set is atomic across processes. */
  begin: 'BEGIN IMMEDIATE',
  commit: 'COMMIT',
  rollback: 'ROLLBACK',
};

/** The statements of a store whose tables start with `p`. */
export type Statements = ReturnType<typeof statements>;

/** Builds every statement for the table prefix `p` (checked by the store: letters, digits, `_`). */
export function statements(p: string) {
  return {
    schema: `
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
    `,
    /** One row, `{ value }`. */
    schemaVersion: `SELECT value FROM ${p}meta WHERE name = 'schema'`,
    /** The user's version on every row; no session columns when the user has none. */
    user: `SELECT u.version, s.* FROM ${p}users u LEFT JOIN ${p}sessions s ON s.user_id = u.user_id
      WHERE u.user_id = ?`,
    version: `SELECT version FROM ${p}users WHERE user_id = ?`,
    // Versions come from one file-wide counter, so a user row that prune deleted and a later
    // commit re-created never repeats a version a slow reader may still hold.
    nextVersion: `UPDATE ${p}meta SET value = value + 1 WHERE name = 'version' RETURNING value`,
    setVersion: `INSERT INTO ${p}users (user_id, version) VALUES (?, ?)
      ON CONFLICT (user_id) DO UPDATE SET version = excluded.version`,
    /** Parameters in the order of the columns listed. */
    put: `INSERT OR REPLACE INTO ${p}sessions (id, user_id, token_hash, created_at, last_seen_at,
        idle_timeout, absolute_expires_at, expires_at, generation, device, data)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    delete: `DELETE FROM ${p}sessions WHERE id = ? AND user_id = ? RETURNING *`,
    /** Parameters in the order of the columns listed. */
    bury: `INSERT OR REPLACE INTO ${p}tombstones (id, user_id, token_hash, reason, at, by_session,
        keep_until)
      VALUES (?, ?, ?, ?, ?, ?, ?)`,
    log: `INSERT INTO ${p}ended (created_at, notice) VALUES (?, ?)`,
    /** A session (kind 0) or a tombstone (kind 1) with this id; the id is passed twice. */
    find: `SELECT 0 AS kind, id, user_id, token_hash, created_at, last_seen_at, idle_timeout,
        absolute_expires_at, expires_at, generation, device, data,
        NULL AS reason, NULL AS at, NULL AS by_session, NULL AS keep_until
      FROM ${p}sessions WHERE id = ?
      UNION ALL
      SELECT 1, id, user_id, token_hash, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
        reason, at, by_session, keep_until
      FROM ${p}tombstones WHERE id = ?
      ORDER BY kind LIMIT 1`,
    touch: `UPDATE ${p}sessions SET last_seen_at = ?, expires_at = ? WHERE id = ?`,
    lapsed: `SELECT * FROM ${p}sessions WHERE expires_at <= ? ORDER BY expires_at LIMIT ?`,
    pruneTombstones: `DELETE FROM ${p}tombstones WHERE keep_until <= ?`,
    pruneUsers: `DELETE FROM ${p}users
      WHERE NOT EXISTS (SELECT 1 FROM ${p}sessions s WHERE s.user_id = ${p}users.user_id)`,
    pruneLog: `DELETE FROM ${p}ended WHERE created_at < ?`,
    /** One row, `{ seq }`: the newest notice in the push log, 0 when empty. */
    lastSeq: `SELECT COALESCE(MAX(seq), 0) AS seq FROM ${p}ended`,
    poll: `SELECT seq, notice FROM ${p}ended WHERE seq > ? ORDER BY seq LIMIT ?`,
  };
}
