import { type Duration, parseDuration } from './duration.js';
import { configError, describeValue, rejectUnknownKeys } from './errors.js';

/**
 * What a login does when the account is at its limit.
 *
 * @example
 * ```ts
 * const onLimit: LimitAction = 'reject'; // refuse, listing the live sessions
 * ```
 */
export type LimitAction = 'evict' | 'reject';

/**
 * Which session an eviction signs out first.
 *
 * @example
 * ```ts
 * const policy: Policy = { max: 3, evict: 'oldest' satisfies EvictionOrder };
 * ```
 */
export type EvictionOrder = 'least-recently-active' | 'oldest';

/**
 * How many places one account may be signed in at once, and what happens at the limit.
 *
 * @example
 * ```ts
 * const staff: Policy = { max: 1 };                                      // newest login wins
 * const family: Policy = { max: 2, onLimit: 'reject' };                  // choose a device to sign out
 * const member: Policy = { perDevice: { mobile: 1, desktop: 2 } };       // one phone, two computers
 * const customer: Policy = { max: Infinity, idleTimeout: '7d' };
 * ```
 */
export interface Policy {
  /**
   * Live sessions allowed: a whole number >= 1, or `Infinity` for no limit. Default `Infinity`,
   * or the sum of the `perDevice` caps when those are set. Above any `max`, the limiter's
   * `maxSessionsPerUser` (default 1000) is a hard ceiling: past it the least recently active
   * session is evicted, even under `Infinity` or `onLimit: 'reject'`.
   */
  max?: number;
  /** `'evict'` (default): the new login signs out an older session. `'reject'`: it is refused. */
  onLimit?: LimitAction;
  /** Which session goes first: `'least-recently-active'` (default) or `'oldest'` (earliest login). */
  evict?: EvictionOrder;
  /**
   * Caps per device kind, e.g. `{ mobile: 1, desktop: 2 }`. A new session evicts (or is rejected)
   * within its own kind first. The kind is client-claimed: it is read from the User-Agent, which
   * the client controls. So without `max`, the policy allows the sum of its caps in all (here 3),
   * and kinds not listed share that total: changing the User-Agent never buys more sessions.
   * With `max`, kinds not listed are bounded by `max`.
   */
  perDevice?: Readonly<Record<string, number>>;
  /** A session unused this long is dead and holds no slot. Defaults to the limiter's. */
  idleTimeout?: Duration;
  /** A session this old is dead, however active. Defaults to the limiter's. */
  absoluteTimeout?: Duration;
}

/**
 * A policy for everyone, or a function of the user (sync or async) that returns one: per role,
 * per plan, per user.
 *
 * @example
 * ```ts
 * const policy: PolicySource<User> = (user) =>
 *   user.role === 'staff' ? { max: 1, onLimit: 'evict' } : { max: Infinity };
 * ```
 */
export type PolicySource<TUser> = Policy | ((user: TUser) => Policy | Promise<Policy>);

/**
 * A policy with every default filled in and every duration in milliseconds (what a policy
 * becomes inside the limiter; `perDevice` keys are lower-cased, and `max` of a `perDevice`
 * policy that set none is the sum of its caps).
 *
 * @example
 * ```ts
 * // { max: 1 } with the limiter's defaults:
 * const resolved: ResolvedPolicy = {
 *   max: 1, onLimit: 'evict', evict: 'least-recently-active',
 *   perDevice: new Map(), idleTimeout: 1_800_000, absoluteTimeout: 43_200_000,
 * };
 * ```
 */
export interface ResolvedPolicy {
  readonly max: number;
  readonly onLimit: LimitAction;
  readonly evict: EvictionOrder;
  readonly perDevice: ReadonlyMap<string, number>;
  readonly idleTimeout: number;
  readonly absoluteTimeout: number;
}

const POLICY_KEYS = ['max', 'onLimit', 'evict', 'perDevice', 'idleTimeout', 'absoluteTimeout'];
const LIMIT_ACTIONS: readonly LimitAction[] = ['evict', 'reject'];
const EVICTION_ORDERS: readonly EvictionOrder[] = ['least-recently-active', 'oldest'];

/**
 * Checks a policy and fills in its defaults, or throws `INVALID_CONFIG` naming the field.
 *
 * @param policy the policy as the app gave it
 * @param defaults the limiter's timeouts, in milliseconds
 * @param field where the policy came from, for error messages
 */
export function resolvePolicy(
  policy: unknown,
  defaults: { idleTimeout: number; absoluteTimeout: number },
  field = 'policy',
): ResolvedPolicy {
  if (typeof policy !== 'object' || policy === null || Array.isArray(policy)) {
    throw configError(field, `must be an object such as { max: 1 } (got ${describeValue(policy)})`);
  }
  const input = policy as Record<string, unknown>;
  rejectUnknownKeys(input, POLICY_KEYS, 'a policy', `${field}.`);
  const perDevice = parsePerDevice(input.perDevice, `${field}.perDevice`);
  return {
    max: input.max === undefined ? sumOfCaps(perDevice) : parseLimit(input.max, `${field}.max`),
    onLimit: oneOf(input.onLimit, LIMIT_ACTIONS, 'evict', `${field}.onLimit`),
    evict: oneOf(input.evict, EVICTION_ORDERS, 'least-recently-active', `${field}.evict`),
    perDevice,
    idleTimeout:
      input.idleTimeout === undefined
        ? defaults.idleTimeout
        : parseDuration(input.idleTimeout, `${field}.idleTimeout`),
    absoluteTimeout:
      input.absoluteTimeout === undefined
        ? defaults.absoluteTimeout
        : parseDuration(input.absoluteTimeout, `${field}.absoluteTimeout`),
  };
}

function parseLimit(value: unknown, field: string): number {
  if (value === Infinity) return Infinity;
  if (typeof value === 'number' && Number.isInteger(value) && value >= 1) return value;
  throw configError(
    field,
    `must be a whole number >= 1, or Infinity for no limit (got ${describeValue(value)})`,
  );
}

function parsePerDevice(value: unknown, field: string): ReadonlyMap<string, number> {
  const caps = new Map<string, number>();
  if (value === undefined) return caps;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw configError(
      field,
      `must be an object such as { mobile: 1, desktop: 2 } (got ${describeValue(value)})`,
    );
  }
  for (const [kind, cap] of Object.entries(value)) {
    caps.set(kind.toLowerCase(), parseLimit(cap, `${field}.${kind}`));
  }
  return caps;
}

/**
 * The total a `perDevice` policy without `max` allows. The kind comes from the User-Agent, which
 * the client controls: a kind not listed shares this total, so no header buys more sessions.
 */
function sumOfCaps(caps: ReadonlyMap<string, number>): number {
  if (caps.size === 0) return Infinity;
  let sum = 0;
  for (const cap of caps.values()) sum += cap;
  return sum;
}

function oneOf<T extends string>(
  value: unknown,
  allowed: readonly T[],
  fallback: T,
  field: string,
): T {
  if (value === undefined) return fallback;
  if (allowed.includes(value as T)) return value as T;
  throw configError(
    field,
    `must be one of ${allowed.map((a) => `'${a}'`).join(', ')} (got ${describeValue(value)})`,
  );
}
