import { describe, expect, it } from 'vitest';
import {
  createSessionLimiter,
  parseDuration,
  type SessionLimiterOptions,
} from '../../src/index.js';

function configError(options: unknown): unknown {
  try {
    createSessionLimiter(options as SessionLimiterOptions);
  } catch (error) {
    return error;
  }
  return null;
}

describe('durations', () => {
  it('reads numbers and unit strings', () => {
    expect(parseDuration(1500, 'x')).toBe(1500);
    expect(parseDuration('500ms', 'x')).toBe(500);
    expect(parseDuration('30s', 'x')).toBe(30_000);
    expect(parseDuration('15m', 'x')).toBe(900_000);
    expect(parseDuration('8h', 'x')).toBe(28_800_000);
    expect(parseDuration('7d', 'x')).toBe(604_800_000);
    expect(parseDuration('2w', 'x')).toBe(1_209_600_000);
    expect(parseDuration('1.5h', 'x')).toBe(5_400_000);
    expect(parseDuration(Infinity, 'x')).toBe(Infinity);
  });

  it('refuses nonsense with INVALID_CONFIG naming the field', () => {
    for (const bad of [0, -1, NaN, '', '15', '15 minutes', 'm', '-5m', null, {}, '1e3m']) {
      expect(() => parseDuration(bad, 'idleTimeout')).toThrow(
        expect.objectContaining({ code: 'INVALID_CONFIG', field: 'idleTimeout' }),
      );
    }
    expect(() => parseDuration(Infinity, 'touchInterval', false)).toThrow(/touchInterval/);
  });
});

describe('limiter options and policies', () => {
  it('names the bad field', () => {
    const cases: [unknown, string][] = [
      [{ policy: { max: 0 } }, 'policy.max'],
      [{ policy: { max: 1.5 } }, 'policy.max'],
      [{ policy: { max: -1 } }, 'policy.max'],
      [{ policy: { max: '2' } }, 'policy.max'],
      [{ policy: { onLimit: 'queue' } }, 'policy.onLimit'],
      [{ policy: { evict: 'newest' } }, 'policy.evict'],
      [{ policy: { perDevice: { mobile: 0 } } }, 'policy.perDevice.mobile'],
      [{ policy: { perDevice: [1] } }, 'policy.perDevice'],
      [{ policy: { idleTimeout: 'soon' } }, 'policy.idleTimeout'],
      [{ policy: { maxx: 1 } }, 'policy.maxx'],
      [{ policy: 3 }, 'policy'],
      [{ idleTimeout: 0 }, 'idleTimeout'],
      [{ absoluteTimeout: '1y' }, 'absoluteTimeout'],
      [{ touchInterval: Infinity }, 'touchInterval'],
      [{ tombstoneTtl: -5 }, 'tombstoneTtl'],
      [{ pruneInterval: true }, 'pruneInterval'],
      [{ now: 5 }, 'now'],
      [{ store: {} }, 'store'],
      [{ cache: { maxEntries: 0 } }, 'cache.maxEntries'],
      [{ secretCache: { maxEntries: 1.5 } }, 'secretCache.maxEntries'],
      [{ secretCache: 100 }, 'secretCache'],
      [{ unknown: 1 }, 'unknown'],
      [{ cache: { tll: '5s' } }, 'cache.tll'],
      [{ secretCache: { max: 5 } }, 'secretCache.max'],
    ];
    for (const [options, field] of cases) {
      expect(configError(options), JSON.stringify(options)).toMatchObject({
        code: 'INVALID_CONFIG',
        field,
      });
    }
  });

  it('has messages a person understands', () => {
    expect(configError({ policy: { max: 0 } })).toHaveProperty(
      'message',
      '[session-limiter] policy.max must be a whole number >= 1, or Infinity for no limit (got 0)',
    );
  });

  it('checks a policy returned by a function at login, naming it', async () => {
    const limiter = createSessionLimiter<{ plan: string }>({
      policy: () => ({ max: 0 }),
      pruneInterval: false,
    });
    await expect(limiter.open({ userId: 'u', user: { plan: 'x' } })).rejects.toMatchObject({
      code: 'INVALID_CONFIG',
      field: 'policy(user).max',
    });
    await expect(limiter.open({ userId: 'u' })).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
      field: 'user',
    });
  });

  it('refuses bad arguments with INVALID_ARGUMENT', async () => {
    const limiter = createSessionLimiter({ pruneInterval: false });
    for (const userId of ['', 42, null, 'x'.repeat(257), 'a\u0000b', 'lone \uD800 surrogate']) {
      await expect(limiter.open({ userId } as never)).rejects.toMatchObject({
        code: 'INVALID_ARGUMENT',
      });
      await expect(limiter.list(userId as string)).rejects.toMatchObject({
        code: 'INVALID_ARGUMENT',
      });
    }
    await expect(
      limiter.open({ userId: 'u', data: { big: 'x'.repeat(20_000) } }),
    ).rejects.toMatchObject({
      field: 'data',
    });
    await expect(limiter.open({ userId: 'u', replace: 5 } as never)).rejects.toMatchObject({
      field: 'replace',
    });
    await expect(limiter.revoke('u', 'x', { reason: 'has spaces' })).rejects.toMatchObject({
      field: 'reason',
    });
    await limiter.dispose();
    await expect(limiter.open({ userId: 'u' })).rejects.toMatchObject({ code: 'DISPOSED' });
  });
});
