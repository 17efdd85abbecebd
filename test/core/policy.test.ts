import { describe, expect, it } from 'vitest';
import { resolvePolicy } from '../../src/policy.js';

const DEFAULTS = { idleTimeout: 1_800_000, absoluteTimeout: 43_200_000 };

function refusal(policy: unknown, field?: string): unknown {
  try {
    resolvePolicy(policy, DEFAULTS, field);
  } catch (error) {
    return error;
  }
  return null;
}

describe('resolvePolicy', () => {
  it('fills in every default', () => {
    expect(resolvePolicy({}, DEFAULTS)).toEqual({
      max: Infinity,
      onLimit: 'evict',
      evict: 'least-recently-active',
      perDevice: new Map(),
      idleTimeout: 1_800_000,
      absoluteTimeout: 43_200_000,
    });
  });

  it('keeps what is given, durations in milliseconds and kinds lower-cased', () => {
    expect(
      resolvePolicy(
        {
          max: 3,
          onLimit: 'reject',
          evict: 'oldest',
          perDevice: { Mobile: 1, desktop: 2 },
          idleTimeout: '15m',
          absoluteTimeout: Infinity,
        },
        DEFAULTS,
      ),
    ).toEqual({
      max: 3,
      onLimit: 'reject',
      evict: 'oldest',
      perDevice: new Map([
        ['mobile', 1],
        ['desktop', 2],
      ]),
      idleTimeout: 900_000,
      absoluteTimeout: Infinity,
    });
  });

  it('bounds a perDevice policy without max by the sum of its caps', () => {
    expect(resolvePolicy({ perDevice: { mobile: 1, desktop: 2 } }, DEFAULTS).max).toBe(3);
    expect(resolvePolicy({ perDevice: { mobile: 1 }, max: 5 }, DEFAULTS).max).toBe(5);
    expect(resolvePolicy({ perDevice: {} }, DEFAULTS).max).toBe(Infinity);
  });

  it('refuses bad policies with INVALID_CONFIG naming the field', () => {
    const cases: [unknown, string][] = [
      [null, 'policy'],
      [[], 'policy'],
      ['max 1', 'policy'],
      [{ max: 0 }, 'policy.max'],
      [{ max: NaN }, 'policy.max'],
      [{ max: -Infinity }, 'policy.max'],
      [{ onLimit: 'wait' }, 'policy.onLimit'],
      [{ evict: 'random' }, 'policy.evict'],
      [{ perDevice: 'mobile' }, 'policy.perDevice'],
      [{ perDevice: { tablet: 2.5 } }, 'policy.perDevice.tablet'],
      [{ absoluteTimeout: '1 day' }, 'policy.absoluteTimeout'],
      [{ maximum: 1 }, 'policy.maximum'],
    ];
    for (const [policy, field] of cases) {
      expect(refusal(policy), JSON.stringify(policy)).toMatchObject({
        code: 'INVALID_CONFIG',
        field,
      });
    }
  });

  it('names where the policy came from', () => {
    expect(refusal({ max: 0 }, 'policy(user)')).toMatchObject({ field: 'policy(user).max' });
    expect(refusal({ extra: true })).toHaveProperty(
      'message',
      '[session-limiter] policy.extra is not an option of a policy (known: max, onLimit, evict, perDevice, idleTimeout, absoluteTimeout)',
    );
  });
});
