import { describe, expect, it } from 'vitest';
import { LookupCache } from '../../src/cache.js';
import type { FoundRecord } from '../../src/index.js';

const found = (id: string): FoundRecord => ({
  kind: 'tombstone',
  record: { id, userId: 'u', tokenHash: 'h', reason: 'revoked', at: 0, keepUntil: 1 },
});

const live = (id: string, lastSeenAt = 1): FoundRecord => ({
  kind: 'session',
  record: {
    id,
    userId: 'u',
    tokenHash: 'h',
    createdAt: 1,
    lastSeenAt,
    idleTimeout: null,
    absoluteExpiresAt: null,
    expiresAt: null,
    generation: 0,
    device: { kind: 'other', label: 'Test' },
  },
});

function cache(now = () => 0, maxEntries = 100) {
  const c = new LookupCache({ maxEntries, ttl: 1_000, now });
  c.setEnabled(true);
  return c;
}

describe('LookupCache', () => {
  it('serves nothing while the push channel is down', () => {
    const c = cache();
    c.setEnabled(false);
    c.fill('a', found('a'), c.mark());
    expect(c.get('a')).toBeUndefined();
  });

  it('refuses a fill whose read began before the id was invalidated', () => {
    const c = cache();
    const mark = c.mark();
    c.invalidate('a');
    c.fill('a', found('a'), mark);
    expect(c.get('a')).toBeUndefined();
    // Other ids are unaffected, and a read that began after the invalidation may fill.
    c.fill('b', found('b'), mark);
    expect(c.get('b')).toBeDefined();
    c.fill('a', found('a'), c.mark());
    expect(c.get('a')).toBeDefined();
  });

  it('refuses fills it can no longer judge, after the channel flapped', () => {
    const c = cache();
    const mark = c.mark();
    c.setEnabled(false);
    c.setEnabled(true);
    c.fill('a', found('a'), mark);
    expect(c.get('a')).toBeUndefined();
  });

  it('refuses fills older than its memory of invalidations', () => {
    const c = cache();
    const mark = c.mark();
    for (let i = 0; i < 10_001; i++) c.invalidate(`x${i}`);
    c.fill('a', found('a'), mark);
    expect(c.get('a')).toBeUndefined();
  });

  it('refuses an update after an invalidation since its mark', () => {
    const c = cache();
    c.fill('a', live('a'), c.mark());
    const mark = c.mark();
    c.invalidate('a');
    c.fill('a', live('a'), c.mark());
    c.update('a', live('a', 2), mark);
    expect(c.get('a')).toEqual(live('a'));
    c.update('a', live('a', 3), c.mark());
    expect(c.get('a')).toEqual(live('a', 3));
  });

  it('never replaces a tombstone with a live record', () => {
    const c = cache();
    c.fill('a', found('a'), c.mark());
    c.update('a', live('a'), c.mark());
    c.fill('a', live('a'), c.mark());
    expect(c.get('a')).toEqual(found('a'));
  });

  it('expires entries after its ttl and stays within maxEntries', () => {
    let now = 0;
    const c = cache(() => now, 2);
    c.fill('a', found('a'), c.mark());
    c.fill('b', found('b'), c.mark());
    c.fill('c', found('c'), c.mark());
    expect(c.size).toBe(2);
    expect(c.get('a')).toBeUndefined();
    now = 1_000;
    expect(c.get('c')).toBeUndefined();
  });
});
