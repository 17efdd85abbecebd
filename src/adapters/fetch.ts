import type { GateOptions } from '../http/options.js';
import { type GateCheck, WebGate, type WebGateHooks, withCookies } from '../http/web.js';
import type { SessionLimiter } from '../limiter.js';

export { SessionLimitContext, type DeadSession, type LoginOptions } from '../http/context.js';
export { withCookies, type GateCheck };

/**
 * Options of {@link sessionGate}: the options every adapter shares, where the client's address
 * comes from, and the app's answers.
 *
 * @example
 * ```ts
 * const gate = sessionGate(limiter, {
 *   loginPath: '/signin',
 *   getIp: (request) => request.headers.get('x-real-ip') ?? undefined, // behind your own proxy only
 * });
 * ```
 */
export interface SessionGateOptions<TUser = unknown>
  extends GateOptions<TUser>, WebGateHooks<Request> {
  /**
   * `'cookie'` (default): the library is the session, with its own `__Host-` cookie. `'bearer'`:
   * JWT access tokens in `Authorization: Bearer` (pass `jwt`).
   */
  mode?: 'cookie' | 'bearer';
  /**
   * The client's address, kept with the session's device. A Web `Request` carries none: read it
   * from your platform (a header your own proxy sets, say), or pass `ip` to `check` per request.
   * Default: none.
   */
  getIp?: ((request: Request) => string | undefined) | undefined;
}

/**
 * Per-request extras of {@link FetchSessionGate.check}.
 *
 * @example
 * ```ts
 * Deno.serve((request, info) => handle(request, { ip: info.remoteAddr.hostname }));
 * ```
 */
export interface CheckOptions {
  /** The client's address, when the server hands it over beside the request (Bun, Deno). */
  ip?: string | undefined;
}

/**
 * A session gate for Web `Request`s, made by {@link sessionGate}.
 *
 * @example
 * ```ts
 * const checked = await gate.check(request);
 * if (checked.response) return checked.response;
 * ```
 */
export interface FetchSessionGate {
  /**
   * Checks one request: its session and helpers, or the `Response` to send instead (401, 303,
   * 403, 503), and the Set-Cookie values for the app's response.
   *
   * @throws SessionLimiterError `INVALID_ARGUMENT` when `request` is not a Web Request
   */
  check(request: Request, options?: CheckOptions): Promise<GateCheck>;
}

/**
 * The session gate on Web-standard `Request` and `Response`, for Next.js route handlers and
 * middleware, SvelteKit hooks, Bun.serve, Deno.serve and other fetch-style servers. Same rules
 * as every adapter: a request with no session goes on; a dead one gets 401 JSON (or a redirect
 * to the login page for a page navigation); a store outage 503; a cross-site write that carries
 * the session 403. Uses no Node API itself.
 *
 * @param limiter the limiter from `createSessionLimiter`
 * @param options mode (`'cookie'` default or `'bearer'`), cookie settings, `getIp`, answers
 * @throws SessionLimiterError `INVALID_CONFIG` for a bad option, naming it
 * @example
 * ```ts
 * import { sessionGate } from 'session-limiter/fetch';
 *
 * const gate = sessionGate(limiter);
 * Bun.serve({
 *   async fetch(request, server) {
 *     const checked = await gate.check(request, { ip: server.requestIP(request)?.address });
 *     if (checked.response) return checked.response;
 *     const { session } = checked.sessionLimit;
 *     if (!session) return Response.json({ error: { code: 'UNAUTHENTICATED' } }, { status: 401 });
 *     return checked.apply(Response.json({ session }));
 *   },
 * });
 * ```
 */
export function sessionGate<TUser>(
  limiter: SessionLimiter<TUser>,
  options: SessionGateOptions<TUser> = {},
): FetchSessionGate {
  const gate = new WebGate<Request>(limiter, options, 'sessionGate');
  // Always a promise (a bad argument rejects), whatever the gate answered without one.
  return { check: async (request, extras) => gate.check(request, request, extras?.ip) };
}
