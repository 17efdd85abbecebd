import { configError, type SessionLimiterError } from '../../errors.js';
import { type TokenCarrier, bearerCarrier, cookieCarrier } from '../../http/carriers.js';
import type { DeadSession } from '../../http/context.js';
import { type GateDecision, SessionGate } from '../../http/gate.js';
import { type GateOptions, gateSettings } from '../../http/options.js';
import type { SessionLimiter } from '../../limiter.js';
import {
  type NestExchange,
  type NestHttpAdapter,
  type Platform,
  type PlatformRequest,
  platformOf,
} from './platforms.js';

/**
 * Options of `SessionLimitModule.forRoot`: the limiter, the options every adapter shares, and
 * hooks that receive the platform's own request and response (Express `req`/`res` or Fastify
 * `request`/`reply`; annotate their types in the hook).
 *
 * @example
 * ```ts
 * SessionLimitModule.forRoot({
 *   limiter,
 *   loginPath: '/signin',
 *   onRevoked: (req: Request, res: Response, dead) => res.status(401).json({ why: dead.message }),
 * });
 * ```
 */
export interface SessionLimitModuleOptions<
  TUser = unknown,
  TRequest = unknown,
  TResponse = unknown,
> extends GateOptions<TUser> {
  /** The limiter from `createSessionLimiter`. */
  limiter: SessionLimiter<TUser>;
  /**
   * `'cookie'` (default): the library is the session, with its own `__Host-` cookie.
   * `'bearer'`: JWT access tokens in `Authorization: Bearer` (pass `jwt`).
   */
  mode?: 'cookie' | 'bearer';
  /**
   * Requests where a dead session is not answered but passed through as "no session", with
   * `ended` saying why. Default: a POST whose path ends in `/login`.
   */
  passThroughDead?: (request: TRequest) => boolean;
  /**
   * Answers a dead session instead of the default (401 JSON, or a redirect for a page). It may
   * also throw an `HttpException`, which the app's exception filters answer.
   */
  onRevoked?: (request: TRequest, response: TResponse, dead: DeadSession) => void;
  /** Answers a store outage instead of the default 503 JSON `STORE_UNAVAILABLE` (or throws). */
  onStoreError?: (request: TRequest, response: TResponse, error: SessionLimiterError) => void;
}

type PlatformOptions = SessionLimitModuleOptions<unknown, PlatformRequest>;

const HOOKS = ['passThroughDead', 'onRevoked', 'onStoreError'] as const;

/** The injection token of the module's {@link NestGate}. */
export const GATE = Symbol('session-limiter NestJS gate');

/**
 * The gate with the app's hooks, its options checked once as the app starts. Runs on every
 * request of either platform; the platform mapping is in `platforms.ts`.
 */
export class NestGate {
  readonly #gate: SessionGate<NestExchange>;
  readonly #onRevoked: PlatformOptions['onRevoked'];
  readonly #onStoreError: PlatformOptions['onStoreError'];
  readonly #bearer: boolean;
  #platform: Platform | undefined;
  /** Ends the open event streams when the app shuts down. */
  #streams = new AbortController();

  /** @throws SessionLimiterError `INVALID_CONFIG` for a bad option, naming it */
  constructor(input: unknown) {
    if (typeof input !== 'object' || input === null) {
      throw configError('options', 'must be an object such as { limiter }');
    }
    const options = input as PlatformOptions;
    const settings = gateSettings(options.limiter, options, {
      entry: 'SessionLimitModule',
      ownKeys: ['limiter', ...HOOKS],
      functions: HOOKS,
    });
    const carrier: TokenCarrier<NestExchange> =
      settings.mode === 'bearer' ? bearerCarrier : cookieCarrier(settings.cookie);
    const { passThroughDead } = options;
    this.#gate = new SessionGate<NestExchange>(settings, carrier, {
      attach: (x, context) => (x.request.sessionLimit = context),
      passThroughDead: passThroughDead && ((x) => passThroughDead(x.request)),
    });
    this.#onRevoked = options.onRevoked;
    this.#onStoreError = options.onStoreError;
    this.#bearer = settings.mode === 'bearer';
  }

  /**
   * Readies the response to a request that needs a session and has none: in bearer mode it
   * names the scheme to use (RFC 6750: `WWW-Authenticate: Bearer`, no error for a request
   * that sent no token).
   */
  challenge(request: PlatformRequest, response: unknown): void {
    if (!this.#bearer || !this.#platform) return;
    this.#platform.exchange(request, response).setHeaders({ 'www-authenticate': 'Bearer' });
  }

  /** Starts checking every request of the app (Nest calls the module's `configure` per app). */
  mount(adapter: NestHttpAdapter | undefined): void {
    this.#platform = platformOf(adapter);
    this.#streams = new AbortController();
    this.#platform.mount(this.run);
  }

  /** Serves the session's event stream on a route's own request and response. */
  streamEvents(request: PlatformRequest, response: unknown): void {
    const context = request.sessionLimit;
    if (!this.#platform || !context) {
      throw configError('SessionEvents', 'serves HTTP routes of an app that has started');
    }
    const x = this.#platform.exchange(request, response);
    const refusal = context.streamEvents(x.eventSink(), { signal: this.#streams.signal });
    if (refusal) x.send(refusal);
  }

  /** Ends every open event stream (the app is shutting down). */
  endStreams(): void {
    this.#streams.abort();
  }

  /** Decides one request: `next()` to go on, or the answer is sent (or `next(error)`). */
  readonly run = (x: NestExchange, next: (error?: unknown) => void): void => {
    const decision = this.#gate.check(x);
    if (!(decision instanceof Promise)) return this.#settle(x, decision, next);
    decision.then((d) => this.#settle(x, d, next), next);
  };

  #settle(x: NestExchange, decision: GateDecision, next: (error?: unknown) => void): void {
    if (decision.kind === 'next') return next();
    try {
      if (decision.kind === 'dead' && this.#onRevoked) {
        return this.#onRevoked(x.request, x.response, decision.dead);
      }
      if (decision.kind === 'store-error' && this.#onStoreError) {
        return this.#onStoreError(x.request, x.response, decision.error);
      }
      x.send(this.#gate.answer(x, decision));
    } catch (error) {
      next(error);
    }
  }
}
