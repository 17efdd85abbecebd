import { PassThrough } from 'node:stream';
import type { Middleware, Next, ParameterizedContext } from 'koa';
import { configError, type SessionLimiterError } from '../errors.js';
import { type TokenCarrier, bearerCarrier, cookieCarrier } from '../http/carriers.js';
import { type DeadSession, SessionLimitContext } from '../http/context.js';
import type { HttpAnswer, HttpExchange } from '../http/exchange.js';
import { type EventStreamOptions, checkEventStreamOptions } from '../http/events.js';
import { type GateDecision, SessionGate } from '../http/gate.js';
import { type GateOptions, gateSettings } from '../http/options.js';
import type { SessionLimiter } from '../limiter.js';

export { SessionLimitContext, type DeadSession };
export type { LoginOptions } from '../http/context.js';

/**
 * What `sessionLimit` adds to `ctx.state`. Type the app with it, as Koa types any middleware's
 * state: `new Koa<DefaultState & SessionLimitState>()` (or `new Router<...>()`).
 *
 * @example
 * ```ts
 * import Koa, { type DefaultState } from 'koa';
 * import { sessionLimit, type SessionLimitState } from 'session-limiter/koa';
 *
 * const app = new Koa<DefaultState & SessionLimitState>();
 * app.use(sessionLimit(limiter));
 * app.use((ctx) => {
 *   ctx.body = { session: ctx.state.sessionLimit.session };
 * });
 * ```
 */
export interface SessionLimitState {
  /** Set by session-limiter's `sessionLimit` middleware. */
  sessionLimit: SessionLimitContext;
}

/** A Koa context after `sessionLimit` ran, as the hooks receive it. */
type SessionLimitKoaContext = ParameterizedContext<SessionLimitState>;

/**
 * Options of {@link sessionLimit}: the options every adapter shares, plus Koa's hooks, which
 * receive `ctx`.
 *
 * @example
 * ```ts
 * app.use(sessionLimit(limiter, { mode: 'cookie', loginPath: '/signin' }));
 * ```
 */
export interface SessionLimitOptions<TUser = unknown> extends GateOptions<TUser> {
  /**
   * `'cookie'` (default): the library is the session, with its own `__Host-` cookie.
   * `'koa-session'`: it rides on `ctx.session` (mount koa-session first), keeping its token
   * there, regenerating the session on login and dropping it when dead. `'bearer'`: JWT access
   * tokens in `Authorization: Bearer` (pass `jwt`).
   */
  mode?: 'cookie' | 'koa-session' | 'bearer';
  /**
   * Requests where a dead session is not answered but passed through as "no session", with
   * `ctx.state.sessionLimit.ended` saying why: a sign-in (so a signed-out browser can sign in
   * again at once), or an event stream that reports the end in its own format. Default: a POST
   * whose path ends in `/login`, or a GET that accepts `text/event-stream`.
   */
  passThroughDead?: (ctx: SessionLimitKoaContext) => boolean;
  /** Answers a dead session; the default is 401 JSON for API calls, a redirect for pages. */
  onRevoked?: (ctx: SessionLimitKoaContext, dead: DeadSession) => void | Promise<void>;
  /** Answers a request the store could not check; the default is 503 JSON `STORE_UNAVAILABLE`. */
  onStoreError?: (ctx: SessionLimitKoaContext, error: SessionLimiterError) => void | Promise<void>;
}

/** A Koa context as the HTTP layer sees it. */
interface KoaExchange extends HttpExchange {
  readonly ctx: SessionLimitKoaContext;
}

class KoaContextExchange implements KoaExchange {
  constructor(readonly ctx: SessionLimitKoaContext) {}

  get method(): string {
    return this.ctx.method;
  }

  get path(): string {
    return this.ctx.path;
  }

  get ip(): string | undefined {
    // Koa answers '' when it does not know (after its `app.proxy` setting).
    return this.ctx.ip || undefined;
  }

  header(name: string): string | undefined {
    const value = this.ctx.req.headers[name];
    return Array.isArray(value) ? value.join(', ') : value;
  }

  setCookie(value: string): void {
    this.ctx.append('Set-Cookie', value);
  }
}

/**
 * Koa middleware (Koa 2 and 3) that checks the session on every request and gives the next
 * middleware `ctx.state.sessionLimit`. A request with no session passes through untouched; a
 * dead one (evicted, revoked, expired) gets 401 JSON with a reason and a human message, or a
 * redirect to the login page for a page navigation; a store outage gets 503 (never let
 * through); a cross-site write that carries the session gets 403. It reads and writes its own
 * cookie: no cookie middleware is needed.
 *
 * @param limiter the limiter from `createSessionLimiter`
 * @param options mode (`'cookie'` default, `'koa-session'` or `'bearer'`), cookie settings, answers
 * @throws SessionLimiterError `INVALID_CONFIG` for a bad option, naming it
 * @example
 * ```ts
 * import Koa, { type DefaultState } from 'koa';
 * import Router from '@koa/router';
 * import { bodyParser } from '@koa/bodyparser';
 * import { createSessionLimiter } from 'session-limiter';
 * import { sessionLimit, type SessionLimitState } from 'session-limiter/koa';
 *
 * const limiter = createSessionLimiter({
 *   policy: (user: User) => (user.role === 'staff' ? { max: 1 } : { max: Infinity }),
 * });
 * const app = new Koa<DefaultState & SessionLimitState>();
 * const router = new Router<DefaultState & SessionLimitState>();
 * router.post('/api/login', async (ctx) => {
 *   const user = await verifyPassword(ctx.request.body);
 *   if (!user) ctx.throw(401, 'Wrong username or password.');
 *   const r = await ctx.state.sessionLimit.login(user);
 *   ctx.status = r.ok ? 200 : 409;
 *   ctx.body = r.ok ? { session: r.session } : { error: { code: r.code }, active: r.active };
 * });
 * app.use(bodyParser()).use(sessionLimit(limiter)).use(router.routes());
 * ```
 */
export function sessionLimit<TUser>(
  limiter: SessionLimiter<TUser>,
  options: SessionLimitOptions<TUser> = {},
): Middleware<SessionLimitState> {
  const settings = gateSettings(limiter, options, {
    entry: 'sessionLimit',
    sessionMode: 'koa-session',
    ownKeys: ['passThroughDead', 'onRevoked', 'onStoreError'],
    functions: ['passThroughDead', 'onRevoked', 'onStoreError'],
  });
  const carrier: TokenCarrier<KoaExchange> =
    settings.mode === 'koa-session'
      ? koaSessionCarrier(settings.sessionKey)
      : settings.mode === 'bearer'
        ? bearerCarrier
        : cookieCarrier(settings.cookie);
  const { passThroughDead, onRevoked, onStoreError } = options;
  const gate = new SessionGate<KoaExchange>(settings, carrier, {
    attach: (x, context) => (x.ctx.state.sessionLimit = context),
    passThroughDead: passThroughDead && ((x) => passThroughDead(x.ctx)),
  });

  function settle(x: KoaExchange, decision: GateDecision, next: Next): unknown {
    if (decision.kind === 'next') return next();
    if (decision.kind === 'dead' && onRevoked) return onRevoked(x.ctx, decision.dead);
    if (decision.kind === 'store-error' && onStoreError) return onStoreError(x.ctx, decision.error);
    send(x.ctx, gate.answer(x, decision));
    return undefined;
  }

  return (ctx, next) => {
    const x = new KoaContextExchange(ctx);
    const decision = gate.check(x);
    if (!(decision instanceof Promise)) return settle(x, decision, next);
    return decision.then((d) => settle(x, d, next));
  };
}

/**
 * The live notice as a Koa route: a Server-Sent Events stream that sends `event: revoked` with
 * `{ code, reason, message, at, by }` the moment this request's session ends, in any process,
 * then closes. The stream is the response body, so middleware before it (koa-session's commit,
 * headers) finishes as usual. Heartbeats every 15 s; nothing is left running when the client
 * goes away or the limiter is disposed. Mount `sessionLimit` first; a request without a session
 * is answered 401. The browser side is `watchSession` from `session-limiter/client`.
 *
 * @param options `heartbeatMs` (default 15,000), `signal` (ends open streams, for a shutdown)
 * @example
 * ```ts
 * app.use(sessionLimit(limiter));
 * router.get('/api/events', sessionEvents());
 * app.use(router.routes());
 * ```
 */
export function sessionEvents(options: EventStreamOptions = {}): Middleware<SessionLimitState> {
  checkEventStreamOptions(options);
  return (ctx) => {
    const context = (ctx.state as Partial<SessionLimitState>).sessionLimit;
    if (!context) {
      throw configError('sessionEvents', 'needs the sessionLimit middleware mounted before it');
    }
    const body = new PassThrough();
    const refusal = context.streamEvents(
      {
        start: (headers) => {
          ctx.status = 200;
          ctx.set(headers);
          ctx.body = body;
          ignoreClientGone(ctx);
        },
        write: (chunk) => body.write(chunk),
        end: () => body.end(),
        onClose: (listener) => ctx.res.once('close', listener),
      },
      options,
    );
    if (refusal) send(ctx, refusal);
  };
}

/**
 * Koa 3 pipes a stream body with `stream.pipeline`, which reports a client that went away as an
 * error ("Premature close") to the app's error handler. That is how an event stream ends: a
 * closed tab is not an error, so this request's context lets just that one pass silently.
 */
function ignoreClientGone(ctx: ParameterizedContext): void {
  const onerror = ctx.onerror.bind(ctx);
  ctx.onerror = (error: Error | null) => {
    if ((error as { code?: unknown } | null)?.code === 'ERR_STREAM_PREMATURE_CLOSE') return;
    onerror(error as Error);
  };
}

function send(ctx: ParameterizedContext, answer: HttpAnswer): void {
  ctx.status = answer.status;
  if (answer.headers) ctx.set(answer.headers);
  // Koa keeps a redirect status that is already set (303 here).
  if (answer.location !== undefined) ctx.redirect(answer.location);
  else ctx.body = answer.json;
}

/** koa-session's `ctx.session`, typed loosely: the app may not have koa-session installed. */
interface KoaSessionLike {
  [key: string]: unknown;
  regenerate(): Promise<void> | undefined;
}

/** koa-session mode: the token lives in `ctx.session`. */
function koaSessionCarrier(key: string): TokenCarrier<KoaExchange> {
  // koa-session defines `ctx.session` on the app's context; it is null once set to null.
  const current = (x: KoaExchange) => {
    const ctx = x.ctx as { session?: Partial<KoaSessionLike> | null };
    if (ctx.session === undefined) {
      throw configError(
        'mode',
        "'koa-session' needs the koa-session middleware (app.use(session(app))) mounted before sessionLimit",
      );
    }
    return { ctx, session: ctx.session };
  };
  return {
    ambient: true,
    read(x) {
      const token = current(x).session?.[key];
      return typeof token === 'string' ? token : undefined;
    },
    async write(x, token) {
      const { ctx } = current(x);
      // After `ctx.session = null` in this request, a new session starts.
      ctx.session ??= {};
      const session = ctx.session;
      if (typeof session.regenerate !== 'function') {
        throw configError(
          'mode',
          "'koa-session' needs koa-session 7 or later (session.regenerate)",
        );
      }
      session[key] = token;
      // A new session id on login, so a fixed (planted) session id is never signed in.
      await session.regenerate();
    },
    clear(x) {
      current(x).ctx.session = null;
    },
    forget(x) {
      const { session } = current(x);
      // eslint-disable-next-line @typescript-eslint/no-dynamic-delete
      if (session) delete session[key];
    },
  };
}
