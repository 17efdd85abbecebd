import { describe, expect, it } from 'vitest';
import { planOpen } from '../../src/plan.js';
import { type Policy, type ResolvedPolicy } from '../../src/index.js';
import { resolvePolicy } from '../../src/policy.js';
import type { SessionRecord } from '../../src/session.js';

const NOW = 1_000_000;
const DEFAULTS = { idleTimeout: 60_000, absoluteTimeout: Infinity };

function policy(input: Policy = {}): ResolvedPolicy {
  return resolvePolicy(input, DEFAULTS);
}

/** A live session `age` ms old, last seen `idle` ms ago. */
function session(id: string, kind = 'desktop', age = 0, idle = age): SessionRecord {
  const lastSeenAt = NOW - idle;
  return {
    id,
    userId: 'u',
    tokenHash: `hash-${id}`,
    createdAt: NOW - age,
    lastSeenAt,
    idleTimeout: 60_000,
    absoluteExpiresAt: null,
    expiresAt: lastSeenAt + 60_000,
    generation: 0,
    device: { kind, label: kind },
  };
}

/** What the plan ends, as `id:reason`, in order. */
function ends(plan: ReturnType<typeof planOpen>): string[] {
  if (!plan.ok) throw new Error('expected the login to go ahead');
  return plan.end.map((e) => `${e.record.id}:${e.reason}`);
}

function open(
  sessions: SessionRecord[],
  given: Policy,
  kind = 'desktop',
  replace?: string,
  ceiling = 1_000,
): ReturnType<typeof planOpen> {
  return planOpen({ sessions, kind, policy: policy(given), now: NOW, replace, ceiling });
}

describe('planOpen', () => {
  it('goes ahead and ends nothing under the limit', () => {
    expect(ends(open([session('a')], { max: 2 }))).toEqual([]);
    expect(ends(open([], { max: 1 }))).toEqual([]);
  });

  it('ends lapsed sessions first, and they never hold a slot', () => {
    const lapsed = session('old', 'desktop', 70_000, 61_000);
    const absolute = { ...session('abs', 'desktop', 10), absoluteExpiresAt: NOW - 1 };
    expect(ends(open([lapsed, absolute], { max: 1 }))).toEqual([
      'old:idle-timeout',
      'abs:absolute-timeout',
    ]);
  });

  it('at the limit, evicts the least recently active by default, or the oldest', () => {
    const a = session('a', 'desktop', 50, 5);
    const b = session('b', 'desktop', 10, 10);
    expect(ends(open([a, b], { max: 2 }))).toEqual(['b:evicted']);
    expect(ends(open([a, b], { max: 2, evict: 'oldest' }))).toEqual(['a:evicted']);
    expect(ends(open([a, b], { max: 1 }))).toEqual(['b:evicted', 'a:evicted']);
  });

  it('breaks ties by login time, then id, so every store decides alike', () => {
    const x = session('x', 'desktop', 20, 5);
    const y = session('y', 'desktop', 30, 5);
    const z = session('z', 'desktop', 30, 5);
    expect(ends(open([z, x, y], { max: 1 }))).toEqual(['y:evicted', 'z:evicted', 'x:evicted']);
  });

  it('reject: refuses with the live sessions, most recently active first, lapsed ones listed apart', () => {
    const lapsed = session('old', 'desktop', 70_000, 61_000);
    const a = session('a', 'desktop', 50, 40);
    const b = session('b', 'desktop', 10, 10);
    const plan = open([lapsed, a, b], { max: 2, onLimit: 'reject' });
    expect(plan.ok).toBe(false);
    if (plan.ok) return;
    expect(plan.live.map((s) => s.id)).toEqual(['b', 'a']);
    expect(plan.lapsed.map((e) => `${e.record.id}:${e.reason}`)).toEqual(['old:idle-timeout']);
  });

  it('replace signs out the chosen live session and frees its slot', () => {
    const a = session('a', 'desktop', 50, 40);
    const b = session('b', 'desktop', 10, 10);
    const reject: Policy = { max: 2, onLimit: 'reject' };
    expect(ends(open([a, b], reject, 'desktop', 'b'))).toEqual(['b:replaced']);
    // An id that is not one of these live sessions frees nothing.
    const refused = open([a, b], reject, 'desktop', 'elsewhere');
    expect(refused.ok).toBe(false);
    if (!refused.ok) expect(refused.live.map((s) => s.id)).toEqual(['b', 'a']);
  });

  it('perDevice: a full kind makes room within itself first', () => {
    const phone = session('phone', 'mobile', 100, 100);
    const desktop = session('desk', 'desktop', 200, 200);
    const caps: Policy = { perDevice: { mobile: 1, desktop: 1 } };
    expect(ends(open([phone, desktop], caps, 'mobile'))).toEqual(['phone:evicted']);
    // Kinds are compared without case.
    expect(ends(open([phone, desktop], caps, 'MOBILE'))).toEqual(['phone:evicted']);
  });

  it('perDevice with max: the login makes room in its own kind before touching others', () => {
    const phone = session('phone', 'mobile', 10, 10);
    const old = session('old', 'desktop', 500, 500);
    const tablet = session('tab', 'tablet', 50, 50);
    const caps: Policy = { perDevice: { mobile: 2 }, max: 3 };
    // Three live, at max: the new phone evicts the other phone although the desktop is idler.
    expect(ends(open([phone, old, tablet], caps, 'mobile'))).toEqual(['phone:evicted']);
    // A kind with no session of its own evicts the least recently active of the rest.
    expect(ends(open([phone, old, tablet], caps, 'other'))).toEqual(['old:evicted']);
  });

  it('perDevice without max: a kind not listed shares the sum of the caps', () => {
    const phone = session('phone', 'mobile', 10, 10);
    const desk = session('desk', 'desktop', 500, 500);
    const caps: Policy = { perDevice: { mobile: 1, desktop: 1 } };
    // Two live, the sum of the caps: a claimed tablet (or curl) makes room like any login.
    expect(ends(open([phone, desk], caps, 'tablet'))).toEqual(['desk:evicted']);
    expect(ends(open([phone], caps, 'other'))).toEqual([]);
    expect(open([phone, desk], { ...caps, onLimit: 'reject' }, 'other').ok).toBe(false);
  });

  it('the ceiling evicts the least recently active, whatever the policy says', () => {
    const a = session('a', 'desktop', 500, 5);
    const b = session('b', 'mobile', 100, 100);
    const c = session('c', 'desktop', 50, 50);
    const all = [a, b, c];
    expect(ends(open(all, {}, 'desktop', undefined, 3))).toEqual(['b:evicted']);
    expect(ends(open(all, { evict: 'oldest' }, 'desktop', undefined, 2))).toEqual([
      'b:evicted',
      'c:evicted',
    ]);
    expect(ends(open(all, { max: 10, onLimit: 'reject' }, 'desktop', undefined, 3))).toEqual([
      'b:evicted',
    ]);
    // Under it, nothing changes; a policy refusal stays a refusal.
    expect(ends(open(all, {}, 'desktop', undefined, 4))).toEqual([]);
    expect(open(all, { max: 3, onLimit: 'reject' }, 'desktop', undefined, 3).ok).toBe(false);
    // After the policy's own evictions, only what is still over goes.
    expect(ends(open(all, { max: 3, evict: 'oldest' }, 'desktop', undefined, 2))).toEqual([
      'a:evicted',
      'b:evicted',
    ]);
  });

  it('perDevice with reject refuses a full kind and admits another', () => {
    const phone = session('phone', 'mobile');
    const caps: Policy = { perDevice: { mobile: 1 }, max: 3, onLimit: 'reject' };
    expect(open([phone], caps, 'mobile').ok).toBe(false);
    expect(ends(open([phone], caps, 'desktop'))).toEqual([]);
  });
});
