import { SessionLimiterError } from '../errors.js';
import type { AccessTokenClaims } from '../jwt/tokens.js';
import type { InvalidSession, OpenResult } from '../results.js';
import type { JsonValue, SessionInfo } from '../session.js';
import type { TokenCarrier } from './carriers.js';
import { type EventSink, type EventStreamOptions, streamSessionEvents } from './events.js';
import type { HttpAnswer, HttpExchange } from './exchange.js';
import type { GateSettings } from './options.js';

/**
 * A dead session as the adapters answer it: `validate`'s refusal plus the sentence to show.
 *
 * @example
 * ```ts
 * onRevoked: (req, res, dead: DeadSession) => res.status(401).json({ why: dead.message }),
 * ```
 */
export interface DeadSession extends InvalidSession {
  message: string;
}

/**
 * Options of `login`.
 *
 * @example
 * ```ts
 * await req.sessionLimit.login(user, { replace: req.body.replace });
 * ```
 */
export interface LoginOptions {
  /** A live session of this user to sign out in the same step (after a rejection). */
  replace?: string | undefined;
  /** App data kept with the session. */
  data?: JsonValue;
}

/**
 * This request's session and the helpers routes use: `req.sessionLimit` in Express,
 * `request.sessionLimit` in Fastify, `c.get('sessionLimit')` in Hono, `ctx.state.sessionLimit`
 * in Koa. The same in every adapter.
 *
 * @example
 * ```ts
 * app.post('/login', async (req, res) => {
 *   const user = await checkPassword(req.body.username, req.body.password);
 *   if (!user) return res.status(401).end();
 *   const r = await req.sessionLimit.login(user);
 *   res.status(r.ok ? 200 : 409).json(r.ok ? { session: r.session } : r);
 * });
 * app.get('/me', (req, res) => res.json({ session: req.sessionLimit.session }));
 * ```
 */
export class SessionLimitContext {
  /** The live session of this request, or null. */
  session: SessionInfo | null = null;
  /** With `passThroughDead` (a login, say): the dead session the request carried, and why it ended. */
  ended: DeadSession | null = null;
  /** On the login page after a redirect: the sentence saying why the user was signed out. */
  notice: string | null = null;
  /** Bearer mode: the verified access token's claims. */
  claims: AccessTokenClaims | null = null;
  readonly #settings: GateSettings;
  readonly #carrier: TokenCarrier<never>;
  readonly #exchange: HttpExchange;
  #token: string | undefined;

  /** @internal Made by the HTTP layer for each request. */
  constructor(
    settings: GateSettings,
    carrier: TokenCarrier<never>,
    exchange: HttpExchange,
    token: string | undefined,
  ) {
    this.#settings = settings;
    this.#carrier = carrier;
    this.#exchange = exchange;
    this.#token = token;
  }

  /**
   * Opens a session for a user whose password the app has checked, with the device read from
   * the request, and sets the cookie. A session this browser already had is replaced in the
   * same step (a new token on every login).
   *
   * @example
   * ```ts
   * const r = await req.sessionLimit.login(user);
   * if (!r.ok) return res.status(409).json({ error: { code: r.code }, active: r.active });
   * ```
   */
  async login(user: unknown, options: LoginOptions = {}): Promise<OpenResult> {
    const { limiter, jwt, userIdOf, cookie } = this.#settings;
    if (jwt) {
      throw new SessionLimiterError(
        'INVALID_ARGUMENT',
        'in bearer mode there is no cookie to set: issue tokens with jwt.login() instead',
      );
    }
    const userId = userIdOf(user);
    const previous = this.session;
    const sameUser = previous?.userId === userId;
    if (previous && !sameUser && this.#token) await limiter.close(this.#token);

    const x = this.#exchange;
    const result = await limiter.open({
      userId,
      user,
      device: { userAgent: x.header('user-agent'), ip: x.ip },
      replace: options.replace ?? (sameUser ? previous.id : undefined),
      ...(options.data === undefined ? {} : { data: options.data }),
    });
    if (!result.ok) return result;
    if (
      sameUser &&
      options.replace !== undefined &&
      options.replace !== previous.id &&
      this.#token
    ) {
      await limiter.close(this.#token);
    }
    await this.#carry().write(x, result.token, cookie.maxAge);
    this.#token = result.token;
    this.session = result.session;
    this.ended = null;
    return result;
  }

  /**
   * Ends this request's session and clears the cookie. Returns true if there was one.
   *
   * @example
   * ```ts
   * app.post('/logout', async (req, res) => res.json({ ok: await req.sessionLimit.logout() }));
   * ```
   */
  async logout(): Promise<boolean> {
    const { jwt, limiter } = this.#settings;
    let closed = false;
    if (this.#token) {
      closed = jwt ? await jwt.logout(this.#token) : await limiter.close(this.#token);
    }
    await this.#carry().clear(this.#exchange);
    this.#token = undefined;
    this.session = null;
    return closed;
  }

  /**
   * The signed-in user's live sessions, most recently active first.
   *
   * @example
   * ```ts
   * res.json({ sessions: await req.sessionLimit.list(), current: req.sessionLimit.session?.id });
   * ```
   */
  async list(): Promise<SessionInfo[]> {
    return this.#settings.limiter.list(this.#requireSession().userId);
  }

  /**
   * Signs out one of the signed-in user's sessions. Throws `SESSION_NOT_FOUND` for an id that
   * is not one of theirs.
   *
   * @example
   * ```ts
   * app.delete('/sessions/:id', async (req, res) => res.json(await req.sessionLimit.revoke(req.params.id)));
   * ```
   */
  async revoke(sessionId: string): Promise<SessionInfo> {
    const session = this.#requireSession();
    const revoked = await this.#settings.limiter.revoke(session.userId, sessionId);
    if (revoked.id === session.id) {
      await this.#carry().clear(this.#exchange);
      this.session = null;
    }
    return revoked;
  }

  /**
   * Signs out every other session of the signed-in user ("sign out everywhere else").
   *
   * @example
   * ```ts
   * const ended = await req.sessionLimit.revokeOthers();
   * ```
   */
  async revokeOthers(): Promise<SessionInfo[]> {
    const session = this.#requireSession();
    return this.#settings.limiter.revokeAll(session.userId, { except: session.id });
  }

  /**
   * Serves this request as the session's event stream (what each adapter's events route calls):
   * `event: revoked` the moment the session ends. Returns the answer to send instead when the
   * request has no session, else null.
   *
   * @example
   * ```ts
   * const refusal = req.sessionLimit.streamEvents(sinkOver(res));
   * if (refusal) res.status(refusal.status).json(refusal.json);
   * ```
   */
  streamEvents(sink: EventSink, options?: EventStreamOptions): HttpAnswer | null {
    return streamSessionEvents(this.#settings, this, sink, options);
  }

  /** The carrier, typed for this context's own exchange (the gate pairs them). */
  #carry(): TokenCarrier {
    return this.#carrier;
  }

  #requireSession(): SessionInfo {
    if (!this.session) {
      throw new SessionLimiterError('SESSION_NOT_FOUND', 'this request has no live session');
    }
    return this.session;
  }
}
