import type { EvictionOrder, ResolvedPolicy } from './policy.js';
import { END_REASONS, expiryReason, type SessionRecord } from './session.js';

/** A session the new login will end, and why. */
export interface PlannedEnd {
  record: SessionRecord;
  reason: string;
}

/** The decision for one login: go ahead (ending some sessions) or refuse. */
export type OpenPlan =
  { ok: true; end: PlannedEnd[] } | { ok: false; live: SessionRecord[]; lapsed: PlannedEnd[] };

/**
 * Decides what a new login of `kind` does to a user's sessions. Pure: the whole limit policy of
 * the library is here, and every store applies its answer atomically.
 *
 * Lapsed sessions never hold a slot. `replace` names a live session to sign out first (the
 * "choose a device" flow after a rejection). Then the per-kind cap, then `max`: at each, the
 * policy either evicts the sessions first in its order (own kind first when `perDevice` is set)
 * or refuses the login. Last, the hard `ceiling` (the limiter's `maxSessionsPerUser`), whatever
 * the policy: the least recently active sessions past it are evicted.
 */
export function planOpen(input: {
  sessions: readonly SessionRecord[];
  kind: string;
  policy: ResolvedPolicy;
  now: number;
  replace?: string | undefined;
  ceiling: number;
}): OpenPlan {
  const { policy, kind } = input;
  const lapsed: PlannedEnd[] = [];
  let live: SessionRecord[] = [];
  for (const record of input.sessions) {
    const reason = expiryReason(record, input.now);
    if (reason) lapsed.push({ record, reason });
    else live.push(record);
  }

  const end: PlannedEnd[] = [...lapsed];
  const replaced =
    input.replace === undefined ? undefined : live.find((s) => s.id === input.replace);
  if (replaced) {
    end.push({ record: replaced, reason: END_REASONS.replaced });
    live = live.filter((s) => s !== replaced);
  }

  const kindCap = policy.perDevice.get(kind.toLowerCase());
  const sameKind = live.filter((s) => s.device.kind.toLowerCase() === kind.toLowerCase());
  const overKind = kindCap === undefined ? 0 : sameKind.length - kindCap + 1;
  const overTotal = live.length - policy.max + 1;
  if ((overKind > 0 || overTotal > 0) && policy.onLimit === 'reject') {
    const rejectedLive = replaced ? [...live, replaced] : live;
    return { ok: false, live: sortForDisplay(rejectedLive), lapsed };
  }

  const evicted = new Set<SessionRecord>();
  if (overKind > 0) {
    for (const s of inEvictionOrder(sameKind, policy.evict).slice(0, overKind)) evicted.add(s);
  }
  const stillOver = live.length - evicted.size - policy.max + 1;
  if (stillOver > 0) {
    const remaining = live.filter((s) => !evicted.has(s));
    // With per-kind caps, a login first makes room within its own kind.
    const ordered =
      policy.perDevice.size > 0
        ? [
            ...inEvictionOrder(
              remaining.filter((s) => sameKind.includes(s)),
              policy.evict,
            ),
            ...inEvictionOrder(
              remaining.filter((s) => !sameKind.includes(s)),
              policy.evict,
            ),
          ]
        : inEvictionOrder(remaining, policy.evict);
    for (const s of ordered.slice(0, stillOver)) evicted.add(s);
  }
  // The ceiling holds whatever the policy allows, so no account grows without bound.
  const kept = live.filter((s) => !evicted.has(s));
  const overCeiling = kept.length - input.ceiling + 1;
  if (overCeiling > 0) {
    for (const s of inEvictionOrder(kept, 'least-recently-active').slice(0, overCeiling)) {
      evicted.add(s);
    }
  }
  for (const record of evicted) end.push({ record, reason: END_REASONS.evicted });
  return { ok: true, end };
}

function inEvictionOrder(sessions: SessionRecord[], order: EvictionOrder): SessionRecord[] {
  const key = order === 'oldest' ? 'createdAt' : 'lastSeenAt';
  return [...sessions].sort(
    (a, b) => a[key] - b[key] || a.createdAt - b.createdAt || (a.id < b.id ? -1 : 1),
  );
}

/** Most recently active first: the order a "your sessions" list shows. */
export function sortForDisplay<T extends { lastSeenAt: number; createdAt: number }>(
  sessions: T[],
): T[] {
  return [...sessions].sort((a, b) => b.lastSeenAt - a.lastSeenAt || b.createdAt - a.createdAt);
}
