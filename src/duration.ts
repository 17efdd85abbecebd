import { configError, describeValue } from './errors.js';

/**
 * A length of time: milliseconds as a number, or a string such as `'500ms'`, `'30s'`, `'15m'`,
 * `'8h'`, `'7d'` or `'2w'`. `Infinity` means "never".
 *
 * @example
 * ```ts
 * const policy = { max: 1, idleTimeout: '15m', absoluteTimeout: '8h' } satisfies Policy;
 * ```
 */
export type Duration = number | `${number}${DurationUnit}`;

type DurationUnit = 'ms' | 's' | 'm' | 'h' | 'd' | 'w';

const UNIT_MS: Record<DurationUnit, number> = {
  ms: 1,
  s: 1_000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
};

const DURATION_PATTERN = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h|d|w)$/;

/**
 * Turns a {@link Duration} into milliseconds, or throws `INVALID_CONFIG` naming `field`.
 *
 * @param value the duration as given by the user
 * @param field the option's name, for the error message
 * @param allowInfinite whether `Infinity` ("never") is accepted
 * @example
 * ```ts
 * parseDuration('15m', 'idleTimeout'); // 900000
 * ```
 */
export function parseDuration(value: unknown, field: string, allowInfinite = true): number {
  if (typeof value === 'number') {
    if (value === Infinity && allowInfinite) return Infinity;
    if (Number.isFinite(value) && value > 0) return Math.round(value);
  } else if (typeof value === 'string') {
    const match = DURATION_PATTERN.exec(value.trim());
    if (match) {
      const ms = Number(match[1]) * UNIT_MS[match[2] as DurationUnit];
      if (ms >= 1) return Math.round(ms);
    }
  }
  const accepted = allowInfinite ? ", or Infinity for 'never'" : '';
  return invalid(field, value, accepted);
}

function invalid(field: string, value: unknown, accepted: string): never {
  throw configError(
    field,
    `must be a positive duration such as 30000, '30s', '15m', '8h' or '7d'${accepted} (got ${describeValue(value)})`,
  );
}
