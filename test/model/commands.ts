// The commands of the model-based tests: each runs one operation on the real limiter and on the
// reference model and compares the answers. Sessions are referred to by index into the sessions
// the run has opened, so a command sequence stays meaningful while fast-check shrinks it.
import fc from 'fast-check';
import { expect } from 'vitest';
import {
  type OpenResult,
  SessionLimiterError,
  type SessionInfo,
  type SessionLimiter,
  type ValidateResult,
} from '../../src/index.js';
import {
  KINDS,
  type Issued,
  type ModelConfig,
  type ModelPolicy,
  type OpenView,
  type ReferenceModel,
  type SessionView,
  type UserIx,
  type ValidateView,
  sortForComparison,
} from './reference.js';

const SECOND = 1_000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** The system under test in one run. */
export interface Real {
  limiter: SessionLimiter<{ ix: UserIx }>;
  userIds: readonly [string, string];
  clock: { now: number };
  /** Whether `validateNow` must answer (not null) whenever no write is due: the store is in memory. */
  answersNow: boolean;
}

type Cmd = fc.AsyncCommand<ReferenceModel, Real>;

// ---------- the policies and options of a run ----------

const policy: fc.Arbitrary<ModelPolicy> = fc
  .record(
    {
      max: fc.constantFrom(1, 2, 3, Infinity),
      onLimit: fc.constantFrom('evict' as const, 'reject' as const),
      evict: fc.constantFrom('least-recently-active' as const, 'oldest' as const),
      perDevice: fc.constantFrom(
        { mobile: 1, desktop: 1 },
        { mobile: 1, desktop: 2 },
        { Mobile: 2 },
        { mobile: 1, tablet: 1, desktop: 1 },
        { desktop: 1 },
      ),
      idleTimeout: fc.constantFrom(10 * MINUTE, 30 * MINUTE, Infinity),
      absoluteTimeout: fc.constantFrom(HOUR, 12 * HOUR, Infinity),
    },
    { requiredKeys: [] },
  )
  // `max: Infinity` beside `perDevice` is left out: "a perDevice policy without max" is the
  // documented case, and an explicit Infinity there is not specified.
  .map((p) => {
    if (p.perDevice === undefined || p.max !== Infinity) return p;
    const { max: _max, ...rest } = p;
    return rest;
  });

/** Unlimited, without per-kind caps: the policies a small hard ceiling is tried with. */
function unlimited(p: ModelPolicy): boolean {
  return (p.max ?? Infinity) === Infinity && p.perDevice === undefined;
}

export const config: fc.Arbitrary<ModelConfig> = fc
  .record({
    shared: fc.boolean(),
    policies: fc.tuple(policy, policy),
    idleTimeout: fc.constantFrom(10 * MINUTE, 30 * MINUTE, Infinity),
    absoluteTimeout: fc.constantFrom(2 * HOUR, 12 * HOUR, Infinity),
    touchInterval: fc.constantFrom(1, MINUTE, 5 * MINUTE),
    tombstoneTtl: fc.constantFrom(HOUR, 7 * DAY),
    ceiling: fc.option(fc.constantFrom(2, 3), { nil: undefined }),
  })
  .map((c) => {
    // A small ceiling only where the policy itself never limits (where nothing else decides).
    const policies = c.shared ? [c.policies[0]] : c.policies;
    if (c.ceiling !== undefined && policies.every(unlimited)) return c;
    const { ceiling: _ceiling, ...rest } = c;
    return rest;
  });

// ---------- comparing answers ----------

function view(s: SessionInfo): SessionView {
  return {
    id: s.id,
    userId: s.userId,
    createdAt: s.createdAt,
    lastSeenAt: s.lastSeenAt,
    expiresAt: s.expiresAt,
    kind: s.device.kind,
  };
}

/** A list's contents, after checking it is in display order (most recently active first). */
function listView(list: SessionInfo[]): SessionView[] {
  for (let i = 1; i < list.length; i++) {
    const [a, b] = [list[i - 1]!, list[i]!];
    expect(
      a.lastSeenAt > b.lastSeenAt || (a.lastSeenAt === b.lastSeenAt && a.createdAt >= b.createdAt),
      'display order',
    ).toBe(true);
  }
  return sortForComparison(list.map(view));
}

function validateView(v: ValidateResult): ValidateView {
  if (v.ok) return { ok: true, session: view(v.session) };
  const out: ValidateView = { ok: false, code: v.code };
  if (v.reason !== undefined) out.reason = v.reason;
  if (v.at !== undefined) out.at = v.at;
  if (v.by !== undefined) out.by = v.by.id;
  return out;
}

function openView(r: OpenResult): OpenView {
  return r.ok
    ? { ok: true, session: view(r.session), evicted: r.evicted.map((s) => s.id).sort() }
    : { ok: false, code: r.code, active: listView(r.active) };
}

/** The error code of a rejected call, or the value. */
async function codeOf<T>(call: Promise<T>): Promise<T | { error: string }> {
  try {
    return await call;
  } catch (error) {
    if (error instanceof SessionLimiterError) return { error: error.code };
    throw error;
  }
}

// ---------- referring to sessions ----------

type TokenVariant = 'token' | 'forged' | 'garbage';

function pick(m: ReferenceModel, ref: number): Issued | undefined {
  return m.issued.length === 0 ? undefined : m.issued[ref % m.issued.length];
}

/** The token a command presents: a session's own, its id with a wrong secret, or junk. */
function tokenFor(m: ReferenceModel, ref: number, variant: TokenVariant): string {
  const issued = pick(m, ref);
  if (!issued || variant === 'garbage') return 'not-a-token';
  if (variant === 'forged') return `${issued.id}.${'A'.repeat(43)}`;
  return issued.token;
}

function describeRef(ref: number, variant: TokenVariant = 'token'): string {
  return variant === 'token' ? `#${ref}` : `${variant}#${ref}`;
}

// ---------- the commands ----------

abstract class Base implements Cmd {
  check(): boolean {
    return true;
  }
  abstract run(m: ReferenceModel, r: Real): Promise<void>;
  abstract toString(): string;
}

class Open extends Base {
  constructor(
    readonly user: UserIx,
    readonly kind: string,
    readonly replace: number | 'bogus' | undefined,
  ) {
    super();
  }
  async run(m: ReferenceModel, r: Real) {
    const replace =
      this.replace === undefined
        ? undefined
        : this.replace === 'bogus'
          ? 'AAAAAAAAAAAAAAAAAAAAAAAAAAAA'
          : pick(m, this.replace)?.id;
    const real = await r.limiter.open({
      userId: r.userIds[this.user],
      user: { ix: this.user },
      device: { kind: this.kind, label: 'Model device' },
      ...(replace === undefined ? {} : { replace }),
    });
    const expected = m.open(
      this.user,
      this.kind,
      real.ok ? real.session.id : 'none',
      real.ok ? real.token : 'none',
      replace,
    );
    expect(openView(real)).toEqual(expected);
  }
  toString() {
    const replace =
      this.replace === undefined
        ? ''
        : `, replace ${typeof this.replace === 'number' ? `#${this.replace}` : this.replace}`;
    return `open(u${this.user}, ${this.kind}${replace})`;
  }
}

/** `validate` or `close` with a session's token, its id with a wrong secret, or junk. */
class WithToken extends Base {
  constructor(
    readonly operation: 'validate' | 'close',
    readonly ref: number,
    readonly variant: TokenVariant,
  ) {
    super();
  }
  async run(m: ReferenceModel, r: Real) {
    const token = tokenFor(m, this.ref, this.variant);
    if (this.operation === 'close') expect(await r.limiter.close(token)).toBe(m.close(token));
    else expect(validateView(await r.limiter.validate(token))).toEqual(m.validate(token));
  }
  toString() {
    return `${this.operation}(${describeRef(this.ref, this.variant)})`;
  }
}

class ValidateNow extends Base {
  constructor(readonly ref: number) {
    super();
  }
  async run(m: ReferenceModel, r: Real) {
    const token = tokenFor(m, this.ref, 'token');
    const real = r.limiter.validateNow(token);
    const expected = m.peek(token);
    // Null (ask validate) is always allowed where a write is due, and for a store across a
    // process boundary; otherwise the answer is validate's, with nothing written.
    if (real === null)
      expect(expected === null || !r.answersNow, 'validateNow answered null').toBe(true);
    else expect(validateView(real)).toEqual(expected);
    return Promise.resolve();
  }
  toString() {
    return `validateNow(#${this.ref})`;
  }
}

class Revoke extends Base {
  constructor(
    readonly user: UserIx,
    readonly ref: number,
    readonly reason: string | undefined,
  ) {
    super();
  }
  async run(m: ReferenceModel, r: Real) {
    const id = pick(m, this.ref)?.id ?? 'AAAAAAAAAAAAAAAAAAAAAAAAAAAA';
    const real = await codeOf(
      r.limiter.revoke(
        r.userIds[this.user],
        id,
        this.reason === undefined ? {} : { reason: this.reason },
      ),
    );
    const expected = m.revoke(this.user, id, this.reason ?? 'revoked');
    expect('error' in real ? real : view(real)).toEqual(expected ?? { error: 'SESSION_NOT_FOUND' });
  }
  toString() {
    return `revoke(u${this.user}, #${this.ref}${this.reason ? `, ${this.reason}` : ''})`;
  }
}

class RevokeAll extends Base {
  constructor(
    readonly user: UserIx,
    readonly except: number | undefined,
    readonly reason: string | undefined,
  ) {
    super();
  }
  async run(m: ReferenceModel, r: Real) {
    const except = this.except === undefined ? undefined : pick(m, this.except)?.id;
    const real = await r.limiter.revokeAll(r.userIds[this.user], {
      ...(except === undefined ? {} : { except }),
      ...(this.reason === undefined ? {} : { reason: this.reason }),
    });
    const expected = m.revokeAll(this.user, this.reason ?? 'revoked', except);
    expect(real.map((s) => s.id).sort()).toEqual(expected);
  }
  toString() {
    const except = this.except === undefined ? '' : `, except #${this.except}`;
    return `revokeAll(u${this.user}${except}${this.reason ? `, ${this.reason}` : ''})`;
  }
}

class List extends Base {
  constructor(readonly user: UserIx) {
    super();
  }
  async run(m: ReferenceModel, r: Real) {
    expect(listView(await r.limiter.list(r.userIds[this.user]))).toEqual(m.list(this.user));
  }
  toString() {
    return `list(u${this.user})`;
  }
}

class Advance extends Base {
  constructor(readonly ms: number) {
    super();
  }
  run(m: ReferenceModel, r: Real) {
    m.advance(this.ms);
    r.clock.now += this.ms;
    return Promise.resolve();
  }
  toString() {
    return `advance(${this.ms} ms)`;
  }
}

/** Jumps to one of the next instants where something changes, or just before or after it. */
class Skip extends Base {
  constructor(
    readonly which: number,
    readonly offset: -1 | 0 | 1,
  ) {
    super();
  }
  run(m: ReferenceModel, r: Real) {
    const deadlines = m.deadlines();
    const target = deadlines[this.which % Math.max(1, deadlines.length)];
    const ms = target === undefined ? 1 : Math.max(1, target + this.offset - m.now);
    m.advance(ms);
    r.clock.now += ms;
    return Promise.resolve();
  }
  toString() {
    return `skip(to deadline ${this.which}${this.offset ? ` ${this.offset > 0 ? '+' : ''}${this.offset} ms` : ''})`;
  }
}

class Prune extends Base {
  async run(m: ReferenceModel, r: Real) {
    await r.limiter.prune();
    m.prune();
  }
  toString() {
    return 'prune()';
  }
}

// ---------- their arbitraries ----------

const user = fc.constantFrom<UserIx>(0, 0, 1);
const ref = fc.nat({ max: 63 });
const variant = fc.constantFrom<TokenVariant>('token', 'token', 'token', 'forged', 'garbage');
const reason = fc.constantFrom(undefined, undefined, 'password-changed');

const open = fc
  .record({
    user,
    kind: fc.constantFrom<string>(...KINDS),
    replace: fc.option(fc.oneof(ref, fc.constant('bogus' as const)), { nil: undefined, freq: 3 }),
  })
  .map(({ user, kind, replace }): Cmd => new Open(user, kind, replace));

const advance = fc
  .constantFrom(
    1,
    SECOND,
    30 * SECOND,
    2 * MINUTE,
    2 * MINUTE,
    9 * MINUTE,
    20 * MINUTE,
    45 * MINUTE,
    2 * HOUR,
    10 * HOUR,
    2 * DAY,
  )
  .map((ms): Cmd => new Advance(ms));

const skip = fc
  .tuple(fc.nat({ max: 3 }), fc.constantFrom<-1 | 0 | 1>(-1, 0, 1))
  .map(([which, offset]): Cmd => new Skip(which, offset));

const validate = fc.tuple(ref, variant).map(([r, v]): Cmd => new WithToken('validate', r, v));

/** Every command, weighted towards logins, checks and time passing. */
export const commandArbitraries: fc.Arbitrary<Cmd>[] = [
  open,
  open,
  open,
  open,
  validate,
  validate,
  validate,
  ref.map((r): Cmd => new ValidateNow(r)),
  fc.tuple(ref, variant).map(([r, v]): Cmd => new WithToken('close', r, v)),
  fc.tuple(user, ref, reason).map(([u, r, why]): Cmd => new Revoke(u, r, why)),
  fc
    .tuple(user, fc.option(ref, { nil: undefined }), reason)
    .map(([u, e, why]): Cmd => new RevokeAll(u, e, why)),
  user.map((u): Cmd => new List(u)),
  advance,
  advance,
  skip,
  skip,
  fc.constant<Cmd>(new Prune()),
];
