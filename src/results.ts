// The shapes the limiter's operations take and give.
import type { DeviceInput } from './device.js';
import { END_REASONS, type JsonValue, type SessionEnded, type SessionInfo } from './session.js';

/**
 * What `open` needs to know about a login.
 *
 * @example
 * ```ts
 * const input: OpenInput<User> = {
 *   userId: user.id,
 *   user,
 *   device: { userAgent: req.get('user-agent'), ip: req.ip },
 * };
 * ```
 */
export interface OpenInput<TUser = unknown> {
  /** The account. Any non-empty string up to 256 characters. */
  userId: string;
  /** Passed to the policy function (required when the policy is a function). */
  user?: TUser;
  /** The device the login comes from; its kind and label are read from the User-Agent. */
  device?: DeviceInput;
  /** A live session of this user to sign out in the same atomic step (after a rejection). */
  replace?: string | undefined;
  /** App data kept with the session (JSON, at most 16 KiB). */
  data?: JsonValue;
}

/**
 * What `limiter.track` takes: a session another system created (better-auth, Auth.js, an identity
 * provider's `sid`), to hold to the same policy as `open` does.
 *
 * @example
 * ```ts
 * const input: TrackInput<User> = { userId: user.id, user, externalId: session.id, device: { userAgent } };
 * ```
 */
export interface TrackInput<TUser = unknown> {
  /** The account. */
  userId: string;
  /** Passed to the policy function (required when the policy is a function). */
  user?: TUser;
  /** The owning system's id of the session: 1-256 printable ASCII characters, not a secret. */
  externalId: string;
  /** The device the session was opened from. */
  device?: DeviceInput;
  /** The external id of a live session of this user to end in the same atomic step. */
  replace?: string | undefined;
  /** App data kept with the session (JSON, at most 16 KiB). */
  data?: JsonValue;
}

/**
 * The answer of `track`: the session is held (with the external ids the owner must now delete),
 * or refused at the limit with the live sessions listed (each with its `externalId`).
 *
 * @example
 * ```ts
 * const r = await limiter.track({ userId, user, externalId });
 * if (r.ok) await Promise.all(r.ended.map((id) => db.deleteSession(id)));
 * ```
 */
export type TrackResult =
  | { ok: true; session: SessionInfo; evicted: SessionInfo[]; ended: string[] }
  | { ok: false; code: 'SESSION_LIMIT_REACHED'; active: SessionInfo[] };

/**
 * The answer of `open`: a new session and its token, or a refusal listing the live sessions.
 *
 * @example
 * ```ts
 * const r = await limiter.open({ userId, user });
 * if (!r.ok) return res.status(409).json({ code: r.code, active: r.active });
 * setCookie(r.token);
 * ```
 */
export type OpenResult =
  | { ok: true; token: string; session: SessionInfo; evicted: SessionInfo[] }
  | { ok: false; code: 'SESSION_LIMIT_REACHED'; active: SessionInfo[] };

/**
 * Why `validate` refused a token.
 *
 * @example
 * ```ts
 * if (!v.ok && v.code === 'SESSION_EXPIRED') res.status(401).json({ error: 'Please sign in again.' });
 * ```
 */
export type InvalidSessionCode = 'SESSION_REVOKED' | 'SESSION_EXPIRED' | 'SESSION_UNKNOWN';

/**
 * The refusal half of {@link ValidateResult}: which code, and for an ended session why, when,
 * and (for an eviction) the login that caused it.
 *
 * @example
 * ```ts
 * const dead: InvalidSession = { ok: false, code: 'SESSION_REVOKED', reason: 'evicted', at, by };
 * describeSessionEnd(dead); // 'You were signed out because your account signed in on another device ...'
 * ```
 */
export interface InvalidSession {
  ok: false;
  code: InvalidSessionCode;
  /** `'evicted' | 'replaced' | 'revoked' | 'logout' | 'idle-timeout' | 'absolute-timeout'` or the app's own. */
  reason?: string;
  /** When the session ended. */
  at?: number;
  /** The login that evicted or replaced it. */
  by?: SessionInfo;
}

/**
 * The answer of `validate`, the per-request check.
 *
 * @example
 * ```ts
 * const v = await limiter.validate(token);
 * if (v.ok) req.user = v.session.userId;
 * else if (v.code === 'SESSION_REVOKED') console.log(v.reason, v.by?.device.label);
 * ```
 */
export type ValidateResult = { ok: true; session: SessionInfo } | InvalidSession;

/**
 * Options of `revoke` and `revokeAll`.
 *
 * @example
 * ```ts
 * await limiter.revoke(userId, sessionId, { reason: 'password-changed' } satisfies RevokeOptions);
 * ```
 */
export interface RevokeOptions {
  /** Why, as the signed-out device will be told. Default `'revoked'`. */
  reason?: string;
}

/**
 * Options of `revokeAll`.
 *
 * @example
 * ```ts
 * await limiter.revokeAll(userId, { except: currentSessionId, reason: 'signed-out-elsewhere' });
 * ```
 */
export interface RevokeAllOptions extends RevokeOptions {
  /** A session to keep: usually the caller's own ("sign out everywhere else"). */
  except?: string | undefined;
}

/**
 * What one sweep did.
 *
 * @example
 * ```ts
 * const { expired, forgotten }: PruneResult = await limiter.prune();
 * ```
 */
export interface PruneResult {
  /** Lapsed sessions ended (each emitted `expired`). */
  expired: number;
  /** Tombstones and other records forgotten. */
  forgotten: number;
}

/**
 * Listener of `watch`: called once, when the watched session ends.
 *
 * @example
 * ```ts
 * const onEnd: WatchListener = (ended) => stream.send('revoked', ended.reason);
 * const stop = limiter.watch(session.id, onEnd);
 * ```
 */
export type WatchListener = (ended: SessionEnded) => void;

/**
 * The refusal `validate` gives for a session that ended this way: `SESSION_EXPIRED` for the
 * timeouts, `SESSION_REVOKED` for everything else. Handy for turning a `watch` notice into the
 * same answer a request would get (and its sentence, with `describeSessionEnd`).
 *
 * @example
 * ```ts
 * limiter.watch(session.id, (ended) => {
 *   const refusal = invalidSessionOf(ended);
 *   stream.send('revoked', { code: refusal.code, message: describeSessionEnd(refusal) });
 * });
 * ```
 */
export function invalidSessionOf(end: {
  reason: string;
  at: number;
  by?: SessionInfo | undefined;
}): InvalidSession {
  const expired = end.reason === END_REASONS.idle || end.reason === END_REASONS.absolute;
  const result: InvalidSession = {
    ok: false,
    code: expired ? 'SESSION_EXPIRED' : 'SESSION_REVOKED',
    reason: end.reason,
    at: end.at,
  };
  if (end.by) result.by = end.by;
  return result;
}
