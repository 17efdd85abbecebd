// What every integration with an owning system (better-auth, Auth.js, an identity provider)
// shares: the per-request standing of a tracked session, the view of live sessions shown after
// a refusal, and the HTTP status of a limiter failure.
import { SessionLimiterError } from '../errors.js';
import type { SessionLimiter } from '../limiter.js';
import type { TrackResult } from '../results.js';
import type { DeviceInfo } from '../device.js';
import type { SessionInfo } from '../session.js';

/**
 * A live session as a refused sign-in lists it: the owning system's id (the one to name in
 * `replace`), the device and times. Never a token.
 *
 * @example
 * ```ts
 * const active: OwnedSessionView[] = ownedSessionsView(refused.active);
 * ```
 */
export interface OwnedSessionView {
  /** The owning system's id of the session: what `replace` names. */
  id: string;
  device: DeviceInfo;
  createdAt: number;
  lastSeenAt: number;
}

/**
 * The live sessions of a refusal as the owning system's users see them.
 *
 * @example
 * ```ts
 * if (!r.ok) return Response.json({ code: r.code, active: ownedSessionsView(r.active) }, { status: 409 });
 * ```
 */
export function ownedSessionsView(active: readonly SessionInfo[]): OwnedSessionView[] {
  return active.map((s) => ({
    id: s.externalId ?? s.id,
    device: s.device,
    createdAt: s.createdAt,
    lastSeenAt: s.lastSeenAt,
  }));
}

/**
 * Whether a session its owner presents may be used: live in the registry (`isLive`, which also
 * keeps its idle timeout fresh); ended (evicted, revoked, timed out) is false; never tracked is
 * tracked now, "at first sight", and kept if the policy admits it.
 *
 * @example
 * ```ts
 * const ok = await standing(limiter, {
 *   userId: claims.sub,
 *   externalId: claims.sid,
 *   track: () => limiter.track({ userId: claims.sub, externalId: claims.sid }),
 * });
 * ```
 */
export async function standing(
  limiter: Pick<SessionLimiter<never>, 'isLive' | 'whyEnded'>,
  session: { userId: string; externalId: string; track: () => Promise<TrackResult> },
): Promise<boolean> {
  if (await limiter.isLive(session.userId, session.externalId)) return true;
  if (await limiter.whyEnded(session.userId, session.externalId)) return false;
  try {
    return (await session.track()).ok;
  } catch (error) {
    // It ended between the two looks: `track` refuses an id whose session ended.
    if (error instanceof SessionLimiterError && error.code === 'INVALID_ARGUMENT') return false;
    throw error;
  }
}

/**
 * The HTTP status for a limiter failure: 400 for a bad argument (a malformed `replace`), 500 for
 * a bad policy, 503 for everything else (the store could not be reached: fail closed).
 *
 * @example
 * ```ts
 * catch (error) { if (error instanceof SessionLimiterError) return new Response(null, { status: failureStatus(error) }); }
 * ```
 */
export function failureStatus(error: SessionLimiterError): 400 | 500 | 503 {
  if (error.code === 'INVALID_ARGUMENT') return 400;
  if (error.code === 'INVALID_CONFIG') return 500;
  return 503;
}
