// The reference model of the limiter's documented behaviour: a plain list of sessions per user
// and a map of tombstones with their reasons, written for clarity, not speed. The model-based
// tests run random command sequences against it and against the real limiter on every store, and
// compare every answer.

export const KINDS = ['mobile', 'desktop', 'tablet', 'other'] as const;
export type Kind = (typeof KINDS)[number];
export type UserIx = 0 | 1;

/** A policy as the test hands it to the limiter (durations in milliseconds). */
export interface ModelPolicy {
  max?: number;
  onLimit?: 'evict' | 'reject';
  evict?: 'least-recently-active' | 'oldest';
  perDevice?: Record<string, number>;
  idleTimeout?: number;
  absoluteTimeout?: number;
}

/** One run's limiter: the policy of each of its two users and the limiter's options. */
export interface ModelConfig {
  /** One static policy for both users (`policies[0]`), or a policy function of the user. */
  shared: boolean;
  policies: [ModelPolicy, ModelPolicy];
  idleTimeout: number;
  absoluteTimeout: number;
  touchInterval: number;
  tombstoneTtl: number;
  /** The limiter's `maxSessionsPerUser`; undefined leaves the default. */
  ceiling?: number;
}

/** The limiter's documented default hard ceiling per user. */
export const DEFAULT_CEILING = 1000;

/** The fields of a session that answers are compared on. */
export interface SessionView {
  id: string;
  userId: string;
  createdAt: number;
  lastSeenAt: number;
  expiresAt: number | null;
  kind: string;
}

export type ValidateView =
  | { ok: true; session: SessionView }
  | { ok: false; code: string; reason?: string; at?: number; by?: string };

export type OpenView =
  | { ok: true; session: SessionView; evicted: string[] }
  | { ok: false; code: 'SESSION_LIMIT_REACHED'; active: SessionView[] };

interface Session {
  id: string;
  token: string;
  user: UserIx;
  kind: string;
  createdAt: number;
  lastSeenAt: number;
  idleTimeout: number | null;
  absoluteExpiresAt: number | null;
}

interface Tombstone {
  token: string;
  reason: string;
  at: number;
  by?: string;
  keepUntil: number;
}

/** A session the test may refer to: every one opened in the run, alive or not. */
export interface Issued {
  id: string;
  token: string;
  user: UserIx;
}

const EXPIRY_REASONS = new Set(['idle-timeout', 'absolute-timeout']);

/** How often a run reached each behaviour: the tests check every one is reached. */
export interface Coverage {
  opened: number;
  rejected: number;
  evicted: number;
  replaced: number;
  expired: number;
  touched: number;
  revoked: number;
  closed: number;
  forgotten: number;
  /** A tombstone's reason told to a device. */
  toldWhy: number;
}

export function emptyCoverage(): Coverage {
  return {
    opened: 0,
    rejected: 0,
    evicted: 0,
    replaced: 0,
    expired: 0,
    touched: 0,
    revoked: 0,
    closed: 0,
    forgotten: 0,
    toldWhy: 0,
  };
}

export class ReferenceModel {
  now: number;
  readonly config: ModelConfig;
  readonly userIds: readonly [string, string];
  /** Sessions not yet ended: live ones, and lapsed ones nobody has noticed yet. */
  sessions: Session[] = [];
  readonly tombstones = new Map<string, Tombstone>();
  readonly issued: Issued[] = [];
  readonly coverage = emptyCoverage();

  constructor(config: ModelConfig, userIds: readonly [string, string], now: number) {
    this.config = config;
    this.userIds = userIds;
    this.now = now;
  }

  policyOf(user: UserIx) {
    const p = this.config.policies[this.config.shared ? 0 : user];
    const perDevice = new Map(
      Object.entries(p.perDevice ?? {}).map(([kind, cap]) => [kind.toLowerCase(), cap]),
    );
    const sumOfCaps = [...perDevice.values()].reduce((a, b) => a + b, 0);
    return {
      // A perDevice policy without max is bounded by the sum of its caps.
      max: p.max ?? (perDevice.size > 0 ? sumOfCaps : Infinity),
      onLimit: p.onLimit ?? 'evict',
      evict: p.evict ?? 'least-recently-active',
      perDevice,
      idleTimeout: p.idleTimeout ?? this.config.idleTimeout,
      absoluteTimeout: p.absoluteTimeout ?? this.config.absoluteTimeout,
    };
  }

  advance(ms: number): void {
    this.now += ms;
  }

  /** The instants after now at which something changes: expiries, touches due, tombstones forgotten. */
  deadlines(): number[] {
    const times = new Set<number>();
    for (const s of this.sessions) {
      const expiresAt = this.#expiresAt(s);
      if (expiresAt !== null) times.add(expiresAt);
      if (s.absoluteExpiresAt !== null) times.add(s.absoluteExpiresAt);
      times.add(s.lastSeenAt + this.#touchInterval(s));
    }
    for (const t of this.tombstones.values()) times.add(t.keepUntil);
    return [...times].filter((t) => t > this.now).sort((a, b) => a - b);
  }

  /**
   * A login of `kind`; `id` and `token` are what the limiter gave the new session (the model
   * cannot guess random ids, and ties in eviction order fall to the lower id). Order of the
   * rules: lapsed sessions end; `replace` signs its session out; the per-kind cap, then `max`,
   * evict (own kind first) or refuse; then the hard ceiling evicts the least recently active.
   */
  open(user: UserIx, kind: string, id: string, token: string, replace?: string): OpenView {
    const policy = this.policyOf(user);
    const mine = this.sessions.filter((s) => s.user === user);
    // Lapsed sessions hold no slot and are ended by any login, refused or not.
    for (const s of mine) if (this.#deadReason(s)) this.#expire(s);
    let live = this.sessions.filter((s) => s.user === user);
    const replaced = live.find((s) => s.id === replace);
    live = live.filter((s) => s !== replaced);

    const cap = policy.perDevice.get(kind);
    const sameKind = (list: Session[]) => list.filter((s) => s.kind === kind);
    if (policy.onLimit === 'reject') {
      const kindFull = cap !== undefined && sameKind(live).length >= cap;
      if (kindFull || live.length >= policy.max) {
        const active = replaced ? [...live, replaced] : live;
        this.coverage.rejected++;
        return { ok: false, code: 'SESSION_LIMIT_REACHED', active: this.#display(active) };
      }
    }
    const evicted: Session[] = [];
    const order = (list: Session[], how: 'least-recently-active' | 'oldest') =>
      [...list].sort((a, b) => {
        const key = how === 'oldest' ? a.createdAt - b.createdAt : a.lastSeenAt - b.lastSeenAt;
        return key || a.createdAt - b.createdAt || (a.id < b.id ? -1 : 1);
      });
    const remaining = () => live.filter((s) => !evicted.includes(s));
    if (cap !== undefined) {
      while (sameKind(remaining()).length >= cap) {
        evicted.push(order(sameKind(remaining()), policy.evict)[0]!);
      }
    }
    while (remaining().length >= policy.max) {
      // With per-kind caps, a login makes room within its own kind first.
      const own = policy.perDevice.size > 0 ? order(sameKind(remaining()), policy.evict) : [];
      evicted.push(own[0] ?? order(remaining(), policy.evict)[0]!);
    }
    const ceiling = this.config.ceiling ?? DEFAULT_CEILING;
    while (remaining().length >= ceiling) {
      evicted.push(order(remaining(), 'least-recently-active')[0]!);
    }

    const session: Session = {
      id,
      token,
      user,
      kind,
      createdAt: this.now,
      lastSeenAt: this.now,
      idleTimeout: Number.isFinite(policy.idleTimeout) ? policy.idleTimeout : null,
      absoluteExpiresAt: Number.isFinite(policy.absoluteTimeout)
        ? this.now + policy.absoluteTimeout
        : null,
    };
    if (replaced) this.#end(replaced, 'replaced', this.now, id);
    for (const s of evicted) this.#end(s, 'evicted', this.now, id);
    this.sessions.push(session);
    this.issued.push({ id, token, user });
    this.coverage.opened++;
    if (replaced) this.coverage.replaced++;
    this.coverage.evicted += evicted.length;
    return {
      ok: true,
      session: this.#view(session),
      evicted: [...(replaced ? [replaced] : []), ...evicted].map((s) => s.id).sort(),
    };
  }

  /** The per-request check: ends a lapsed session, records activity when due. */
  validate(token: string): ValidateView {
    const s = this.sessions.find((x) => x.token === token);
    if (s) {
      if (this.#deadReason(s)) return this.#refusal(this.#expire(s));
      if (this.#touchDue(s)) {
        s.lastSeenAt = this.now;
        this.coverage.touched++;
      }
      return { ok: true, session: this.#view(s) };
    }
    const tombstone = this.#tombstoneOf(token);
    if (tombstone) this.coverage.toldWhy++;
    return tombstone ? this.#refusal(tombstone) : { ok: false, code: 'SESSION_UNKNOWN' };
  }

  /** What `validate` answers without any write, or null when it would write. */
  peek(token: string): ValidateView | null {
    const s = this.sessions.find((x) => x.token === token);
    if (s) {
      if (this.#deadReason(s) || this.#touchDue(s)) return null;
      return { ok: true, session: this.#view(s) };
    }
    const tombstone = this.#tombstoneOf(token);
    return tombstone ? this.#refusal(tombstone) : { ok: false, code: 'SESSION_UNKNOWN' };
  }

  /** Logout: true only for a live session. A lapsed one is dead already (and now ended as such). */
  close(token: string): boolean {
    const s = this.sessions.find((x) => x.token === token);
    if (!s) return false;
    if (this.#deadReason(s)) {
      this.#expire(s);
      return false;
    }
    this.#end(s, 'logout', this.now);
    this.coverage.closed++;
    return true;
  }

  /** The revoked session, or null for SESSION_NOT_FOUND (not a live session of this user). */
  revoke(user: UserIx, id: string, reason: string): SessionView | null {
    const s = this.sessions.find((x) => x.id === id && x.user === user);
    if (!s) return null;
    if (this.#deadReason(s)) {
      this.#expire(s);
      return null;
    }
    this.#end(s, reason, this.now);
    this.coverage.revoked++;
    return this.#view(s);
  }

  /** Every session of the user but `except` ends; answers the live ones it ended. */
  revokeAll(user: UserIx, reason: string, except?: string): string[] {
    const ended: string[] = [];
    for (const s of this.sessions.filter((x) => x.user === user && x.id !== except)) {
      if (this.#deadReason(s)) {
        this.#expire(s);
      } else {
        this.#end(s, reason, this.now);
        this.coverage.revoked++;
        ended.push(s.id);
      }
    }
    return ended.sort();
  }

  list(user: UserIx): SessionView[] {
    return this.#display(this.sessions.filter((s) => s.user === user && !this.#deadReason(s)));
  }

  /** The sweep: ends every lapsed session, then forgets tombstones past their time. */
  prune(): void {
    for (const s of [...this.sessions]) if (this.#deadReason(s)) this.#expire(s);
    for (const [id, t] of this.tombstones) {
      if (t.keepUntil > this.now) continue;
      this.tombstones.delete(id);
      this.coverage.forgotten++;
    }
  }

  #expiresAt(s: Session): number | null {
    const idleEnd = s.idleTimeout === null ? null : s.lastSeenAt + s.idleTimeout;
    if (idleEnd === null) return s.absoluteExpiresAt;
    return s.absoluteExpiresAt === null ? idleEnd : Math.min(idleEnd, s.absoluteExpiresAt);
  }

  #deadReason(s: Session): 'absolute-timeout' | 'idle-timeout' | null {
    if (s.absoluteExpiresAt !== null && this.now >= s.absoluteExpiresAt) return 'absolute-timeout';
    const expiresAt = this.#expiresAt(s);
    return expiresAt !== null && this.now >= expiresAt ? 'idle-timeout' : null;
  }

  /** Last-seen is written at most once per touch interval, and at least four times per idle timeout. */
  #touchDue(s: Session): boolean {
    return this.now - s.lastSeenAt >= this.#touchInterval(s);
  }

  #touchInterval(s: Session): number {
    return s.idleTimeout === null
      ? this.config.touchInterval
      : Math.min(this.config.touchInterval, s.idleTimeout / 4);
  }

  /** Ends a lapsed session as of the moment its timeout ran out. */
  #expire(s: Session): Tombstone {
    const reason = this.#deadReason(s)!;
    const at = reason === 'absolute-timeout' ? s.absoluteExpiresAt! : this.#expiresAt(s)!;
    this.coverage.expired++;
    return this.#end(s, reason, at);
  }

  #end(s: Session, reason: string, at: number, by?: string): Tombstone {
    this.sessions = this.sessions.filter((x) => x !== s);
    const tombstone: Tombstone = {
      token: s.token,
      reason,
      at,
      keepUntil: this.now + this.config.tombstoneTtl,
    };
    if (by !== undefined) tombstone.by = by;
    this.tombstones.set(s.id, tombstone);
    return tombstone;
  }

  #tombstoneOf(token: string): Tombstone | undefined {
    const id = token.slice(0, token.indexOf('.'));
    const tombstone = this.tombstones.get(id);
    return tombstone?.token === token ? tombstone : undefined;
  }

  #refusal(t: Tombstone): ValidateView {
    const code = EXPIRY_REASONS.has(t.reason) ? 'SESSION_EXPIRED' : 'SESSION_REVOKED';
    const view: ValidateView = { ok: false, code, reason: t.reason, at: t.at };
    if (t.by !== undefined) view.by = t.by;
    return view;
  }

  #view(s: Session): SessionView {
    return {
      id: s.id,
      userId: this.userIds[s.user],
      createdAt: s.createdAt,
      lastSeenAt: s.lastSeenAt,
      expiresAt: this.#expiresAt(s),
      kind: s.kind,
    };
  }

  /** Most recently active first; ties (which the limiter leaves in any order) by id. */
  #display(list: Session[]): SessionView[] {
    return sortForComparison(list.map((s) => this.#view(s)));
  }
}

/** Display order (most recently active, then newest, first), ties broken by id. */
export function sortForComparison(views: SessionView[]): SessionView[] {
  return [...views].sort(
    (a, b) => b.lastSeenAt - a.lastSeenAt || b.createdAt - a.createdAt || (a.id < b.id ? -1 : 1),
  );
}
