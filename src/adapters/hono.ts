import type { Context, Handler, MiddlewareHandler, Next } from 'hono';
import { configError } from '../errors.js';
import type { SessionLimitContext } from '../http/context.js';
import { type EventStreamOptions, checkEventStreamOptions } from '../http/events.js';
import type { GateOptions } from '../http/options.js';
import { type GateCheck, WebGate, type WebGateHooks, eventStream } from '../http/web.js';
import type { SessionLimiter } from '../limiter.js';

export { SessionLimitContext, type DeadSession, type LoginOptions } from '../http/context.js';

/**
 * The variables {@link sessionLimit} sets: `c.get('sessionLimit')`, `c.var.sessionLimit`.
 *
 * @example
 * ```ts
 * const app = new Hono<{ Variables: SessionLimitVariables }>();
 * app.use(sessionLimit(limiter));
 * app.get('/me', (c) => c.json({ session: c.get('sessionLimit').session }));
 * ```
 */
export interface SessionLimitVariables {
  sessionLimit: SessionLimitContext;
}

/**
 * The Hono environment of {@link sessionLimit}, to give an app or a route its typed variables.
 *
 * @example
 * ```ts
 * const app = new Hono<SessionLimitEnv>();
 * const me = (c: Context<SessionLimitEnv>) => c.json({ session: c.var.sessionLimit.session });
 * ```
 */
export interface SessionLimitEnv {
  Variables: SessionLimitVariables;
}

/**
 * Options of {@link sessionLimit}: the options every adapter shares, plus where the client's
 * address comes from and the app's answers, each given Hono's `Context`.
 *
 * @example
 * ```ts
 * import { getConnInfo } from '@hono/node-server/conninfo'; // or 'hono/bun', 'hono/deno'
 * app.use(sessionLimit(limiter, { loginPath: '/signin', getIp: (c) => getConnInfo(c).remote.address }));
 * ```
 */
export interface SessionLimitOptions<TUser = unknown>
  extends GateOptions<TUser>, WebGateHooks<Context> {
  /**
   * `'cookie'` (default): the library is the session, with its own `__Host-` cookie. `'bearer'`:
   * JWT access tokens in `Authorization: Bearer` (pass `jwt`).
   */
  mode?: 'cookie' | 'bearer';
  /**
   * The client's address, kept with the session's device: Hono's `getConnInfo(c).remote.address`
   * of your runtime (`@hono/node-server/conninfo`, `hono/bun`, `hono/deno`). Default: none.
   */
  getIp?: ((c: Context) => string | undefined) | undefined;
}

/**
 * Hono middleware that checks the session on every request and gives routes
 * `c.get('sessionLimit')`. A request with no session goes on untouched; a dead one (evicted,
 * revoked, expired) gets 401 JSON with a reason and a human message, or a redirect to the login
 * page for a page navigation; a store outage 503 (never let through); a cross-site write that
 * carries the session 403. Built on the fetch gate: Web `Request` and `Response` only, so it
 * runs wherever Hono runs.
 *
 * @param limiter the limiter from `createSessionLimiter`
 * @param options mode (`'cookie'` default or `'bearer'`), cookie settings, `getIp`, answers
 * @throws SessionLimiterError `INVALID_CONFIG` for a bad option, naming it
 * @example
 * ```ts
 * import { Hono } from 'hono';
 * import { sessionLimit, type SessionLimitVariables } from 'session-limiter/hono';
 *
 * const app = new Hono<{ Variables: SessionLimitVariables }>();
 * app.use(sessionLimit(limiter));
 * app.post('/api/login', async (c) => {
 *   const user = await verifyPassword(await c.req.json());
 *   if (!user) return c.json({ error: { code: 'INVALID_CREDENTIALS' } }, 401);
 *   const r = await c.get('sessionLimit').login(user);
 *   if (!r.ok) return c.json({ error: { code: r.code }, active: r.active }, 409);
 *   return c.json({ session: r.session });
 * });
 * ```
 */
export function sessionLimit<TUser>(
  limiter: SessionLimiter<TUser>,
  options: SessionLimitOptions<TUser> = {},
): MiddlewareHandler<SessionLimitEnv> {
  const gate = new WebGate<Context>(limiter, options, 'sessionLimit');
  // Not an async function: most requests are decided without a promise to wait for.
  return (c, next) => {
    const checked = gate.check(c, c.req.raw);
    if (checked instanceof Promise) return checked.then((d) => proceed(c, d, next));
    return proceed(c, checked, next);
  };
}

/** Runs the routes after the check, or answers in their place. */
async function proceed(
  c: Context<SessionLimitEnv>,
  checked: GateCheck,
  next: Next,
): Promise<Response | undefined> {
  c.set('sessionLimit', checked.sessionLimit);
  if (checked.response) return checked.response;
  await next();
  // Read after the routes ran: login and logout add theirs. Hono copies an immutable response.
  for (const cookie of checked.cookies) c.header('set-cookie', cookie, { append: true });
  return undefined;
}

/**
 * The live notice as a Hono route: a Server-Sent Events stream that sends `event: revoked` with
 * `{ code, reason, message, at, by }` the moment this request's session ends, in any process,
 * then closes. Heartbeats every 15 s; nothing is left running when the client goes away or the
 * limiter is disposed. Mount `sessionLimit` first; a request without a session is answered 401.
 *
 * @param options `heartbeatMs` (default 15,000), `signal` (ends open streams, for a shutdown)
 * @throws SessionLimiterError `INVALID_CONFIG` for a bad option
 * @example
 * ```ts
 * app.use(sessionLimit(limiter));
 * app.get('/api/events', sessionEvents());
 * ```
 */
export function sessionEvents(options: EventStreamOptions = {}): Handler<SessionLimitEnv> {
  checkEventStreamOptions(options);
  return (c) => {
    const context = c.get('sessionLimit') as SessionLimitContext | undefined;
    if (!context) {
      throw configError('sessionEvents', 'needs the sessionLimit middleware mounted before it');
    }
    return eventStream(context, c.req.raw.signal, options);
  };
}
