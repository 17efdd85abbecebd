import type {
  FastifyInstance,
  FastifyReply,
  FastifyRequest,
  HookHandlerDoneFunction,
} from 'fastify';
import fastifyPlugin from 'fastify-plugin';
import { PassThrough } from 'node:stream';
import { configError, type SessionLimiterError } from '../errors.js';
import { type TokenCarrier, bearerCarrier, cookieCarrier } from '../http/carriers.js';
import { type DeadSession, SessionLimitContext } from '../http/context.js';
import type { HttpAnswer, HttpExchange } from '../http/exchange.js';
import { type EventStreamOptions, checkEventStreamOptions } from '../http/events.js';
import { type GateDecision, SessionGate } from '../http/gate.js';
import { type GateOptions, gateSettings } from '../http/options.js';
import { NodeRequestExchange } from '../http/request.js';
import type { SessionLimiter } from '../limiter.js';

export { SessionLimitContext, type DeadSession };
export type { LoginOptions } from '../http/context.js';

/**
 * Options of the {@link sessionLimit} plugin: the limiter, the options every adapter shares,
 * and Fastify's hooks.
 *
 * @example
 * ```ts
 * await app.register(sessionLimit, { limiter, mode: 'cookie', loginPath: '/signin' });
 * ```
 */
export interface SessionLimitOptions<TUser = unknown> extends GateOptions<TUser> {
  /** The limiter from `createSessionLimiter`. */
  limiter: SessionLimiter<TUser>;
  /**
   * `'cookie'` (default): the library is the session, with its own `__Host-` cookie (no cookie
   * plugin needed). `'fastify-session'`: it rides on `request.session` (register
   * `@fastify/cookie` and `@fastify/session` first), keeping its token there, regenerating the
   * session id on login and destroying the session when it is dead. `'bearer'`: JWT access
   * tokens in `Authorization: Bearer` (pass `jwt`).
   */
  mode?: 'cookie' | 'fastify-session' | 'bearer';
  /**
   * Requests where a dead session is not answered but passed through as "no session", with
   * `request.sessionLimit.ended` saying why: a sign-in (so a signed-out browser can sign in
   * again at once), or an event stream that reports the end in its own format. Default: a POST
   * whose path ends in `/login`.
   */
  passThroughDead?: (request: FastifyRequest) => boolean;
  /**
   * Answers a dead session instead of the default (401 JSON for API calls, a redirect for
   * pages). It must send the reply: the request never reaches a route.
   */
  onRevoked?: (request: FastifyRequest, reply: FastifyReply, dead: DeadSession) => unknown;
  /**
   * Answers a request the store could not check instead of the default (503 JSON
   * `STORE_UNAVAILABLE`). It must send the reply: the request never reaches a route.
   */
  onStoreError?: (
    request: FastifyRequest,
    reply: FastifyReply,
    error: SessionLimiterError,
  ) => unknown;
}

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by session-limiter's `sessionLimit` plugin. */
    sessionLimit: SessionLimitContext;
  }
}

/** A Fastify request and reply as the HTTP layer sees them. */
interface FastifyExchange extends HttpExchange {
  readonly request: FastifyRequest;
  readonly reply: FastifyReply;
}

class FastifyRequestExchange
  extends NodeRequestExchange<FastifyRequest>
  implements FastifyExchange
{
  constructor(
    request: FastifyRequest,
    readonly reply: FastifyReply,
  ) {
    super(request);
  }

  setCookie(value: string): void {
    // Fastify appends to an earlier Set-Cookie rather than replacing it.
    this.reply.header('set-cookie', value);
  }
}

/** The request decoration that carries the plugin's "the app is closing" signal. */
const kClosing = Symbol('session-limiter closing');

// Fastify's own register options may reach the plugin with the app's.
const REGISTER_KEYS = ['prefix', 'logLevel', 'logSerializers'];
const HOOKS = ['passThroughDead', 'onRevoked', 'onStoreError'];

function plugin(
  fastify: FastifyInstance,
  options: SessionLimitOptions<never>,
  registered: (error?: Error) => void,
): void {
  // A bad option goes to register's caller: thrown from a callback plugin it would escape
  // Fastify's boot as an uncaught exception.
  try {
    install(fastify, options);
  } catch (error) {
    registered(asError(error));
    return;
  }
  registered();
}

function install(fastify: FastifyInstance, options: SessionLimitOptions<never>): void {
  const settings = gateSettings(options.limiter, options, {
    entry: 'sessionLimit',
    sessionMode: 'fastify-session',
    ownKeys: ['limiter', ...HOOKS, ...REGISTER_KEYS],
    functions: HOOKS,
  });
  let carrier: TokenCarrier<FastifyExchange> = cookieCarrier(settings.cookie);
  if (settings.mode === 'bearer') carrier = bearerCarrier;
  if (settings.mode === 'fastify-session') {
    if (!fastify.hasRequestDecorator('session')) {
      throw configError(
        'mode',
        "'fastify-session' needs @fastify/session registered before sessionLimit",
      );
    }
    carrier = fastifySessionCarrier(settings.sessionKey);
  }
  const { passThroughDead, onRevoked, onStoreError } = options;
  const gate = new SessionGate<FastifyExchange>(settings, carrier, {
    attach: (x, context) => (x.request.sessionLimit = context),
    passThroughDead: passThroughDead && ((x) => passThroughDead(x.request)),
  });

  /** The app's own answer to a decision, when it gave a hook for it. */
  function appAnswer(x: FastifyExchange, decision: GateDecision): (() => unknown) | undefined {
    if (decision.kind === 'dead' && onRevoked) {
      return () => onRevoked(x.request, x.reply, decision.dead);
    }
    if (decision.kind === 'store-error' && onStoreError) {
      return () => onStoreError(x.request, x.reply, decision.error);
    }
    return undefined;
  }

  function settle(x: FastifyExchange, decision: GateDecision, done: HookHandlerDoneFunction) {
    if (decision.kind === 'next') return done();
    const own = appAnswer(x, decision);
    if (!own) return send(x.reply, gate.answer(x, decision));
    // The hook sends the reply; only its failure (thrown or rejected) goes on, to Fastify's
    // error handler.
    Promise.resolve()
      .then(own)
      .catch((error: unknown) => done(asError(error)));
  }

  // null until the hook runs: a request decorator must not start as a shared object, and every
  // route behind the hook finds this request's own context.
  fastify.decorateRequest('sessionLimit', null as unknown as SessionLimitContext);
  // Open event streams end when the app closes (they would hold app.close() open otherwise).
  const closing = new AbortController();
  fastify.addHook('preClose', (done) => {
    closing.abort();
    done();
  });
  fastify.decorateRequest(kClosing, { getter: () => closing.signal });
  // A callback hook, not an async one: most requests are decided without a promise.
  fastify.addHook('onRequest', (request, reply, done) => {
    const x = new FastifyRequestExchange(request, reply);
    const decision = gate.check(x);
    if (!(decision instanceof Promise)) return settle(x, decision, done);
    decision.then(
      (d) => settle(x, d, done),
      (error: unknown) => done(asError(error)),
    );
  });
}

/**
 * Fastify plugin (Fastify 5) that checks the session on every request and gives routes
 * `request.sessionLimit`. Register it with `await app.register(sessionLimit, { limiter })`; it
 * is made with fastify-plugin, so its hook and decoration apply to the context it is registered
 * in and that context's children (register it inside a plugin to guard only that plugin's
 * routes). A request with no session passes through untouched; a dead one (evicted, revoked,
 * expired) gets 401 JSON with a reason and a human message, or a redirect to the login page for
 * a page navigation; a store outage gets 503 (never let through); a cross-site write that
 * carries the session gets 403. It reads and writes its own cookie: no cookie plugin needed.
 *
 * @throws SessionLimiterError `INVALID_CONFIG` (when the app starts) for a bad option, naming it
 * @example
 * ```ts
 * import Fastify from 'fastify';
 * import { createSessionLimiter } from 'session-limiter';
 * import { sessionLimit } from 'session-limiter/fastify';
 *
 * const limiter = createSessionLimiter({
 *   policy: (user: User) => (user.role === 'staff' ? { max: 1 } : { max: Infinity }),
 * });
 * const app = Fastify();
 * await app.register(sessionLimit, { limiter });
 * app.post('/api/login', async (request, reply) => {
 *   const user = await verifyPassword(request.body);
 *   if (!user) return reply.code(401).send({ error: { code: 'INVALID_CREDENTIALS' } });
 *   const r = await request.sessionLimit.login(user);
 *   if (!r.ok) return reply.code(409).send({ error: { code: r.code }, active: r.active });
 *   return { session: r.session };
 * });
 * ```
 */
export const sessionLimit = fastifyPlugin(plugin, { fastify: '5.x', name: 'session-limiter' });

/**
 * The live notice as a Fastify route handler: a Server-Sent Events stream that sends
 * `event: revoked` with `{ code, reason, message, at, by }` the moment this request's session
 * ends, in any process, then closes. Heartbeats every 15 s; nothing is left running when the
 * client goes away, the limiter is disposed or the app closes. Register `sessionLimit` in the
 * route's context first; a request without a session is answered 401. The browser side is
 * `watchSession` from `session-limiter/client`.
 *
 * @param options `heartbeatMs` (default 15,000), `signal` (ends open streams; default: the app
 * closing)
 * @example
 * ```ts
 * await app.register(sessionLimit, { limiter });
 * app.get('/api/events', sessionEvents());
 * ```
 */
export function sessionEvents(
  options: EventStreamOptions = {},
): (request: FastifyRequest, reply: FastifyReply) => FastifyReply {
  checkEventStreamOptions(options);
  return (request, reply) => {
    const context = (request as Partial<FastifyRequest>).sessionLimit;
    if (!context) {
      throw configError('sessionEvents', 'needs the sessionLimit plugin registered before it');
    }
    const signal = options.signal ?? (request as unknown as Record<symbol, AbortSignal>)[kClosing];
    // A stream payload keeps Fastify's lifecycle (onSend hooks, headers set earlier, logging).
    const stream = new PassThrough();
    const refusal = context.streamEvents(
      {
        start: (headers) => void reply.code(200).headers(headers).send(stream),
        write: (chunk) => {
          if (!stream.destroyed) stream.write(chunk);
        },
        end: () => stream.end(),
        onClose: (listener) => reply.raw.once('close', listener),
      },
      { ...options, ...(signal ? { signal } : {}) },
    );
    if (refusal) send(reply, refusal);
    return reply;
  };
}

function send(reply: FastifyReply, answer: HttpAnswer): void {
  if (answer.headers) reply.headers(answer.headers);
  if (answer.location !== undefined) reply.redirect(answer.location, answer.status);
  else reply.code(answer.status).send(answer.json);
}

function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error('sessionLimit failed', { cause: error });
}

interface FastifySessionLike {
  get(key: string): unknown;
  set(key: string, value: unknown): void;
  regenerate(): Promise<void>;
  destroy(): Promise<void>;
}

/** @fastify/session mode: the token lives in `request.session`. */
function fastifySessionCarrier(key: string): TokenCarrier<FastifyExchange> {
  // Typed loosely on purpose: the app may not have @fastify/session's types installed.
  const found = (x: FastifyExchange) =>
    (x.request as unknown as { session?: Partial<FastifySessionLike> | null }).session;
  const sessionOf = (x: FastifyExchange): FastifySessionLike => {
    const session = found(x);
    if (typeof session?.regenerate !== 'function' || typeof session.destroy !== 'function') {
      throw configError(
        'mode',
        "'fastify-session' needs a session on this request: register @fastify/session before sessionLimit, with a cookie path that covers this route",
      );
    }
    return session as FastifySessionLike;
  };
  return {
    ambient: true,
    read(x) {
      // Outside the session cookie's path @fastify/session leaves a bare object: no session.
      const session = found(x);
      const token = typeof session?.get === 'function' ? session.get(key) : undefined;
      return typeof token === 'string' ? token : undefined;
    },
    async write(x, token) {
      // A new session id on login, so a fixed (planted) session id is never signed in.
      await sessionOf(x).regenerate();
      sessionOf(x).set(key, token);
    },
    clear: (x) => sessionOf(x).destroy(),
    forget: (x) => sessionOf(x).set(key, undefined),
  };
}
