import { describe, expect, it } from 'vitest';
import { createSessionLimiter, MemoryStore, type SessionLimiterOptions } from '../../src/index.js';

describe('maxSessionsPerUser', () => {
  it('keeps one account within the default ceiling of 1,000 under max: Infinity', async () => {
    let clock = Date.UTC(2026, 0, 1);
    const store = new MemoryStore();
    const limiter = createSessionLimiter({
      store,
      policy: { max: Infinity },
      pruneInterval: false,
      now: () => clock,
    });
    const evicted: string[] = [];
    limiter.on('evicted', (e) => evicted.push(e.reason));
    for (let i = 0; i < 1_050; i++) {
      clock += 1;
      expect((await limiter.open({ userId: 'storm' })).ok).toBe(true);
    }
    expect(await limiter.list('storm')).toHaveLength(1_000);
    expect(store.size).toBe(1_000);
    expect(evicted).toEqual(Array.from({ length: 50 }, () => 'evicted'));
    await limiter.dispose();
  });

  it('is a whole number >= 1', () => {
    for (const bad of [0, -1, 1.5, Infinity, NaN, '10', null]) {
      expect(
        () => createSessionLimiter({ maxSessionsPerUser: bad } as unknown as SessionLimiterOptions),
        String(bad),
      ).toThrow(expect.objectContaining({ code: 'INVALID_CONFIG', field: 'maxSessionsPerUser' }));
    }
  });
});
