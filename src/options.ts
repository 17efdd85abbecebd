// The limiter's options, and the checks its inputs pass before anything reaches a store.
import type { Duration } from './duration.js';
import { parseDuration } from './duration.js';
import { argumentError, configError, describeValue, rejectUnknownKeys } from './errors.js';
import type { PolicySource } from './policy.js';
import { END_REASONS, type JsonValue, type SessionInfo } from './session.js';
import type { SessionStore } from './store.js';

const MAX_USER_ID = 256;
const MAX_REASON = 64;
const MAX_DATA_BYTES = 16 * 1024;

/**
 * Options of {@link createSessionLimiter}.
 *
 * @example
 * ```ts
 * const options: SessionLimiterOptions<User> = {
 *   store: new SqliteStore({ database: 'sessions.db' }),
 *   policy: (user) => (user.role === 'staff' ? { max: 1 } : { max: Infinity }),
 *   idleTimeout: '30m',
 *   absoluteTimeout: '12h',
 * };
 * ```
 */
export interface SessionLimiterOptions<TUser = unknown> {
  /** Where sessions live. Default: a new {@link MemoryStore} (one process only). */
  store?: SessionStore;
  /** A policy for everyone, or a function of the user. Default: `{ max: Infinity }`. */
  policy?: PolicySource<TUser>;
  /**
   * The hard ceiling of live sessions per user, whatever the policy says (`max: Infinity`
   * included): past it, a login evicts the least recently active session (reason `'evicted'`),
   * so a login storm cannot grow one account without bound. A whole number >= 1; default 1000.
   */
  maxSessionsPerUser?: number;
  /** Idle timeout for policies that set none. Default `'30m'`; `Infinity` for none. */
  idleTimeout?: Duration;
  /** Absolute timeout for policies that set none. Default `'12h'`; `Infinity` for none. */
  absoluteTimeout?: Duration;
  /**
   * How often `validate` writes a session's last-seen time: at most once per this interval
   * (and at least four times per idle timeout). Default `'1m'`. Idle timeouts are exact to it,
   * and never late.
   */
  touchInterval?: Duration;
  /** How long an ended session's reason is kept for the signed-out device. Default `'7d'`. */
  tombstoneTtl?: Duration;
  /** How often lapsed sessions and old tombstones are swept. Default `'5m'`; `false` for never. */
  pruneInterval?: Duration | false;
  /** The clock, in epoch milliseconds. Default `Date.now`. Tests pass a fake one. */
  now?: () => number;
  /** Called with errors nobody awaits: a throwing event listener, a failed background sweep. */
  onError?: (error: unknown) => void;
  /**
   * Sessions another system owns (`track`) that this process ended: evicted by a newer login,
   * replaced, revoked or lapsed (never those the owner ended with `untrack`). Delete them in the
   * owning system here, so its own session check refuses them too. Errors go to `onError`.
   */
  onEvict?: (ended: ExternalEnd[]) => void | Promise<void>;
  /**
   * The per-process lookup cache, used only with a store that has a push channel (Redis,
   * PostgreSQL) and only while that channel is up. `ttl` bounds how long an entry is trusted
   * if a push were lost without the channel noticing. Default `{ ttl: '5s', maxEntries: 10000 }`;
   * `false` turns it off.
   */
  cache?: { ttl?: Duration; maxEntries?: number } | false;
  /**
   * Secrets this process has already checked against their stored hash, kept in its memory
   * (never in a store) so a session's next request compares strings instead of hashing again.
   * The oldest is dropped past `maxEntries`; a session's secret is dropped when it ends, and a
   * request with the token of an ended session never puts it back.
   * Default `{ maxEntries: 10000 }`; `false` hashes the secret on every request.
   */
  secretCache?: { maxEntries?: number } | false;
}

/**
 * A session another system owns, ended by the limiter: what `onEvict` receives.
 *
 * @example
 * ```ts
 * onEvict: (ended: ExternalEnd[]) => Promise.all(ended.map((e) => db.deleteSession(e.externalId))),
 * ```
 */
export interface ExternalEnd {
  userId: string;
  externalId: string;
  /** `'evicted'`, `'replaced'`, `'revoked'`, `'idle-timeout'`, ... */
  reason: string;
  session: SessionInfo;
}

/** Every option `createSessionLimiter` knows. */
export const OPTION_KEYS = new Set([
  'store',
  'policy',
  'maxSessionsPerUser',
  'idleTimeout',
  'absoluteTimeout',
  'touchInterval',
  'tombstoneTtl',
  'onEvict',
  'pruneInterval',
  'now',
  'onError',
  'cache',
  'secretCache',
]);

// NUL and unpaired surrogates: text some stores cannot keep, so two ids could become one.
// eslint-disable-next-line no-control-regex
const UNSTORABLE = /\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** A user id every store can keep: 1 to 256 characters of well-formed text without NUL. */
export function checkUserId(userId: unknown, field: string): string {
  if (typeof userId !== 'string' || userId.length === 0 || userId.length > MAX_USER_ID) {
    throw argumentError(field, `must be a non-empty string of at most ${MAX_USER_ID} characters`);
  }
  if (UNSTORABLE.test(userId)) {
    throw argumentError(field, 'must be well-formed text without NUL characters');
  }
  return userId;
}

const MAX_EXTERNAL_ID = 256;
const EXTERNAL_ID = /^[\x21-\x7e]+$/;

/**
 * The id another system gives a session it owns: 1 to 256 printable ASCII characters without
 * spaces. Stored as given; never a secret, never a token.
 */
export function checkExternalId(externalId: unknown, field: string): string {
  if (
    typeof externalId !== 'string' ||
    externalId.length > MAX_EXTERNAL_ID ||
    !EXTERNAL_ID.test(externalId)
  ) {
    throw argumentError(
      field,
      `must be 1-${MAX_EXTERNAL_ID} printable ASCII characters without spaces, got ${describeValue(externalId)}`,
    );
  }
  return externalId;
}

/** An end reason: a short word, `'revoked'` when none is given. */
export function checkReason(reason: unknown): string {
  if (reason === undefined) return END_REASONS.revoked;
  if (
    typeof reason === 'string' &&
    /^[a-z0-9][a-z0-9-]*$/i.test(reason) &&
    reason.length <= MAX_REASON
  ) {
    return reason;
  }
  throw argumentError(
    'reason',
    `must be a short word such as 'revoked' or 'password-changed' (letters, digits, '-')`,
  );
}

/** App data for a session: JSON of at most 16 KiB, copied so later changes do not leak in. */
export function checkData(data: unknown): JsonValue | undefined {
  if (data === undefined) return undefined;
  let json: string | undefined;
  try {
    json = JSON.stringify(data);
  } catch {
    json = undefined;
  }
  if (json === undefined) throw argumentError('data', 'must be a JSON value');
  if (Buffer.byteLength(json) > MAX_DATA_BYTES) {
    throw argumentError('data', `must be at most ${MAX_DATA_BYTES} bytes of JSON`);
  }
  return JSON.parse(json) as JsonValue;
}

/** Refuses, up front, a store that lacks a method of the contract. */
export function assertStore(store: unknown): void {
  const methods = ['loadUser', 'commitUser', 'endSession', 'find', 'touch', 'lapsed', 'prune'];
  const missing = methods.filter(
    (m) => typeof (store as Record<string, unknown> | null)?.[m] !== 'function',
  );
  if (missing.length > 0) {
    throw configError('store', `is not a session store (missing ${missing.join(', ')})`);
  }
}

/** An optional option that must be a function when given. */
export function optionalFunction<T>(value: T | undefined, field: string): T | undefined {
  if (value === undefined || typeof value === 'function') return value;
  throw configError(field, 'must be a function');
}

/** The `cache` option: null for off, else its entry cap and time to live in milliseconds. */
export function parseCacheOption(
  option: SessionLimiterOptions['cache'],
): { maxEntries: number; ttl: number } | null {
  if (option === false) return null;
  if (option !== undefined && (typeof option !== 'object' || (option as unknown) === null)) {
    throw configError(
      'cache',
      "must be false or an object such as { ttl: '5s', maxEntries: 10000 }",
    );
  }
  if (option) rejectUnknownKeys(option, ['ttl', 'maxEntries'], 'cache', 'cache.');
  return {
    maxEntries: parseCount(option?.maxEntries, 'cache.maxEntries', 10_000),
    ttl: parseDuration(option?.ttl ?? '5s', 'cache.ttl', false),
  };
}

/** The `secretCache` option: how many verified secrets to keep, or null for none. */
export function parseSecretCacheOption(
  option: SessionLimiterOptions['secretCache'],
): number | null {
  if (option === false) return null;
  if (option !== undefined && (typeof option !== 'object' || (option as unknown) === null)) {
    throw configError('secretCache', 'must be false or an object such as { maxEntries: 10000 }');
  }
  if (option) rejectUnknownKeys(option, ['maxEntries'], 'secretCache', 'secretCache.');
  return parseCount(option?.maxEntries, 'secretCache.maxEntries', 10_000);
}

/** A count option: a whole number >= 1, `fallback` when not given. */
export function parseCount(value: unknown, field: string, fallback: number): number {
  const count = value === undefined ? fallback : value;
  if (typeof count !== 'number' || !Number.isInteger(count) || count < 1) {
    throw configError(field, `must be a whole number >= 1 (got ${describeValue(count)})`);
  }
  return count;
}
