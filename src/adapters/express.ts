import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { configError, type SessionLimiterError } from '../errors.js';
import { type TokenCarrier, bearerCarrier, cookieCarrier } from '../http/carriers.js';
import { type DeadSession, SessionLimitContext } from '../http/context.js';
import type { HttpAnswer, HttpExchange } from '../http/exchange.js';
import { type EventStreamOptions, checkEventStreamOptions } from '../http/events.js';
import { serverResponseSink } from '../http/node-response.js';
import { type GateDecision, SessionGate } from '../http/gate.js';
import { type GateOptions, gateSettings } from '../http/options.js';
import type { SessionLimiter } from '../limiter.js';

export { SessionLimitContext, type DeadSession };
export type { LoginOptions } from '../http/context.js';

/**
 * Options of {@link sessionLimit}: the options every adapter shares, plus Express's hooks.
 *
 * @example
 * ```ts
 * app.use(sessionLimit(limiter, { mode: 'cookie', loginPath: '/signin' }));
 * ```
 */
export interface SessionLimitOptions<TUser = unknown> extends GateOptions<TUser> {
  /**
   * `'cookie'` (default): the library is the session, with its own `__Host-` cookie.
   * `'express-session'`: it rides on `req.session` (mount express-session first), keeping its
   * token there and destroying the session when it is dead. `'bearer'`: JWT access tokens in
   * `Authorization: Bearer` (pass `jwt`).
   */
  mode?: 'cookie' | 'express-session' | 'bearer';
  /**
   * Requests where a dead session is not answered but passed through as "no session", with
   * `req.sessionLimit.ended` saying why: a sign-in (so a signed-out browser can sign in again
   * at once), or an event stream that reports the end in its own format. Default: a POST whose
   * path ends in `/login`.
   */
  passThroughDead?: (req: Request) => boolean;
  /** Answers a dead session; the default is 401 JSON for API calls, a redirect for pages. */
  onRevoked?: (req: Request, res: Response, dead: DeadSession) => void;
  /** Answers a request the store could not check; the default is 503 JSON `STORE_UNAVAILABLE`. */
  onStoreError?: (req: Request, res: Response, error: SessionLimiterError) => void;
}

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Express {
    interface Request {
      /** Set by session-limiter's `sessionLimit` middleware. */
      sessionLimit: SessionLimitContext;
    }
  }
}

/** An Express request and response as the HTTP layer sees them. */
interface ExpressExchange extends HttpExchange {
  readonly req: Request;
  readonly res: Response;
}

class ExpressRequestExchange implements ExpressExchange {
  constructor(
    readonly req: Request,
    readonly res: Response,
    // Express gives each request a shape of its own (V8 then misses its caches on every `req`
    // property read), so the headers are read from `req` once.
    readonly headers: Request['headers'],
  ) {}

  get method(): string {
    return this.req.method;
  }

  get path(): string {
    return this.req.path;
  }

  get ip(): string | undefined {
    return this.req.ip;
  }

  header(name: string): string | undefined {
    const value = this.headers[name];
    return Array.isArray(value) ? value.join(', ') : value;
  }

  setCookie(value: string): void {
    this.res.append('Set-Cookie', value);
  }
}

/**
 * Express middleware (Express 4 and 5) that checks the session on every request and gives
 * routes `req.sessionLimit`. A request with no session passes through untouched; a dead one
 * (evicted, revoked, expired) gets 401 JSON with a reason and a human message, or a redirect
 * to the login page for a page navigation; a store outage gets 503 (never let through); a
 * cross-site write that carries the session gets 403.
 *
 * @param limiter the limiter from `createSessionLimiter`
 * @param options mode (`'cookie'` default, `'express-session'` or `'bearer'`), cookie settings, answers
 * @throws SessionLimiterError `INVALID_CONFIG` for a bad option, naming it
 * @example
 * ```ts
 * import express from 'express';
 * import { createSessionLimiter } from 'session-limiter';
 * import { sessionLimit } from 'session-limiter/express';
 *
 * const limiter = createSessionLimiter({
 *   policy: (user: User) => (user.role === 'staff' ? { max: 1 } : { max: Infinity }),
 * });
 * const app = express();
 * app.use(express.json());
 * app.use(sessionLimit(limiter));
 * app.post('/api/login', async (req, res) => {
 *   const user = await verifyPassword(req.body);
 *   if (!user) return res.status(401).json({ error: { code: 'INVALID_CREDENTIALS' } });
 *   const r = await req.sessionLimit.login(user);
 *   if (!r.ok) return res.status(409).json({ error: { code: r.code }, active: r.active });
 *   res.json({ session: r.session });
 * });
 * ```
 */
export function sessionLimit<TUser>(
  limiter: SessionLimiter<TUser>,
  options: SessionLimitOptions<TUser> = {},
): RequestHandler {
  const settings = gateSettings(limiter, options, {
    entry: 'sessionLimit',
    sessionMode: 'express-session',
    ownKeys: ['passThroughDead', 'onRevoked', 'onStoreError'],
    functions: ['passThroughDead', 'onRevoked', 'onStoreError'],
  });
  const carrier: TokenCarrier<ExpressExchange> =
    settings.mode === 'express-session'
      ? expressSessionCarrier(settings.sessionKey)
      : settings.mode === 'bearer'
        ? bearerCarrier
        : cookieCarrier(settings.cookie);
  const { passThroughDead, onRevoked, onStoreError } = options;
  const gate = new SessionGate<ExpressExchange>(settings, carrier, {
    attach: (x, context) => (x.req.sessionLimit = context),
    passThroughDead: passThroughDead && ((x) => passThroughDead(x.req)),
  });

  function settle(x: ExpressExchange, decision: GateDecision, next: NextFunction): void {
    if (decision.kind === 'next') return next();
    if (decision.kind === 'dead' && onRevoked) return onRevoked(x.req, x.res, decision.dead);
    if (decision.kind === 'store-error' && onStoreError) {
      return onStoreError(x.req, x.res, decision.error);
    }
    send(x.res, gate.answer(x, decision));
  }

  return (req, res, next) => {
    const x = new ExpressRequestExchange(req, res, req.headers);
    const decision = gate.check(x);
    if (!(decision instanceof Promise)) return settle(x, decision, next);
    decision.then((d) => settle(x, d, next), next);
  };
}

/**
 * The live notice as an Express route: a Server-Sent Events stream that sends `event: revoked`
 * with `{ code, reason, message, at, by }` the moment this request's session ends, in any
 * process, then closes. Heartbeats every 15 s; nothing is left running when the client goes
 * away or the limiter is disposed. Mount `sessionLimit` first; a request without a session is
 * answered 401. The browser side is `watchSession` from `session-limiter/client`.
 *
 * @param options `heartbeatMs` (default 15,000), `signal` (ends open streams, for a shutdown)
 * @example
 * ```ts
 * app.use(sessionLimit(limiter));
 * app.get('/api/events', sessionEvents());
 * ```
 */
export function sessionEvents(options: EventStreamOptions = {}): RequestHandler {
  checkEventStreamOptions(options);
  return (req, res) => {
    const context = (req as Partial<Request>).sessionLimit;
    if (!context) {
      throw configError('sessionEvents', 'needs the sessionLimit middleware mounted before it');
    }
    const refusal = context.streamEvents(serverResponseSink(res), options);
    if (refusal) send(res, refusal);
  };
}

function send(res: Response, answer: HttpAnswer): void {
  res.status(answer.status);
  if (answer.headers) res.set(answer.headers);
  if (answer.location !== undefined) res.redirect(303, answer.location);
  else res.json(answer.json);
}

interface ExpressSessionLike {
  [key: string]: unknown;
  regenerate(callback: (error?: unknown) => void): unknown;
  destroy(callback: (error?: unknown) => void): unknown;
}

/** express-session mode: the token lives in `req.session`. */
function expressSessionCarrier(key: string): TokenCarrier<ExpressExchange> {
  const sessionOf = (x: ExpressExchange): ExpressSessionLike => {
    // Typed loosely on purpose: the app may not have express-session's types installed.
    const session = (x.req as unknown as { session?: Partial<ExpressSessionLike> }).session;
    if (typeof session?.regenerate !== 'function' || typeof session.destroy !== 'function') {
      throw configError(
        'mode',
        "'express-session' needs the express-session middleware mounted before sessionLimit",
      );
    }
    return session as ExpressSessionLike;
  };
  return {
    ambient: true,
    read(x) {
      const token = sessionOf(x)[key];
      return typeof token === 'string' ? token : undefined;
    },
    async write(x, token) {
      // A new session id on login, so a fixed (planted) session id is never signed in.
      await callback((done) => sessionOf(x).regenerate(done));
      sessionOf(x)[key] = token;
    },
    async clear(x) {
      await callback((done) => sessionOf(x).destroy(done));
    },
    forget(x) {
      // eslint-disable-next-line @typescript-eslint/no-dynamic-delete
      delete sessionOf(x)[key];
    },
  };
}

function callback(run: (done: (error?: unknown) => void) => unknown): Promise<void> {
  return new Promise((resolve, reject) => {
    run((error) => {
      if (error) {
        reject(
          error instanceof Error ? error : new Error('express-session failed', { cause: error }),
        );
      } else resolve();
    });
  });
}
