import { describeDevice } from './device.js';
import { parseDuration } from './duration.js';
import {
  SessionLimiterError,
  argumentError,
  configError,
  describeValue,
  rejectUnknownKeys,
  storeUnavailable,
} from './errors.js';
import {
  Emitter,
  type SessionLimiterEventName,
  type SessionLimiterEvents,
  eventForReason,
} from './events.js';
import { randomBytes } from 'node:crypto';
import { LookupCache } from './cache.js';
import { KeyedMutex } from './mutex.js';
import {
  OPTION_KEYS,
  type SessionLimiterOptions,
  assertStore,
  checkData,
  checkExternalId,
  checkReason,
  type ExternalEnd,
  checkUserId,
  optionalFunction,
  parseCacheOption,
  parseCount,
  parseSecretCacheOption,
} from './options.js';
import {
  type InvalidSession,
  type OpenInput,
  type OpenResult,
  type PruneResult,
  type RevokeAllOptions,
  type RevokeOptions,
  type TrackInput,
  type TrackResult,
  type ValidateResult,
  type WatchListener,
  invalidSessionOf,
} from './results.js';
import { planOpen, sortForDisplay } from './plan.js';
import { type PolicySource, type ResolvedPolicy, resolvePolicy } from './policy.js';
import {
  END_REASONS,
  EXTERNAL_PREFIX,
  type SessionEnd,
  type SessionEnded,
  type SessionInfo,
  type SessionRecord,
  expiryOf,
  expiryReason,
  toSessionInfo,
} from './session.js';
import type { FoundRecord, SessionStore, UserChange, UserSnapshot } from './store.js';
import { MemoryStore } from './stores/memory.js';
import {
  externalSessionId,
  isSessionId,
  newSessionId,
  newToken,
  parseToken,
  secretMatches,
} from './token.js';
import { VerifiedSecrets } from './verified.js';

type OpenOutcome =
  | { ok: false; live: SessionRecord[]; ends: SessionEnd[] }
  | { ok: true; session: SessionInfo; ends: SessionEnd[] };

const UNKNOWN: InvalidSession = Object.freeze({ ok: false, code: 'SESSION_UNKNOWN' });
const REUSE = 'refresh-token-reuse';
const MAX_COMMIT_ATTEMPTS = 50;
const PRUNE_BATCH = 500;

/**
 * Enforces how many places one account may be signed in at once. Create it with
 * {@link createSessionLimiter}; every operation is atomic per user in every store.
 *
 * @example
 * ```ts
 * const limiter = createSessionLimiter({ policy: { max: 1 } });
 * const a = await limiter.open({ userId: 'alice' });
 * const b = await limiter.open({ userId: 'alice' }); // the newest login wins
 * if (a.ok) console.log((await limiter.validate(a.token)).ok); // false: evicted by b
 * ```
 */
export class SessionLimiter<TUser = unknown> {
  /** The store this limiter uses. */
  readonly store: SessionStore;
  /**
   * Aborted when the limiter is disposed: long-lived work tied to it (an open event stream, a
   * WebSocket) listens to it and ends.
   */
  readonly signal: AbortSignal;
  /**
   * The limiter's clock (the `now` option), in epoch milliseconds: code that compares against a
   * session's times (`createdAt`, `lastSeenAt`) reads this, so a test's fake clock holds for it.
   *
   * @example
   * ```ts
   * const ageMs = limiter.now() - session.createdAt;
   * ```
   */
  readonly now: () => number;
  readonly #disposal = new AbortController();
  readonly #policy: PolicySource<TUser>;
  readonly #staticPolicy: ResolvedPolicy | undefined;
  readonly #defaults: { idleTimeout: number; absoluteTimeout: number };
  readonly #ceiling: number;
  readonly #touchInterval: number;
  readonly #tombstoneTtl: number;
  readonly #now: () => number;
  readonly #onError: (error: unknown) => void;
  readonly #onEvict: ((ended: ExternalEnd[]) => void | Promise<void>) | undefined;
  readonly #events: Emitter<SessionLimiterEvents>;
  readonly #watchers = new Map<string, Set<WatchListener>>();
  readonly #userLocks = new KeyedMutex();
  readonly #pruneTimer: NodeJS.Timeout | undefined;
  readonly #cache: LookupCache | undefined;
  readonly #secrets: VerifiedSecrets | undefined;
  readonly #instanceId = instanceTag();
  #unsubscribe: Promise<(() => Promise<void>) | undefined> | undefined;
  #pruning: Promise<PruneResult> | undefined;
  #disposed = false;

  constructor(options: SessionLimiterOptions<TUser> = {}) {
    if (typeof options !== 'object' || (options as unknown) === null) {
      throw configError('options', 'must be an object');
    }
    rejectUnknownKeys(options, OPTION_KEYS, 'createSessionLimiter');
    this.signal = this.#disposal.signal;
    this.store = options.store ?? new MemoryStore();
    assertStore(this.store);
    this.#defaults = {
      idleTimeout: parseDuration(options.idleTimeout ?? '30m', 'idleTimeout'),
      absoluteTimeout: parseDuration(options.absoluteTimeout ?? '12h', 'absoluteTimeout'),
    };
    this.#ceiling = parseCount(options.maxSessionsPerUser, 'maxSessionsPerUser', 1_000);
    this.#touchInterval = parseDuration(options.touchInterval ?? '1m', 'touchInterval', false);
    this.#tombstoneTtl = parseDuration(options.tombstoneTtl ?? '7d', 'tombstoneTtl', false);
    this.#now = optionalFunction(options.now, 'now') ?? Date.now;
    this.now = this.#now;
    this.#onError = optionalFunction(options.onError, 'onError') ?? reportError;
    this.#onEvict = optionalFunction(options.onEvict, 'onEvict');
    this.#events = new Emitter(this.#onError);

    const policy = options.policy ?? { max: Infinity };
    if (typeof policy === 'function') {
      this.#policy = policy;
    } else {
      this.#staticPolicy = resolvePolicy(policy, this.#defaults);
      this.#policy = policy;
    }

    const pruneEvery =
      options.pruneInterval === false
        ? false
        : parseDuration(options.pruneInterval ?? '5m', 'pruneInterval', false);
    if (pruneEvery !== false) {
      this.#pruneTimer = setInterval(() => {
        this.prune().catch(this.#onError);
      }, pruneEvery);
      this.#pruneTimer.unref();
    }

    const secretCache = parseSecretCacheOption(options.secretCache);
    if (secretCache !== null) this.#secrets = new VerifiedSecrets(secretCache);

    const cache = parseCacheOption(options.cache);
    if (this.store.subscribe) {
      if (this.store.cacheLookups && cache)
        this.#cache = new LookupCache({ ...cache, now: this.#now });
      this.#unsubscribe = this.#subscribe(this.store.subscribe.bind(this.store));
    }
  }

  /**
   * Opens a session for a login whose credentials the app has already verified. Applies the
   * user's policy atomically: evicts older sessions, or refuses with the live ones listed.
   *
   * @example
   * ```ts
   * const r = await limiter.open({ userId: user.id, user, device: { userAgent, ip } });
   * if (r.ok) setCookie(r.token);
   * else askWhichDeviceToSignOut(r.active); // then open again with { replace: chosenId }
   * ```
   */
  async open(input: OpenInput<TUser>): Promise<OpenResult> {
    this.#assertOpen();
    if (typeof input !== 'object' || (input as unknown) === null) {
      throw argumentError('open(input)', 'must be an object such as { userId }');
    }
    const userId = checkUserId(input.userId, 'userId');
    const replace = input.replace;
    if (replace !== undefined && typeof replace !== 'string') {
      throw argumentError('replace', 'must be a session id string');
    }
    const id = newSessionId(userId);
    const { token, tokenHash } = newToken(id);
    const admitted = await this.#admit(input, { userId, id, tokenHash, replace });
    return admitted.ok
      ? { ok: true, token, session: admitted.session, evicted: admitted.evicted }
      : admitted;
  }

  /**
   * Holds a session that another system created and owns (better-auth's session table, Auth.js,
   * express-session, an identity provider's `sid`) to the user's policy, in the same atomic step
   * as `open`: older sessions are evicted, or the new one is refused with the live ones listed.
   * The owner deletes the sessions in `ended` (their external ids; `onEvict` hears them too).
   * Tracking an id that is already live is a no-op. The external id is stored as given and is
   * never a token: nothing can sign in with it.
   *
   * @throws SessionLimiterError `INVALID_ARGUMENT` for a bad id, or an id whose session already ended
   * @example
   * ```ts
   * const r = await limiter.track({ userId: user.id, user, externalId: session.id, device: { userAgent } });
   * if (!r.ok) return reply.code(409).send({ active: r.active });
   * for (const id of r.ended) await db.deleteSession(id);
   * ```
   */
  async track(input: TrackInput<TUser>): Promise<TrackResult> {
    this.#assertOpen();
    if (typeof input !== 'object' || (input as unknown) === null) {
      throw argumentError('track(input)', 'must be an object such as { userId, externalId }');
    }
    const userId = checkUserId(input.userId, 'userId');
    const externalId = checkExternalId(input.externalId, 'externalId');
    const replace =
      input.replace === undefined
        ? undefined
        : externalSessionId(userId, checkExternalId(input.replace, 'replace'));
    const id = externalSessionId(userId, externalId);
    const known = await this.#find(id);
    if (known?.kind === 'tombstone') {
      throw argumentError(
        'externalId',
        `names a session that already ended (${known.record.reason}): an ended session is not tracked again`,
      );
    }
    if (known?.kind === 'session' && expiryReason(known.record, this.#now()) === null) {
      return { ok: true, session: toSessionInfo(known.record), evicted: [], ended: [] };
    }
    const admitted = await this.#admit(input, {
      userId,
      id,
      tokenHash: EXTERNAL_PREFIX + externalId,
      replace,
    });
    if (!admitted.ok) return admitted;
    return { ...admitted, ended: admitted.ends.flatMap((e) => e.session.externalId ?? []) };
  }

  /**
   * Ends a tracked session because its owner ended it: a sign-out there (reason `'logout'`, the
   * default), or `{ reason: 'revoked' }` when it was ended from the account's session list.
   * Returns true if it was live. `onEvict` is not called: the owner already knows.
   *
   * @example
   * ```ts
   * await limiter.untrack(session.userId, session.id);
   * await limiter.untrack(userId, otherDeviceId, { reason: 'revoked' });
   * ```
   */
  async untrack(userId: string, externalId: string, options: RevokeOptions = {}): Promise<boolean> {
    this.#assertOpen();
    checkUserId(userId, 'userId');
    const reason = options.reason === undefined ? END_REASONS.logout : checkReason(options.reason);
    const found = await this.#find(
      externalSessionId(userId, checkExternalId(externalId, 'externalId')),
    );
    if (found?.kind !== 'session' || found.record.userId !== userId) return false;
    return (await this.#end(found.record, reason, this.#now(), false)) !== null;
  }

  /**
   * Whether a tracked session is live: the per-request check for owners that look (the same cache
   * and push as `validate`; the last-seen time is kept, so idle timeouts hold). False for an
   * ended session and for one never tracked; `whyEnded` tells them apart.
   *
   * @example
   * ```ts
   * if (!(await limiter.isLive(session.userId, session.id))) return signOut();
   * ```
   */
  async isLive(userId: string, externalId: string): Promise<boolean> {
    return (await this.#checkExternal(userId, externalId)).ok;
  }

  /**
   * Why a tracked session ended (evicted by which device and when, revoked, timed out), for the
   * owner's sign-in page; null while it is live or if it was never tracked (or its reason was
   * forgotten after `tombstoneTtl`).
   *
   * @example
   * ```ts
   * const ended = await limiter.whyEnded(userId, sessionId);
   * if (ended) showNotice(describeSessionEnd(ended));
   * ```
   */
  async whyEnded(userId: string, externalId: string): Promise<InvalidSession | null> {
    const result = await this.#checkExternal(userId, externalId);
    return result.ok || result.code === 'SESSION_UNKNOWN' ? null : result;
  }

  #checkExternal(userId: string, externalId: string): Promise<ValidateResult> {
    this.#assertOpen();
    checkUserId(userId, 'userId');
    return this.#check(externalSessionId(userId, checkExternalId(externalId, 'externalId')), null);
  }

  /** The admission both `open` and `track` make: the policy applied atomically to a new record. */
  async #admit(
    input: OpenInput<TUser> | TrackInput<TUser>,
    fresh: { userId: string; id: string; tokenHash: string; replace: string | undefined },
  ): Promise<
    | { ok: true; session: SessionInfo; evicted: SessionInfo[]; ends: SessionEnd[] }
    | { ok: false; code: 'SESSION_LIMIT_REACHED'; active: SessionInfo[] }
  > {
    const { userId, id, tokenHash, replace } = fresh;
    const data = checkData(input.data);
    const policy = await this.#policyFor(input);
    const device = describeDevice(input.device);

    return this.#userLocks.run(userId, async () => {
      const outcome = await this.#commitUser<OpenOutcome>(userId, 'open', (snapshot) => {
        const now = this.#now();
        const plan = planOpen({
          sessions: snapshot.sessions,
          kind: device.kind,
          policy,
          now,
          replace,
          ceiling: this.#ceiling,
        });
        if (!plan.ok) {
          // A refusal still clears lapsed sessions, so dead ones never hold a slot.
          const ends = plan.lapsed.map((p) => this.#endOf(p.record, p.reason, now));
          return {
            change: { put: [], end: ends },
            value: { ok: false as const, live: plan.live, ends },
          };
        }
        const absoluteExpiresAt = finiteOrNull(now + policy.absoluteTimeout);
        const idleTimeout = finiteOrNull(policy.idleTimeout);
        const record: SessionRecord = {
          id,
          userId,
          tokenHash,
          createdAt: now,
          lastSeenAt: now,
          idleTimeout,
          absoluteExpiresAt,
          expiresAt: expiryOf(now, idleTimeout, absoluteExpiresAt),
          generation: 0,
          device,
        };
        if (data !== undefined) record.data = data;
        const session = toSessionInfo(record);
        const ends = plan.end.map((p) =>
          this.#endOf(
            p.record,
            p.reason,
            now,
            p.reason === END_REASONS.idle || p.reason === END_REASONS.absolute
              ? undefined
              : session,
          ),
        );
        return {
          change: { put: [record], end: ends },
          value: { ok: true as const, session, ends },
        };
      });

      this.#announce(outcome.ends, false);
      if (!outcome.ok) {
        const active = outcome.live.map(toSessionInfo);
        this.#events.emit('rejected', { userId, device, active });
        return { ok: false, code: 'SESSION_LIMIT_REACHED', active };
      }
      const evicted = outcome.ends
        .filter((e) => eventForReason(e.reason) === 'evicted')
        .map((e) => e.session);
      this.#events.emit('opened', { session: outcome.session, evicted });
      return { ok: true, session: outcome.session, evicted, ends: outcome.ends };
    });
  }

  /**
   * The per-request check: is this token a live session? Reads the store (or a cache the store's
   * push keeps fresh) and writes only when the last-seen time is due. Never throws for a bad
   * token; throws `STORE_UNAVAILABLE` when the store cannot answer (fail closed).
   *
   * @example
   * ```ts
   * const v = await limiter.validate(cookieValue);
   * if (!v.ok && v.code === 'SESSION_REVOKED') res.status(401).json({ reason: v.reason });
   * ```
   */
  validate(token: unknown): Promise<ValidateResult> {
    // Not async on purpose: this runs on every request, and each async layer costs a promise.
    if (this.#disposed) return Promise.reject(disposedError());
    const parsed = parseToken(token);
    if (!parsed) return Promise.resolve(UNKNOWN);
    return this.#check(parsed.id, parsed.secret);
  }

  /**
   * `validate` without a promise, for the per-request path: the answer when it needs no store
   * call (the store keeps its records in this process, like `MemoryStore`, or the lookup cache
   * holds the session, and no last-seen write or expiry is due), else null: then call
   * `validate`. Never writes; throws only `DISPOSED`.
   *
   * @example
   * ```ts
   * const v = limiter.validateNow(cookieValue) ?? (await limiter.validate(cookieValue));
   * ```
   */
  validateNow(token: unknown): ValidateResult | null {
    this.#assertOpen();
    const parsed = parseToken(token);
    if (!parsed) return UNKNOWN;
    const found = this.#findNow(parsed.id);
    return found === undefined ? null : this.#judgeNow(parsed.secret, found);
  }

  /**
   * `validate` for a token layer that has already authenticated the session id itself, such as
   * the JWT module (the signature proves the `sid`). Same answers, same cache, same last-seen
   * writes. Never pass it an id taken from an unauthenticated request.
   *
   * @example
   * ```ts
   * const { payload } = await jwtVerify(accessToken, key);
   * const v = await limiter.validateSessionId(payload.sid as string);
   * ```
   */
  validateSessionId(sessionId: string): Promise<ValidateResult> {
    if (this.#disposed) return Promise.reject(disposedError());
    if (!isSessionId(sessionId)) return Promise.resolve(UNKNOWN);
    return this.#check(sessionId, null);
  }

  /**
   * Moves a session's credential generation from `generation` to the next, atomically: the
   * building block of refresh-token rotation. Presenting a generation that is not the current
   * one means an old credential was replayed: the session is revoked with reason
   * `'refresh-token-reuse'` and the answer says so.
   *
   * @example
   * ```ts
   * const r = await limiter.rotate(claims.sub, claims.sid, claims.gen);
   * if (r.ok) issueTokens(r.session, r.generation);
   * ```
   */
  async rotate(
    userId: string,
    sessionId: string,
    generation: number,
  ): Promise<{ ok: true; session: SessionInfo; generation: number } | InvalidSession> {
    this.#assertOpen();
    checkUserId(userId, 'userId');
    if (!isSessionId(sessionId) || !Number.isInteger(generation)) return UNKNOWN;
    return this.#userLocks.run(userId, async () => {
      const mark = this.#cache?.mark() ?? 0;
      type Step =
        | { kind: 'rotated'; record: SessionRecord }
        | { kind: 'missing' }
        | { kind: 'lapsed' | 'reused'; record: SessionRecord; reason: string };
      const step = await this.#commitUser<Step>(userId, 'rotate', (snapshot) => {
        const now = this.#now();
        const current = snapshot.sessions.find((s) => s.id === sessionId);
        const none = { put: [], end: [] };
        if (!current) return { change: none, value: { kind: 'missing' } };
        const lapsed = expiryReason(current, now);
        if (lapsed)
          return { change: none, value: { kind: 'lapsed', record: current, reason: lapsed } };
        if (current.generation !== generation) {
          return { change: none, value: { kind: 'reused', record: current, reason: REUSE } };
        }
        const record: SessionRecord = {
          ...current,
          generation: generation + 1,
          lastSeenAt: now,
          expiresAt: expiryOf(now, current.idleTimeout, current.absoluteExpiresAt),
        };
        return { change: { put: [record], end: [] }, value: { kind: 'rotated', record } };
      });
      switch (step.kind) {
        case 'rotated':
          this.#cache?.update(sessionId, { kind: 'session', record: step.record }, mark);
          return {
            ok: true,
            session: toSessionInfo(step.record),
            generation: step.record.generation,
          };
        case 'missing': {
          const found = await this.#find(sessionId);
          return found?.kind === 'tombstone' && found.record.userId === userId
            ? invalidSessionOf(found.record)
            : UNKNOWN;
        }
        case 'lapsed':
          return this.#expire(step.record, step.reason, this.#now());
        case 'reused': {
          const now = this.#now();
          const ended = await this.#end(step.record, step.reason, now);
          return { ok: false, code: 'SESSION_REVOKED', reason: step.reason, at: ended?.at ?? now };
        }
      }
    });
  }

  /**
   * Ends the session of this token (logout). Returns true if a live session was closed; false
   * for a token that is not one (already ended, lapsed past a timeout, malformed).
   *
   * @example
   * ```ts
   * await limiter.close(token);
   * ```
   */
  async close(token: unknown): Promise<boolean> {
    this.#assertOpen();
    const parsed = parseToken(token);
    if (!parsed) return false;
    const found = await this.#find(parsed.id, true);
    if (found?.kind !== 'session' || !this.#secretMatches(found.record, parsed.secret)) {
      return false;
    }
    if (await this.#endIfLapsed(found.record)) return false;
    return (await this.#end(found.record, END_REASONS.logout)) !== null;
  }

  /**
   * The user's live sessions, most recently active first.
   *
   * @example
   * ```ts
   * const sessions = await limiter.list(userId);
   * ```
   */
  async list(userId: string): Promise<SessionInfo[]> {
    this.#assertOpen();
    checkUserId(userId, 'userId');
    const snapshot = await this.#store('list', () => this.store.loadUser(userId));
    const now = this.#now();
    const live = snapshot.sessions.filter((s) => expiryReason(s, now) === null);
    return sortForDisplay(live).map(toSessionInfo);
  }

  /**
   * Signs out one session of a user. Refuses (`SESSION_NOT_FOUND`) an id that is not a live
   * session of that user, so one user can never end another's session.
   *
   * @example
   * ```ts
   * await limiter.revoke(currentUser.id, req.params.id, { reason: 'revoked' });
   * ```
   */
  async revoke(
    userId: string,
    sessionId: string,
    options: RevokeOptions = {},
  ): Promise<SessionInfo> {
    this.#assertOpen();
    checkUserId(userId, 'userId');
    const reason = checkReason(options.reason);
    // Only a session id is named: a token passed here by mistake must not end up in a log.
    const notFound = new SessionLimiterError(
      'SESSION_NOT_FOUND',
      isSessionId(sessionId)
        ? `no live session ${describeValue(sessionId)} for this user`
        : 'no live session with that id for this user (the value given is not a session id)',
    );
    if (!isSessionId(sessionId)) throw notFound;
    const found = await this.#find(sessionId, true);
    if (found?.kind !== 'session' || found.record.userId !== userId) throw notFound;
    if (await this.#endIfLapsed(found.record)) throw notFound;
    const ended = await this.#end(found.record, reason);
    if (!ended) throw notFound;
    return ended.session;
  }

  /**
   * Signs out every session of a user, or every one but `except` ("sign out everywhere else").
   * Returns the sessions it ended.
   *
   * @example
   * ```ts
   * await limiter.revokeAll(userId, { except: currentSessionId });
   * ```
   */
  async revokeAll(userId: string, options: RevokeAllOptions = {}): Promise<SessionInfo[]> {
    this.#assertOpen();
    checkUserId(userId, 'userId');
    const reason = checkReason(options.reason);
    const { except } = options;
    return this.#userLocks.run(userId, async () => {
      const ends = await this.#commitUser(userId, 'revokeAll', (snapshot) => {
        const now = this.#now();
        const ends = snapshot.sessions
          .filter((s) => s.id !== except)
          .map((s) => this.#endOf(s, expiryReason(s, now) ?? reason, now));
        return { change: { put: [], end: ends }, value: ends };
      });
      this.#announce(ends, false);
      return ends.filter((e) => e.reason === reason).map((e) => e.session);
    });
  }

  /**
   * Listens to an event; returns a function that stops listening.
   *
   * @example
   * ```ts
   * const stop = limiter.on('evicted', (e) => console.log(e.session.id, 'evicted by', e.by?.id));
   * ```
   */
  on<K extends SessionLimiterEventName>(
    event: K,
    listener: (payload: SessionLimiterEvents[K]) => void,
  ): () => void {
    return this.#events.on(event, listener);
  }

  /**
   * Stops a listener added with `on`.
   *
   * @example
   * ```ts
   * limiter.off('evicted', listener);
   * ```
   */
  off<K extends SessionLimiterEventName>(
    event: K,
    listener: (payload: SessionLimiterEvents[K]) => void,
  ): void {
    this.#events.off(event, listener);
  }

  /**
   * Calls `listener` once when the session ends, whoever ends it (with a store that has a push
   * channel, in any process). Returns a function that stops watching; call it when the
   * connection that cares (a Server-Sent Events stream, a WebSocket) closes.
   *
   * @example
   * ```ts
   * const stop = limiter.watch(session.id, (ended) => sse.send('revoked', ended.reason));
   * req.on('close', stop);
   * ```
   */
  watch(sessionId: string, listener: WatchListener): () => void {
    this.#assertOpen();
    if (typeof listener !== 'function') throw argumentError('listener', 'must be a function');
    let set = this.#watchers.get(sessionId);
    if (!set) this.#watchers.set(sessionId, (set = new Set()));
    set.add(listener);
    return () => {
      const current = this.#watchers.get(sessionId);
      current?.delete(listener);
      if (current?.size === 0) this.#watchers.delete(sessionId);
    };
  }

  /**
   * Ends lapsed sessions (emitting `expired`) and forgets old tombstones. Runs by itself every
   * `pruneInterval`; call it yourself if you turned that off.
   *
   * @example
   * ```ts
   * const { expired, forgotten } = await limiter.prune();
   * ```
   */
  async prune(): Promise<PruneResult> {
    this.#assertOpen();
    this.#pruning ??= this.#sweep().finally(() => (this.#pruning = undefined));
    return this.#pruning;
  }

  /**
   * Checks the store now (its `ready()`: opens the file, creates the schema, reaches the server),
   * so that an app can stop at startup instead of answering 503 to its first requests.
   *
   * @throws SessionLimiterError `STORE_UNAVAILABLE`, with the store's error as the cause
   * @example
   * ```ts
   * await limiter.ready();
   * app.listen(3000);
   * ```
   */
  async ready(): Promise<void> {
    this.#assertOpen();
    const ready = this.store.ready?.bind(this.store);
    if (ready) await this.#store('ready', ready);
  }

  /**
   * Stops the sweep timer, listeners and watchers. The store and its client stay open: they are
   * yours to close.
   *
   * @example
   * ```ts
   * process.on('SIGTERM', () => limiter.dispose());
   * ```
   */
  async dispose(): Promise<void> {
    if (this.#disposed) return;
    this.#disposed = true;
    this.#disposal.abort();
    clearInterval(this.#pruneTimer);
    this.#events.clear();
    this.#watchers.clear();
    this.#cache?.setEnabled(false);
    await this.#pruning?.catch(() => undefined);
    const unsubscribe = await this.#unsubscribe;
    await unsubscribe?.().catch(this.#onError);
  }

  async #sweep(): Promise<PruneResult> {
    let expired = 0;
    const now = this.#now();
    for (;;) {
      const lapsed = await this.#store('prune', () => this.store.lapsed(now, PRUNE_BATCH));
      for (const record of lapsed) {
        // A store's expiry index may lag its records: trust only the record.
        const reason = expiryReason(record, now);
        if (reason && (await this.#end(record, reason, now))) expired++;
      }
      if (lapsed.length < PRUNE_BATCH) break;
    }
    const forgotten = await this.#store('prune', () => this.store.prune(now));
    return { expired, forgotten };
  }

  async #policyFor(input: OpenInput<TUser>): Promise<ResolvedPolicy> {
    if (this.#staticPolicy) return this.#staticPolicy;
    if (!('user' in input) || input.user === undefined) {
      throw argumentError('user', 'is required: the policy is a function of the user');
    }
    const policy = this.#policy as (user: TUser) => unknown;
    return resolvePolicy(await policy(input.user), this.#defaults, 'policy(user)');
  }

  /** Load, decide, commit-if-unchanged; again on conflict with another process. */
  async #commitUser<T>(
    userId: string,
    operation: string,
    decide: (snapshot: UserSnapshot) => { change: UserChange; value: T },
  ): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      const snapshot = await this.#store(operation, () => this.store.loadUser(userId));
      const { change, value } = decide(snapshot);
      if (change.put.length === 0 && change.end.length === 0) return value;
      const committed = await this.#store(operation, () =>
        this.store.commitUser(userId, snapshot.version, change),
      );
      if (committed) return value;
      if (attempt >= MAX_COMMIT_ATTEMPTS) {
        throw new SessionLimiterError(
          'STORE_CONFLICT',
          `${operation} gave up after ${attempt} attempts: too many concurrent changes to one user`,
        );
      }
      // Jittered backoff, so racing processes stop colliding.
      await sleep(Math.random() * Math.min(2 ** attempt, 50));
    }
  }

  #endOf(record: SessionRecord, reason: string, now: number, by?: SessionInfo): SessionEnd {
    const at = atOfEnd(record, reason, now);
    const end: SessionEnd = {
      session: toSessionInfo(record),
      reason,
      at,
      keepUntil: now + this.#tombstoneTtl,
      origin: this.#instanceId,
    };
    if (by) end.by = describedToOthers(by);
    return end;
  }

  /**
   * Ends one session and announces it, if this call is the one that ended it; `tellOwners` false
   * when the owner of a tracked session ended it itself.
   */
  async #end(
    record: SessionRecord,
    reason: string,
    now = this.#now(),
    tellOwners = true,
  ): Promise<SessionEnd | null> {
    const end = this.#endOf(record, reason, now);
    const removed = await this.#store(reason, () => this.store.endSession(end));
    if (!removed) return null;
    this.#announce([end], false, tellOwners);
    return end;
  }

  /**
   * A lapsed session is dead already, not live: ends it as expired, as `validate` would, and
   * answers true. Callers pass the store's copy (a cached one may lag another process's touch).
   */
  async #endIfLapsed(record: SessionRecord): Promise<boolean> {
    const now = this.#now();
    const reason = expiryReason(record, now);
    if (!reason) return false;
    await this.#expire(record, reason, now);
    return true;
  }

  async #expire(record: SessionRecord, reason: string, now: number): Promise<InvalidSession> {
    const end = await this.#end(record, reason, now);
    return {
      ok: false,
      code: 'SESSION_EXPIRED',
      reason,
      at: end?.at ?? atOfEnd(record, reason, now),
    };
  }

  #announce(ends: readonly SessionEnded[], remote: boolean, tellOwners = !remote): void {
    if (tellOwners) this.#tellOwners(ends);
    for (const end of ends) {
      this.#cache?.invalidate(end.session.id);
      this.#secrets?.forget(end.session.id);
      this.#events.emit(eventForReason(end.reason), { ...end, remote });
      const watchers = this.#watchers.get(end.session.id);
      if (!watchers) continue;
      this.#watchers.delete(end.session.id);
      for (const listener of watchers) {
        try {
          listener(end);
        } catch (error) {
          this.#onError(error);
        }
      }
    }
  }

  /** Hands tracked sessions this process ended to `onEvict` (`untrack` does not come here). */
  #tellOwners(ends: readonly SessionEnded[]): void {
    const onEvict = this.#onEvict;
    if (!onEvict) return;
    const owned: ExternalEnd[] = [];
    for (const { session, reason } of ends) {
      if (session.externalId !== undefined) {
        owned.push({ userId: session.userId, externalId: session.externalId, reason, session });
      }
    }
    if (owned.length === 0) return;
    try {
      Promise.resolve(onEvict(owned)).catch(this.#onError);
    } catch (error) {
      this.#onError(error);
    }
  }

  /** The shared half of `validate` and `validateSessionId`; `secret` null when pre-authenticated. */
  #check(id: string, secret: string | null): Promise<ValidateResult> {
    return this.#find(id).then((found) => this.#judge(id, secret, found));
  }

  /** The answer for a looked-up record; a promise only on the rare paths that touch the store. */
  #judge(
    id: string,
    secret: string | null,
    found: FoundRecord | null,
  ): ValidateResult | Promise<ValidateResult> {
    const answer = this.#judgeNow(secret, found);
    if (answer !== null || found?.kind !== 'session') return answer ?? UNKNOWN;
    // A live session with a last-seen write or expiry due (#judgeNow returned null for it).
    if (this.#cache?.enabled) return this.#judgeFresh(id);
    return this.#judgeRecord(id, found.record, this.#now());
  }

  /** The answer when it needs no store call; null when a live session needs a write or fresh read. */
  #judgeNow(secret: string | null, found: FoundRecord | null): ValidateResult | null {
    if (!found) return UNKNOWN;
    if (found.kind === 'tombstone') {
      // A dead session's secret is checked, never remembered (nor kept by a read that raced its end).
      this.#secrets?.forget(found.record.id);
      if (secret !== null && !secretMatches(secret, found.record.tokenHash)) return UNKNOWN;
      return invalidSessionOf(found.record);
    }
    if (secret !== null && !this.#secretMatches(found.record, secret)) return UNKNOWN;
    const record = found.record;
    const now = this.#now();
    // Expiry and last-seen writes go through the store (and its fresh copy).
    if (this.#needsFreshRead(record, now)) return null;
    return { ok: true, session: toSessionInfo(record) };
  }

  #secretMatches(record: { id: string; tokenHash: string }, secret: string): boolean {
    const secrets = this.#secrets;
    return secrets
      ? secrets.matches(record.id, secret, record.tokenHash)
      : secretMatches(secret, record.tokenHash);
  }

  /** A lookup without a promise: the cache's copy or the store's `findNow`; undefined if neither. */
  #findNow(id: string): FoundRecord | null | undefined {
    const cached = this.#cached(id);
    if (cached) return cached;
    try {
      return this.store.findNow?.(id);
    } catch {
      return undefined; // `validate` asks again and answers STORE_UNAVAILABLE if the store fails
    }
  }

  /**
   * Expiry and last-seen writes are decided on the store's copy, never a cached one: another
   * process may have seen the session since this one cached it.
   */
  async #judgeFresh(id: string): Promise<ValidateResult> {
    const fresh = await this.#find(id, true);
    if (fresh?.kind !== 'session') return fresh ? invalidSessionOf(fresh.record) : UNKNOWN;
    return this.#judgeRecord(id, fresh.record, this.#now());
  }

  #judgeRecord(
    id: string,
    record: SessionRecord,
    now: number,
  ): ValidateResult | Promise<ValidateResult> {
    const lapsed = expiryReason(record, now);
    if (lapsed) return this.#expire(record, lapsed, now);
    if (now - record.lastSeenAt < this.#touchIntervalOf(record)) {
      return { ok: true, session: toSessionInfo(record) };
    }
    return this.#touch(id, record, now);
  }

  async #touch(id: string, record: SessionRecord, now: number): Promise<ValidateResult> {
    const expiresAt = expiryOf(now, record.idleTimeout, record.absoluteExpiresAt);
    const mark = this.#cache?.mark() ?? 0;
    await this.#store('touch', () => this.store.touch(id, now, expiresAt));
    const touched = { ...record, lastSeenAt: now, expiresAt };
    this.#cache?.update(id, { kind: 'session', record: touched }, mark);
    return { ok: true, session: toSessionInfo(touched) };
  }

  #needsFreshRead(record: SessionRecord, now: number): boolean {
    return (
      expiryReason(record, now) !== null || now - record.lastSeenAt >= this.#touchIntervalOf(record)
    );
  }

  /**
   * Looks a session up, from the cache when the push channel allows it. Not async, to spare the
   * per-request path a frame.
   */
  #find(id: string, bypassCache = false): Promise<FoundRecord | null> {
    const cache = this.#cache;
    if (!bypassCache) {
      const cached = this.#cached(id);
      if (cached) return Promise.resolve(cached);
    }
    const mark = cache?.mark() ?? 0;
    return this.#store('validate', () => this.store.find(id)).then((found) => {
      if (found && cache?.enabled) cache.fill(id, found, mark);
      return found;
    });
  }

  /**
   * The cache's copy, if the cache may be used; never a tombstone past its `keepUntil`, which a
   * sweep may have forgotten in the store without telling the cache.
   */
  #cached(id: string): FoundRecord | undefined {
    const cached = this.#cache?.enabled ? this.#cache.get(id) : undefined;
    if (cached?.kind === 'tombstone' && cached.record.keepUntil <= this.#now()) return undefined;
    return cached;
  }

  async #subscribe(
    subscribe: NonNullable<SessionStore['subscribe']>,
  ): Promise<(() => Promise<void>) | undefined> {
    try {
      return await subscribe({
        ended: (notice) => {
          this.#cache?.invalidate(notice.session.id);
          if (notice.origin !== this.#instanceId && !this.#disposed) this.#announce([notice], true);
        },
        status: (up) => this.#cache?.setEnabled(up && !this.#disposed),
      });
    } catch (error) {
      // Without a push channel the limiter still works, reading the store on every request.
      this.#onError(storeUnavailable('subscribe', error));
      return undefined;
    }
  }

  /**
   * Runs a store call; anything it throws or rejects with becomes `STORE_UNAVAILABLE` (fail
   * closed). Not async, to spare the per-request path a frame.
   */
  #store<T>(operation: string, call: () => Promise<T>): Promise<T> {
    let pending: Promise<T>;
    try {
      pending = call();
    } catch (error) {
      return Promise.reject(this.#storeFailed(operation, error));
    }
    return pending.then(undefined, (error: unknown) => {
      throw this.#storeFailed(operation, error);
    });
  }

  /**
   * A store that cannot be reached may have lost its push channel without noticing yet (a
   * crashed or frozen server): cached answers are no longer trusted, so every later request
   * reads the store, and is refused while it stays down.
   */
  #storeFailed(operation: string, error: unknown): SessionLimiterError {
    const failure = storeUnavailable(operation, error);
    if (failure.code === 'STORE_UNAVAILABLE') this.#cache?.clear();
    return failure;
  }

  #touchIntervalOf(record: SessionRecord): number {
    return record.idleTimeout === null
      ? this.#touchInterval
      : Math.min(this.#touchInterval, record.idleTimeout / 4);
  }

  #assertOpen(): void {
    if (this.#disposed) throw disposedError();
  }
}

/**
 * Creates a session limiter: the one object that opens, checks and ends sessions under a
 * policy.
 *
 * @param options store, policy, default timeouts; all optional
 * @throws SessionLimiterError `INVALID_CONFIG`, naming the field, for a bad option or policy
 * @example
 * ```ts
 * import { createSessionLimiter, MemoryStore } from 'session-limiter';
 *
 * const limiter = createSessionLimiter({
 *   store: new MemoryStore(),
 *   policy: (user: { role: string }) =>
 *     user.role === 'staff' ? { max: 1, onLimit: 'evict' } : { max: Infinity },
 *   idleTimeout: '30m',
 *   absoluteTimeout: '12h',
 * });
 * ```
 */
export function createSessionLimiter<TUser = unknown>(
  options: SessionLimiterOptions<TUser> = {},
): SessionLimiter<TUser> {
  return new SessionLimiter<TUser>(options);
}

/**
 * The evicting login as the evicted device will see it: which device, and when; never its IP
 * address or app data (the evicted device may be the intruder).
 */
function describedToOthers(session: SessionInfo): SessionInfo {
  const { data: _data, device, ...rest } = session;
  return { ...rest, device: { kind: device.kind, label: device.label } };
}

/** A lapsed session ended when its timeout ran out, not when somebody noticed. */
function atOfEnd(record: SessionRecord, reason: string, now: number): number {
  if (reason === END_REASONS.absolute) return record.absoluteExpiresAt ?? now;
  if (reason === END_REASONS.idle) return record.expiresAt ?? now;
  return now;
}

function finiteOrNull(value: number): number | null {
  return Number.isFinite(value) ? value : null;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function disposedError(): SessionLimiterError {
  return new SessionLimiterError('DISPOSED', 'this limiter was disposed');
}

/** An id for this limiter instance on the push channel (not a secret). */
function instanceTag(): string {
  return randomBytes(9).toString('base64url');
}

function reportError(error: unknown): void {
  console.error('[session-limiter]', error);
}
