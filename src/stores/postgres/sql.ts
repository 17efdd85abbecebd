import { createHash } from 'node:crypto';

/**
 * Every statement the PostgreSQL store runs, written once for both client libraries.
 *
 * Conventions that keep the drivers trivial and immune to a client's own settings (custom type
 * parsers, postgres.js `transform: postgres.camel`, which rewrites JSON keys):
 * - parameters are only strings, numbers and null, each cast in the SQL (`$1::text`); JSON goes
 *   in as text (`$3::text::jsonb`);
 * - each statement answers one text column: a number, or a JSON document the store parses.
 *
 * Tables (in the store's schema, `session_limiter` by default):
 * - `users`: one row per user with sessions; `version` is the compare-and-set token of the
 *   user's sessions. It comes from the `versions` sequence, so a version never repeats, even
 *   after `prune` removed the row of a user who had no sessions left.
 * - `sessions`: one row per live (or lapsed, not yet swept) session. Times are epoch
 *   milliseconds; null means "never".
 * - `tombstones`: what is left of an ended session until `keep_until`: enough to tell the
 *   signed-out device why.
 *
 * Locking: every write that changes a user's sessions first updates (or creates) the user's
 * `users` row, which holds that row's lock until commit; session rows are written only after.
 * Commits for one user therefore serialize, writers never deadlock, and different users never
 * wait for each other.
 */
export interface Statements {
  /** The push channel: the schema name plus `_ended`. */
  channel: string;
  /** True (as text) when every table, index and sequence exists. */
  schemaExists: string;
  /** Creates the schema; run in one transaction, serialized across processes. */
  createSchema: string[];
  /** $1 user id. */
  loadUser: string;
  /** $1 user id, $2 expected version, $3 records to put (JSON), $4 ends (JSON), $5 channel. */
  commitUser: string;
  /** $1 session id, $2 user id, $3 the end (JSON), $4 channel. */
  endSession: string;
  /** $1 session id. */
  find: string;
  /** $1 session id, $2 last seen, $3 expires at. */
  touch: string;
  /** $1 now, $2 limit. */
  lapsed: string;
  /** $1 now. */
  prune: string;
}

/**
 * The store's schema: a lowercase SQL identifier, short enough that the names derived from it
 * (the push channel) stay under PostgreSQL's 63-byte limit.
 */
export const SCHEMA_PATTERN = /^[a-z_][a-z0-9_]{0,47}$/;

/** Quotes an identifier (the schema is validated too; quoting is the second fence). */
export function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/** A session row as the JSON of a `SessionRecord`; `data` is left out when there is none. */
function sessionJson(s: string): string {
  return `jsonb_build_object(
    'id', ${s}.id, 'userId', ${s}.user_id, 'tokenHash', ${s}.token_hash,
    'createdAt', ${s}.created_at, 'lastSeenAt', ${s}.last_seen_at,
    'idleTimeout', ${s}.idle_timeout, 'absoluteExpiresAt', ${s}.absolute_expires_at,
    'expiresAt', ${s}.expires_at, 'generation', ${s}.generation, 'device', ${s}.device
  ) || CASE WHEN ${s}.data IS NULL THEN '{}'::jsonb ELSE jsonb_build_object('data', ${s}.data) END`;
}

/** A tombstone row as the JSON of a `TombstoneRecord`; `by` is left out when there is none. */
function tombstoneJson(t: string): string {
  return `jsonb_build_object(
    'id', ${t}.id, 'userId', ${t}.user_id, 'tokenHash', ${t}.token_hash, 'reason', ${t}.reason,
    'at', ${t}.ended_at, 'keepUntil', ${t}.keep_until
  ) || CASE WHEN ${t}.ended_by IS NULL THEN '{}'::jsonb ELSE jsonb_build_object('by', ${t}.ended_by) END`;
}

/**
 * Inserts a tombstone for each row of `ended` (id, user_id, token_hash, and `e`: the end as
 * JSON, shaped like `SessionEnd`).
 */
function tombstonesFrom(schema: string, ended: string): string {
  return `INSERT INTO ${schema}.tombstones (id, user_id, token_hash, reason, ended_at, ended_by, keep_until)
    SELECT id, user_id, token_hash, e->>'reason', (e->>'at')::bigint, e->'by', (e->>'keepUntil')::bigint
    FROM ${ended}
    ON CONFLICT (id) DO NOTHING`;
}

/** A stable advisory-lock key for creating one schema. */
function lockKey(schema: string): string {
  return createHash('sha256')
    .update(`session-limiter:${schema}`)
    .digest()
    .readBigInt64BE(0)
    .toString();
}

/** The statements for one schema. `schema` must match {@link SCHEMA_PATTERN}. */
export function statements(schemaName: string): Statements {
  const s = quoteIdent(schemaName);
  const versions = `'${s}.versions'`;
  const relations = [
    'versions',
    'users',
    'sessions',
    'sessions_user_id',
    'sessions_expires_at',
    'tombstones',
    'tombstones_keep_until',
  ];

  return {
    channel: `${schemaName}_ended`,

    schemaExists: `SELECT (${relations
      .map((name) => `to_regclass('${s}.${quoteIdent(name)}') IS NOT NULL`)
      .join(' AND ')})::text`,

    createSchema: [
      // IF NOT EXISTS is not safe against a concurrent CREATE: processes starting together take
      // turns. The notices about existing objects are noise (postgres.js prints them).
      `SELECT pg_advisory_xact_lock(${lockKey(schemaName)})`,
      `SET LOCAL client_min_messages = warning`,
      `CREATE SCHEMA IF NOT EXISTS ${s}`,
      `CREATE SEQUENCE IF NOT EXISTS ${s}.versions`,
      `CREATE TABLE IF NOT EXISTS ${s}.users (
        user_id text PRIMARY KEY,
        version bigint NOT NULL
      )`,
      `CREATE TABLE IF NOT EXISTS ${s}.sessions (
        id text PRIMARY KEY,
        user_id text NOT NULL,
        token_hash text NOT NULL,
        created_at bigint NOT NULL,
        last_seen_at bigint NOT NULL,
        idle_timeout bigint,
        absolute_expires_at bigint,
        expires_at bigint,
        generation bigint NOT NULL,
        device jsonb NOT NULL,
        data jsonb
      )`,
      `CREATE INDEX IF NOT EXISTS sessions_user_id ON ${s}.sessions (user_id)`,
      `CREATE INDEX IF NOT EXISTS sessions_expires_at ON ${s}.sessions (expires_at)
        WHERE expires_at IS NOT NULL`,
      `CREATE TABLE IF NOT EXISTS ${s}.tombstones (
        id text PRIMARY KEY,
        user_id text NOT NULL,
        token_hash text NOT NULL,
        reason text NOT NULL,
        ended_at bigint NOT NULL,
        ended_by jsonb,
        keep_until bigint NOT NULL
      )`,
      `CREATE INDEX IF NOT EXISTS tombstones_keep_until ON ${s}.tombstones (keep_until)`,
    ],

    // One statement, one snapshot: the version matches the sessions read with it.
    loadUser: `SELECT jsonb_build_object(
      'version', coalesce((SELECT version FROM ${s}.users WHERE user_id = $1::text), 0),
      'sessions', coalesce(
        (SELECT jsonb_agg(${sessionJson('s')}) FROM ${s}.sessions s WHERE s.user_id = $1::text),
        '[]'::jsonb)
    )::text`,

    // Compare-and-set: `won` has the user's row only if the version still matched (version 0:
    // the user has no row yet). Every other step joins `won`, so a lost race changes nothing.
    commitUser: `WITH
      bumped AS (
        UPDATE ${s}.users SET version = nextval(${versions})
        WHERE user_id = $1::text AND version = $2::bigint
        RETURNING user_id
      ),
      created AS (
        INSERT INTO ${s}.users (user_id, version)
        SELECT $1::text, nextval(${versions}) WHERE $2::bigint = 0
        ON CONFLICT (user_id) DO NOTHING
        RETURNING user_id
      ),
      won AS (SELECT user_id FROM bumped UNION ALL SELECT user_id FROM created),
      ended AS (
        DELETE FROM ${s}.sessions s
        USING won, jsonb_array_elements($4::text::jsonb) AS x(e)
        WHERE s.user_id = won.user_id AND s.id = x.e->'session'->>'id'
        RETURNING s.id, s.user_id, s.token_hash, x.e, pg_notify($5::text, x.e->>'notice')
      ),
      tombstones AS (${tombstonesFrom(s, 'ended')}),
      put AS (
        INSERT INTO ${s}.sessions (id, user_id, token_hash, created_at, last_seen_at, idle_timeout,
          absolute_expires_at, expires_at, generation, device, data)
        SELECT r->>'id', won.user_id, r->>'tokenHash', (r->>'createdAt')::bigint,
          (r->>'lastSeenAt')::bigint, (r->>'idleTimeout')::bigint,
          (r->>'absoluteExpiresAt')::bigint, (r->>'expiresAt')::bigint,
          (r->>'generation')::bigint, r->'device', r->'data'
        FROM won, jsonb_array_elements($3::text::jsonb) AS x(r)
        ON CONFLICT (id) DO UPDATE SET
          token_hash = excluded.token_hash, created_at = excluded.created_at,
          last_seen_at = excluded.last_seen_at, idle_timeout = excluded.idle_timeout,
          absolute_expires_at = excluded.absolute_expires_at, expires_at = excluded.expires_at,
          generation = excluded.generation, device = excluded.device, data = excluded.data
        WHERE sessions.user_id = excluded.user_id
      )
    SELECT count(*)::text FROM won`,

    // The user's row first (created if a prune removed it), then the session: the same lock
    // order as commitUser.
    endSession: `WITH
      bumped AS (
        INSERT INTO ${s}.users (user_id, version)
        SELECT $2::text, nextval(${versions})
        WHERE EXISTS (SELECT 1 FROM ${s}.sessions WHERE id = $1::text AND user_id = $2::text)
        ON CONFLICT (user_id) DO UPDATE SET version = excluded.version
        RETURNING user_id
      ),
      ended AS (
        DELETE FROM ${s}.sessions s
        USING bumped, (SELECT $3::text::jsonb AS e) AS x
        WHERE s.id = $1::text AND s.user_id = bumped.user_id
        RETURNING s.id, s.user_id, s.token_hash, x.e, ${sessionJson('s')} AS record,
          pg_notify($4::text, x.e->>'notice')
      ),
      tombstones AS (${tombstonesFrom(s, 'ended')})
    SELECT record::text FROM ended`,

    find: `SELECT coalesce(
      (SELECT jsonb_build_object('kind', 'session', 'record', ${sessionJson('s')})
        FROM ${s}.sessions s WHERE s.id = $1::text),
      (SELECT jsonb_build_object('kind', 'tombstone', 'record', ${tombstoneJson('t')})
        FROM ${s}.tombstones t WHERE t.id = $1::text)
    )::text`,

    // Never re-creates an ended session, never moves last-seen backwards.
    touch: `UPDATE ${s}.sessions SET last_seen_at = $2::bigint, expires_at = $3::bigint
      WHERE id = $1::text AND last_seen_at < $2::bigint`,

    lapsed: `SELECT coalesce(jsonb_agg(${sessionJson('s')}), '[]'::jsonb)::text
      FROM (SELECT * FROM ${s}.sessions WHERE expires_at <= $1::bigint
        ORDER BY expires_at LIMIT $2::bigint) s`,

    prune: `WITH
      forgotten AS (DELETE FROM ${s}.tombstones WHERE keep_until <= $1::bigint RETURNING 1),
      emptied AS (
        DELETE FROM ${s}.users u
        WHERE NOT EXISTS (SELECT 1 FROM ${s}.sessions WHERE user_id = u.user_id)
        RETURNING 1
      )
    SELECT ((SELECT count(*) FROM forgotten) + (SELECT count(*) FROM emptied))::text`,
  };
}
