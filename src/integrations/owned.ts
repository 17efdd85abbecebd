// What every integration with an owning system (better-auth, Auth.js, an identity provider)
// shares: the per-request standing of a tracked session, the view of live sessions shown after
// a refusal, and the HTTP status of a limiter failure.
import { SessionLimiterError } from '../errors.js';
import type { SessionLimiter } from '../limiter.js';
import type { InvalidSession, TrackResult } from '../results.js';
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
 * The standing of a session its owner presents: `live`, `ended` (evicted, revoked, timed out:
 * why), or `refused` (never tracked, and the policy did not admit it at first sight).
 *
 * @example
 * ```ts
 * const s: Standing = await standingOf(limiter, { userId, externalId, track });
 * if (s.kind === 'ended') console.log(s.ended.reason);
 * ```
 */
export type Standing =
  | { kind: 'live'; ended: string[] }
  | { kind: 'ended'; ended: InvalidSession }
  | { kind: 'refused'; active: SessionInfo[] };

/**
 * Whether a session its owner presents may be used: live in the registry (`isLive`, which also
 * keeps its idle timeout fresh); ended (evicted, revoked, timed out) is not; a session never
 * tracked is tracked now, "at first sight", and admitted if the policy admits it (`ended` then
 * lists the external ids that admission ended).
 *
 * @example
 * ```ts
 * const s = await standingOf(limiter, {
 *   userId: claims.sub,
 *   externalId: claims.sid,
 *   track: () => limiter.track({ userId: claims.sub, externalId: claims.sid }),
 * });
 * if (s.kind !== 'live') return unauthorized();
 * ```
 */
export async function standingOf(
  limiter: Pick<SessionLimiter<never>, 'isLive' | 'whyEnded'>,
  session: { userId: string; externalId: string; track: () => Promise<TrackResult> },
): Promise<Standing> {
  const { userId, externalId } = session;
  if (await limiter.isLive(userId, externalId)) return { kind: 'live', ended: [] };
  const ended = await limiter.whyEnded(userId, externalId);
  if (ended) return { kind: 'ended', ended };
  let tracked: TrackResult;
  try {
    tracked = await session.track();
  } catch (error) {
    // It ended between the looks: `track` refuses an id whose session ended.
    const late = await limiter.whyEnded(userId, externalId);
    if (late && error instanceof SessionLimiterError && error.code === 'INVALID_ARGUMENT') {
      return { kind: 'ended', ended: late };
    }
    throw error;
  }
  return tracked.ok
    ? { kind: 'live', ended: tracked.ended }
    : { kind: 'refused', active: tracked.active };
}

/**
 * {@link standingOf} as a yes or no: may this session be used?
 *
 * @example
 * ```ts
 * if (!(await standing(limiter, { userId, externalId, track }))) return signOut();
 * ```
 */
export async function standing(
  limiter: Pick<SessionLimiter<never>, 'isLive' | 'whyEnded'>,
  session: { userId: string; externalId: string; track: () => Promise<TrackResult> },
): Promise<boolean> {
  return (await standingOf(limiter, session)).kind === 'live';
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
