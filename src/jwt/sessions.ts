import { SessionLimiterError, configError } from '../errors.js';
import type { SessionLimiter } from '../limiter.js';
import type { InvalidSession, OpenInput } from '../results.js';
import type { SessionInfo } from '../session.js';
import { type JwtSessionsOptions, resolveJwtOptions } from './options.js';
import { type AccessTokenClaims, type InvalidToken, TokenCodec, invalidToken } from './tokens.js';

/**
 * The answer of `login`: a token pair for a new session, or the limiter's refusal with the live
 * sessions listed. The refusal declares the token fields as absent, so
 * `const { accessToken, refreshToken, session } = await jwt.login(...)` type-checks.
 *
 * @example
 * ```ts
 * const r = await jwt.login({ userId: user.id, user, device: { userAgent, ip } });
 * if (!r.ok) return res.status(409).json({ code: r.code, active: r.active });
 * res.json({ accessToken: r.accessToken, refreshToken: r.refreshToken });
 * ```
 */
export type JwtLoginResult =
  | {
      ok: true;
      accessToken: string;
      refreshToken: string;
      session: SessionInfo;
      /** Sessions this login signed out (their tokens are dead from now on). */
      evicted: SessionInfo[];
    }
  | {
      ok: false;
      code: 'SESSION_LIMIT_REACHED';
      active: SessionInfo[];
      accessToken?: undefined;
      refreshToken?: undefined;
      session?: undefined;
    };

/**
 * The answer of `verify`: `validate`'s shape and codes, plus the token's claims on success, or
 * `INVALID_TOKEN` with a reason word for a token that is not a valid access token.
 *
 * @example
 * ```ts
 * const v = await jwt.verify(accessToken);
 * if (v.ok) req.userId = v.claims.sub;
 * else if (v.code === 'SESSION_REVOKED') console.log('signed out:', v.reason); // 'evicted', ...
 * ```
 */
export type JwtVerifyResult =
  { ok: true; session: SessionInfo; claims: AccessTokenClaims } | InvalidSession | InvalidToken;

/**
 * The answer of `refresh`: a new token pair (the presented refresh token is dead from now on),
 * or why not. A replayed refresh token ends the whole session: `SESSION_REVOKED` with reason
 * `'refresh-token-reuse'`.
 *
 * @example
 * ```ts
 * const r = await jwt.refresh(refreshToken);
 * if (r.ok) res.json({ accessToken: r.accessToken, refreshToken: r.refreshToken });
 * else res.status(401).json({ code: r.code, reason: r.reason });
 * ```
 */
export type JwtRefreshResult =
  | { ok: true; accessToken: string; refreshToken: string; session: SessionInfo }
  | InvalidSession
  | InvalidToken;

/**
 * Access and refresh tokens bound to the limiter's sessions. Create it with
 * {@link createJwtSessions}.
 *
 * Every access token carries its session id (`sid`), and `verify` looks that id up in the
 * registry (through the limiter's cache where the store has one), so a token from an evicted or
 * revoked session is refused on its very next use, not when it expires.
 *
 * Refresh tokens are signed, not stored. Each carries the session's credential generation
 * (`gen`); `refresh` moves the session to the next generation atomically in the store, so the
 * presented token is dead from then on, and presenting an older generation again (a replay: the
 * token was copied) revokes the whole session with reason `'refresh-token-reuse'`. The store
 * holds only that counter, so nothing usable is stored: a dump of the store cannot mint or
 * replay a token.
 *
 * @example
 * ```ts
 * const jwt = createJwtSessions(limiter, { secret, issuer, audience });
 * const { accessToken, refreshToken } = await jwt.login({ userId: 'alice', user });
 * const v = await jwt.verify(accessToken); // { ok: true, session, claims }
 * ```
 */
export class JwtSessions<TUser = unknown> {
  /** The limiter whose sessions the tokens belong to. */
  readonly limiter: SessionLimiter<TUser>;
  /** The clock the tokens are issued and checked with (the `now` option). */
  readonly now: () => number;
  readonly #codec: TokenCodec;

  constructor(limiter: SessionLimiter<TUser>, options: JwtSessionsOptions) {
    assertLimiter(limiter);
    const resolved = resolveJwtOptions(options);
    this.limiter = limiter;
    this.now = resolved.now;
    this.#codec = new TokenCodec(resolved);
  }

  /**
   * Opens a session through `limiter.open` (the policy applies: evict or reject exactly as for
   * cookies) and issues its token pair. Call it only after the credentials are verified.
   *
   * @example
   * ```ts
   * const r = await jwt.login({ userId: user.id, user, device: { userAgent, ip } });
   * if (r.ok) res.json({ accessToken: r.accessToken, refreshToken: r.refreshToken });
   * else askWhichDeviceToSignOut(r.active); // then login again with { replace: chosenId }
   * ```
   */
  async login(input: OpenInput<TUser>): Promise<JwtLoginResult> {
    const opened = await this.limiter.open(input);
    if (!opened.ok) return opened;
    const { session, evicted } = opened;
    const pair = await this.#issue(session, 0);
    return { ok: true, ...pair, session, evicted };
  }

  /**
   * The per-request check of an access token: signature (allowed algorithms only), expiry,
   * issuer, audience and type, then its session in the registry. Never throws for a bad token;
   * throws `STORE_UNAVAILABLE` when the store cannot answer (fail closed).
   *
   * @example
   * ```ts
   * const v = await jwt.verify(accessToken);
   * if (!v.ok) return res.status(401).json({ code: v.code, reason: v.reason });
   * ```
   */
  async verify(accessToken: unknown): Promise<JwtVerifyResult> {
    const token = await this.#codec.verify(accessToken, ['access']);
    if (!token.ok) return token;
    const { claims } = token;
    const checked = await this.limiter.validateSessionId(claims.sid);
    if (!checked.ok) return checked;
    // The signature binds sub to sid; a mismatch means a token this registry never issued.
    if (checked.session.userId !== claims.sub) return invalidToken('claims');
    return { ok: true, session: checked.session, claims };
  }

  /**
   * Trades a refresh token for a new pair. The presented token is dead afterwards; presenting
   * it again revokes the session (reason `'refresh-token-reuse'`), as OAuth 2.1 asks, so a stolen
   * refresh token is worth one use at most, and both holders are signed out when it is replayed.
   *
   * @example
   * ```ts
   * const r = await jwt.refresh(req.body.refreshToken);
   * if (!r.ok) return res.status(401).json({ code: r.code, reason: r.reason });
   * res.json({ accessToken: r.accessToken, refreshToken: r.refreshToken });
   * ```
   */
  async refresh(refreshToken: unknown): Promise<JwtRefreshResult> {
    const token = await this.#codec.verify(refreshToken, ['refresh']);
    if (!token.ok) return token;
    const { sub, sid, gen } = token.claims;
    const rotated = await this.limiter.rotate(sub, sid, gen);
    if (!rotated.ok) return rotated;
    const pair = await this.#issue(rotated.session, rotated.generation);
    return { ok: true, ...pair, session: rotated.session };
  }

  /**
   * Ends the session of an access or refresh token (reason `'logout'`). Returns true if a live
   * session was ended; false, doing nothing, for a bad, expired or already-ended token.
   *
   * @example
   * ```ts
   * await jwt.logout(refreshToken);
   * res.status(204).end();
   * ```
   */
  async logout(token: unknown): Promise<boolean> {
    const verified = await this.#codec.verify(token, ['access', 'refresh']);
    if (!verified.ok) return false;
    try {
      await this.limiter.revoke(verified.claims.sub, verified.claims.sid, { reason: 'logout' });
      return true;
    } catch (error) {
      if (error instanceof SessionLimiterError && error.code === 'SESSION_NOT_FOUND') return false;
      throw error;
    }
  }

  async #issue(
    session: SessionInfo,
    gen: number,
  ): Promise<{ accessToken: string; refreshToken: string }> {
    const notAfter = await this.#absoluteEnd(session);
    const claims = { sub: session.userId, sid: session.id };
    const [accessToken, refreshToken] = await Promise.all([
      this.#codec.sign('access', claims, notAfter),
      this.#codec.sign('refresh', { ...claims, gen }, notAfter),
    ]);
    return { accessToken, refreshToken };
  }

  /**
   * When the session's absolute timeout ends it, so no token outlives that (null: never).
   * `SessionInfo` carries only the nearer of the idle and absolute ends, so this reads the
   * stored record. If that read fails, the nearer end is used: a shorter token life, and no
   * session opened without tokens to show for it.
   */
  async #absoluteEnd(session: SessionInfo): Promise<number | null> {
    if (session.expiresAt === null) return null;
    const found = await this.limiter.store.find(session.id).catch(() => null);
    return found?.kind === 'session' ? found.record.absoluteExpiresAt : session.expiresAt;
  }
}

/**
 * Binds JWT access and refresh tokens to a limiter's sessions: the same limits and policies as
 * cookies, and a token from an evicted session stops working at once.
 *
 * @param limiter the limiter whose sessions the tokens belong to
 * @param options a key (`secret`, or `privateKey`/`publicKey`), `issuer`, `audience`, and
 *   optionally `accessTtl` (default `'5m'`), `refreshTtl` (default `'30d'`), `algorithms`, `now`
 * @throws SessionLimiterError `INVALID_CONFIG`, naming the field, for a short secret, a missing
 *   issuer or audience, an algorithm that does not fit the key, and so on
 * @example
 * ```ts
 * import { createSessionLimiter } from 'session-limiter';
 * import { createJwtSessions } from 'session-limiter/jwt';
 *
 * const limiter = createSessionLimiter({ policy: { max: 1 } });
 * const jwt = createJwtSessions(limiter, {
 *   secret: process.env.JWT_SECRET!,
 *   issuer: 'https://auth.example.com',
 *   audience: 'https://api.example.com',
 *   accessTtl: '5m',
 *   refreshTtl: '30d',
 * });
 * const { accessToken, refreshToken, session } = await jwt.login({ userId: 'alice' });
 * ```
 */
export function createJwtSessions<TUser = unknown>(
  limiter: SessionLimiter<TUser>,
  options: JwtSessionsOptions,
): JwtSessions<TUser> {
  return new JwtSessions(limiter, options);
}

function assertLimiter(limiter: unknown): void {
  const methods = ['open', 'validateSessionId', 'rotate', 'revoke'];
  const target = limiter as Record<string, unknown> | null | undefined;
  if (methods.some((m) => typeof target?.[m] !== 'function') || typeof target?.store !== 'object') {
    throw configError('limiter', 'must be a SessionLimiter from createSessionLimiter()');
  }
}
