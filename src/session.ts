import type { DeviceInfo } from './device.js';

/**
 * Any value JSON can carry: what `data` on a session may hold.
 *
 * @example
 * ```ts
 * const data: JsonValue = { plan: 'family', seats: [1, 2] };
 * ```
 */
export type JsonValue =
  string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

/**
 * One live (or just ended) session as the app sees it. `id` is a public handle, safe to show
 * and to pass to `revoke`; it cannot be turned into the token.
 *
 * @example
 * ```ts
 * for (const s of await limiter.list(userId)) {
 *   console.log(s.id, s.device.label, new Date(s.lastSeenAt).toISOString());
 * }
 * ```
 */
export interface SessionInfo {
  id: string;
  userId: string;
  /** When the session was opened (epoch milliseconds). */
  createdAt: number;
  /** When it was last seen, to the limiter's `touchInterval`. */
  lastSeenAt: number;
  /** When it will end if unused (idle or absolute timeout, whichever is first); null for never. */
  expiresAt: number | null;
  device: DeviceInfo;
  data?: JsonValue;
  /** For a session another system owns (`limiter.track`): that system's id of it. */
  externalId?: string;
}

/**
 * A session as a store keeps it: the public fields plus the token hash and the timeouts fixed at
 * login. Stores persist these fields as given; the core computes them.
 *
 * @example
 * ```ts
 * // In a custom store: keep every field as given, and give it back exactly.
 * async find(id: string) {
 *   const row = await db.get(id);
 *   return row ? { kind: 'session', record: JSON.parse(row.json) as SessionRecord } : null;
 * }
 * ```
 */
export interface SessionRecord {
  id: string;
  userId: string;
  /** SHA-256 of the token's secret, base64url. */
  tokenHash: string;
  createdAt: number;
  lastSeenAt: number;
  /** Idle timeout in milliseconds, null for none. */
  idleTimeout: number | null;
  /** The moment the absolute timeout ends the session, null for never. */
  absoluteExpiresAt: number | null;
  /** min(lastSeenAt + idleTimeout, absoluteExpiresAt): when the session dies; null for never. */
  expiresAt: number | null;
  /** Bumped each time the session's credential rotates (JWT refresh); 0 at login. */
  generation: number;
  device: DeviceInfo;
  data?: JsonValue;
}

/**
 * What is left of an ended session for a while: enough for `validate` to tell the device why.
 *
 * @example
 * ```ts
 * const found = await store.find(sessionId);
 * if (found?.kind === 'tombstone') console.log(found.record.reason, new Date(found.record.at));
 * ```
 */
export interface TombstoneRecord {
  id: string;
  userId: string;
  tokenHash: string;
  reason: string;
  /** When the session ended. */
  at: number;
  /** The login that evicted or replaced it, when there was one. */
  by?: SessionInfo;
  /** When the store may forget this tombstone. */
  keepUntil: number;
}

/**
 * Why one session ended. Handed to watchers and carried by the store's push channel.
 *
 * @example
 * ```ts
 * limiter.watch(session.id, (ended: SessionEnded) => console.log(ended.reason, ended.by?.device.label));
 * ```
 */
export interface SessionEnded {
  session: SessionInfo;
  /** `'evicted' | 'replaced' | 'revoked' | 'logout' | 'idle-timeout' | 'absolute-timeout'` or the app's own. */
  reason: string;
  at: number;
  by?: SessionInfo;
}

/**
 * How a store should end a session: the notice to keep as a tombstone and to publish.
 *
 * @example
 * ```ts
 * // In a custom store's endSession(end): delete the session, keep a tombstone until
 * // end.keepUntil, and publish the notice to other processes.
 * await pubsub.publish(channel, JSON.stringify(end));
 * ```
 */
export interface SessionEnd extends SessionEnded {
  /** When the tombstone may be forgotten. */
  keepUntil: number;
  /** The limiter instance that ended it, so it can skip its own notices on the push channel. */
  origin: string;
}

/** The reasons the library itself gives. Apps may pass their own to `revoke`. */
export const END_REASONS = {
  evicted: 'evicted',
  replaced: 'replaced',
  revoked: 'revoked',
  logout: 'logout',
  idle: 'idle-timeout',
  absolute: 'absolute-timeout',
} as const;

/** The public view of a stored session. */
export function toSessionInfo(record: SessionRecord): SessionInfo {
  const info: SessionInfo = {
    id: record.id,
    userId: record.userId,
    createdAt: record.createdAt,
    lastSeenAt: record.lastSeenAt,
    expiresAt: record.expiresAt,
    device: record.device,
  };
  if (record.data !== undefined) info.data = record.data;
  const externalId = externalIdOf(record.tokenHash);
  if (externalId !== null) info.externalId = externalId;
  return info;
}

/**
 * A session another system owns (`limiter.track`) has no token: in place of a token hash it
 * keeps this prefix and the owner's id of it, which no presented secret can ever match (a hash is
 * 43 base64url characters and has no `:`).
 */
export const EXTERNAL_PREFIX = 'external:';

/** The owner's id of a tracked session, from its stored token hash; null for a limiter session. */
export function externalIdOf(tokenHash: string): string | null {
  return tokenHash.startsWith(EXTERNAL_PREFIX) ? tokenHash.slice(EXTERNAL_PREFIX.length) : null;
}

/**
 * An ended session as a push channel carries it: without the app data of the session or of
 * `by` (up to 16 KiB each), so messages stay small. The input is left as it is.
 */
export function noticeWithoutData(end: SessionEnd): SessionEnd {
  const notice: SessionEnd = { ...end, session: infoWithoutData(end.session) };
  if (end.by) notice.by = infoWithoutData(end.by);
  return notice;
}

function infoWithoutData(info: SessionInfo): SessionInfo {
  const { id, userId, createdAt, lastSeenAt, expiresAt, device, externalId } = info;
  const kept: SessionInfo = { id, userId, createdAt, lastSeenAt, expiresAt, device };
  if (externalId !== undefined) kept.externalId = externalId;
  return kept;
}

/** When a session with these timeouts dies if it is not used again. */
export function expiryOf(
  lastSeenAt: number,
  idleTimeout: number | null,
  absoluteExpiresAt: number | null,
): number | null {
  const idleEnd = idleTimeout === null ? null : lastSeenAt + idleTimeout;
  if (idleEnd === null) return absoluteExpiresAt;
  return absoluteExpiresAt === null ? idleEnd : Math.min(idleEnd, absoluteExpiresAt);
}

/** The reason a session is dead at `now`, or null if it is live. */
export function expiryReason(record: SessionRecord, now: number): string | null {
  if (record.absoluteExpiresAt !== null && now >= record.absoluteExpiresAt)
    return END_REASONS.absolute;
  if (record.expiresAt !== null && now >= record.expiresAt) return END_REASONS.idle;
  return null;
}
