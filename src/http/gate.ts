import { SessionLimiterError } from '../errors.js';
import { authenticateBearer } from '../jwt/bearer.js';
import type { JwtSessions } from '../jwt/sessions.js';
import { deadSessionBody, isHtmlNavigation, storeUnavailableBody } from './answers.js';
import type { TokenCarrier } from './carriers.js';
import { cookieNameFor, expireCookie, readCookie, serializeCookie } from './cookies.js';
import { type DeadSession, SessionLimitContext } from './context.js';
import type { HttpAnswer, HttpExchange } from './exchange.js';
import type { GateSettings } from './options.js';
import { crossOriginBody, isCrossSiteWrite } from './origin.js';

/**
 * What the gate decided for one request: go on to the routes, or answer now. A dead session and
 * a store outage are kept apart so an adapter can hand them to the app's own hooks
 * (`onRevoked`, `onStoreError`); {@link SessionGate.answer} gives the default answer for each.
 *
 * @example
 * ```ts
 * const decision = await gate.check(exchange);
 * if (decision.kind === 'next') return next();
 * send(gate.answer(exchange, decision));
 * ```
 */
export type GateDecision =
  | { readonly kind: 'next' }
  | { readonly kind: 'answer'; readonly answer: HttpAnswer }
  | { readonly kind: 'dead'; readonly dead: DeadSession; readonly headers?: Record<string, string> }
  | { readonly kind: 'store-error'; readonly error: SessionLimiterError };

const NEXT: GateDecision = Object.freeze({ kind: 'next' });
const CROSS_ORIGIN: GateDecision = Object.freeze({
  kind: 'answer',
  answer: { status: 403, json: crossOriginBody() },
});

/**
 * The framework-neutral half of every adapter: reads the token (exact cookie name, bearer header
 * or the framework's session), refuses cross-site writes, checks the session, and decides the
 * answer to a dead session or a store outage. An adapter makes one at startup and calls `check`
 * on every request; it holds no rule of its own.
 *
 * @example
 * ```ts
 * const gate = new SessionGate(settings, cookieCarrier(settings.cookie), {
 *   attach: (x, context) => (x.request.sessionLimit = context),
 *   passThroughDead: (x) => x.method === 'POST' && x.path === '/api/login',
 * });
 * ```
 */
export class SessionGate<X extends HttpExchange> {
  readonly #settings: GateSettings;
  readonly #carrier: TokenCarrier<X>;
  readonly #attach: (exchange: X, context: SessionLimitContext) => void;
  readonly #passThroughDead: (exchange: X) => boolean;
  readonly #noticeName: string;

  constructor(
    settings: GateSettings,
    carrier: TokenCarrier<X>,
    hooks: {
      /** Puts the request's context where routes find it (`req.sessionLimit = context`). */
      attach: (exchange: X, context: SessionLimitContext) => void;
      /** Requests where a dead session passes through as "no session" (default: a login POST, an event stream). */
      passThroughDead?: ((exchange: X) => boolean) | undefined;
    },
  ) {
    this.#settings = settings;
    this.#carrier = carrier;
    this.#attach = hooks.attach;
    this.#passThroughDead = hooks.passThroughDead ?? passesDeadByDefault;
    this.#noticeName = `${cookieNameFor(settings.cookie)}-notice`;
  }

  /** The settings this gate was made with (the adapter's checked options). */
  get settings(): GateSettings {
    return this.#settings;
  }

  /**
   * Decides one request. Attaches the request's context first, so routes always find it. Answers
   * without a promise when the limiter can (most requests with a live session).
   */
  check(x: X): GateDecision | Promise<GateDecision> {
    const token = this.#carrier.read(x);
    const context = new SessionLimitContext(this.#settings, this.#carrier, x, token);
    this.#attach(x, context);
    const jwt = this.#settings.jwt;
    if (jwt) return this.#checkBearer(x, context, jwt);
    // Only a page navigation that carries a notice cookie reads it (cheap test first).
    if (this.#hasNotice(x)) context.notice = this.#takeNotice(x);
    if (token === undefined) return NEXT;
    if (this.#carrier.ambient && isCrossSiteWrite(x.method, x, this.#settings.trustedOrigins)) {
      return CROSS_ORIGIN;
    }
    const known = this.#settings.limiter.validateNow(token);
    if (known?.ok) {
      context.session = known.session;
      return NEXT;
    }
    return this.#checkInStore(x, context, token);
  }

  /**
   * The default answer to a decision other than `next`: 401 JSON or a 303 to the login page
   * (with the notice cookie) for a dead session, 503 for a store outage.
   */
  answer(x: X, decision: Exclude<GateDecision, { kind: 'next' }>): HttpAnswer {
    switch (decision.kind) {
      case 'answer':
        return decision.answer;
      case 'store-error':
        return { status: 503, headers: { 'retry-after': '5' }, json: storeUnavailableBody() };
      case 'dead': {
        const { dead } = decision;
        if (!decision.headers && this.#isNavigation(x)) {
          // The sentence travels in a short-lived cookie, not the URL, so nobody can craft a
          // login link that shows a message of their own.
          const { secure } = this.#settings.cookie;
          x.setCookie(
            serializeCookie(this.#noticeName, encodeURIComponent(dead.message), {
              secure,
              maxAge: 60,
            }),
          );
          const reason = encodeURIComponent(dead.reason ?? dead.code);
          return { status: 303, location: `${this.#settings.loginPath}?signedOut=${reason}` };
        }
        const answer: HttpAnswer = { status: 401, json: deadSessionBody(dead, dead.message) };
        if (decision.headers) answer.headers = decision.headers;
        return answer;
      }
    }
  }

  async #checkInStore(x: X, context: SessionLimitContext, token: string): Promise<GateDecision> {
    const { limiter, message } = this.#settings;
    let result;
    try {
      result = await limiter.validate(token);
    } catch (error) {
      return storeError(error);
    }
    if (result.ok) {
      context.session = result.session;
      return NEXT;
    }
    if (result.code === 'SESSION_UNKNOWN') {
      await this.#carrier.forget(x);
      return NEXT;
    }
    const dead: DeadSession = { ...result, message: message(result) };
    if (this.#passThroughDead(x)) {
      await this.#carrier.forget(x);
      context.ended = dead;
      return NEXT;
    }
    await this.#carrier.clear(x);
    return { kind: 'dead', dead };
  }

  async #checkBearer(x: X, context: SessionLimitContext, jwt: JwtSessions): Promise<GateDecision> {
    let auth;
    try {
      auth = await authenticateBearer(jwt, x.header('authorization'));
    } catch (error) {
      return storeError(error);
    }
    if (auth.kind === 'none') return NEXT;
    if (auth.kind === 'authenticated') {
      context.session = auth.session;
      context.claims = auth.claims;
      return NEXT;
    }
    const headers = { 'www-authenticate': auth.wwwAuthenticate };
    if (auth.result.code === 'INVALID_TOKEN') {
      const error: { code: string; reason?: string; message: string } = {
        code: auth.code,
        message: auth.message,
      };
      if (auth.reason !== undefined) error.reason = auth.reason;
      return { kind: 'answer', answer: { status: 401, headers, json: { error } } };
    }
    const dead: DeadSession = { ...auth.result, message: this.#settings.message(auth.result) };
    return { kind: 'dead', dead, headers };
  }

  #hasNotice(x: X): boolean {
    return x.header('cookie')?.includes('-notice=') === true && this.#isNavigation(x);
  }

  #isNavigation(x: X): boolean {
    return isHtmlNavigation(x.method, x.header('accept'), x.header('sec-fetch-mode'));
  }

  #takeNotice(x: X): string | null {
    const raw = readCookie(x.header('cookie'), this.#noticeName);
    if (raw === undefined) return null;
    x.setCookie(expireCookie(this.#noticeName, this.#settings.cookie.secure));
    try {
      return decodeURIComponent(raw).slice(0, 500);
    } catch {
      return null;
    }
  }
}

/**
 * The default for `passThroughDead`: a POST whose path ends in `/login` (a signed-out browser
 * signs in again at once), or an event-stream request (it reports the end in its own format: an
 * EventSource cannot read a 401 body).
 */
function passesDeadByDefault(x: HttpExchange): boolean {
  if (x.method === 'POST') return /\/login\/?$/.test(x.path);
  return x.method === 'GET' && x.header('accept')?.includes('text/event-stream') === true;
}

/** A store outage is answered 503, never let through; anything else is the app's to handle. */
function storeError(error: unknown): GateDecision {
  if (error instanceof SessionLimiterError && error.code === 'STORE_UNAVAILABLE') {
    return { kind: 'store-error', error };
  }
  throw error;
}
