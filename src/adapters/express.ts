import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { parseDuration, type Duration } from '../duration.js';
import { SessionLimiterError, argumentError, configError } from '../errors.js';
import { deadSessionBody, isHtmlNavigation, storeUnavailableBody } from '../http/answers.js';
import {
  type CookieSettings,
  cookieNameFor,
  expireCookie,
  isCookieName,
  readCookie,
  serializeCookie,
} from '../http/cookies.js';
import { authenticateBearer, readBearerToken } from '../jwt/bearer.js';
import type { JwtSessions } from '../jwt/sessions.js';
import type { AccessTokenClaims } from '../jwt/tokens.js';
import type { SessionLimiter } from '../limiter.js';
import type { InvalidSession, OpenResult } from '../results.js';
import { describeSessionEnd } from '../messages.js';
import { crossOriginBody, isCrossSiteWrite, trustedOriginsOf } from '../http/origin.js';
import type { JsonValue, SessionInfo } from '../session.js';

/**
 * A dead session as the adapter answers it: `validate`'s refusal plus the sentence to show.
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
 * Options of {@link sessionLimit}.
 *
 * @example
 * ```ts
 * app.use(sessionLimit(limiter, { mode: 'cookie', loginPath: '/signin' }));
 * ```
 */
export interface SessionLimitOptions<TUser = unknown> {
  /**
   * `'cookie'` (default): the library is the session, with its own `__Host-` cookie.
   * `'express-session'`: it rides on `req.session` (mount express-session first), keeping its
   * token there and destroying the session when it is dead.
   * `'bearer'`: JWT access tokens in `Authorization: Bearer` (pass `jwt`); routes issue tokens
   * with `jwt.login`.
   */
  mode?: 'cookie' | 'express-session' | 'bearer';
  /** Bearer mode: the `createJwtSessions(limiter, ...)` that issued the tokens. */
  jwt?: JwtSessions<TUser>;
  /**
   * Cookie mode: base name (default `'sid'`), lifetime (default: browser session), and `secure`:
   * `false` opts in to a plain-http development cookie (named `<name>`, no `Secure` flag), for
   * local development only; default `true` (`__Host-<name>`, `Secure`, which browsers and curl
   * accept on http://localhost and 127.0.0.1 too).
   */
  cookie?: { name?: string; maxAge?: Duration; secure?: boolean };
  /** express-session mode: the key in `req.session` that holds the token. Default `'sessionLimitToken'`. */
  sessionKey?: string;
  /** The account id of a user passed to `login`. Default: `user.id` (a string or number). */
  getUserId?: (user: TUser) => string;
  /** Where HTML navigations with a dead session are redirected. Default `'/login'`. */
  loginPath?: string;
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
  /** The sentence for a dead session. Default {@link describeSessionEnd}. */
  message?: (result: InvalidSession) => string;
  /**
   * Origins (scheme, host, port) besides the request's own that may send unsafe requests (POST,
   * PUT, PATCH, DELETE) with the session cookie. Any other cross-site one is answered 403
   * `CROSS_ORIGIN_REQUEST` before a route runs. Default: none.
   */
  trustedOrigins?: readonly string[];
}

/**
 * Options of `req.sessionLimit.login`.
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

/** Where a mode keeps the token between requests. */
interface TokenCarrier {
  /** `headers` is `req.headers`, read once by the caller (see `handle`). */
  read(req: Request, headers: Request['headers']): string | undefined;
  write(req: Request, res: Response, token: string, maxAge: number | null): Promise<void>;
  /** The session is over (logout, dead): remove every trace. */
  clear(req: Request, res: Response): Promise<void>;
  /** The token is no good but the request goes on (a login, an unknown token): drop just it. */
  forget(req: Request, res: Response): Promise<void>;
}

interface ExpressSessionLike {
  [key: string]: unknown;
  regenerate(callback: (error?: unknown) => void): unknown;
  destroy(callback: (error?: unknown) => void): unknown;
}

/**
 * `req.sessionLimit`: this request's session and the helpers routes use.
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
  readonly #adapter: ExpressAdapter;
  readonly #req: Request;
  readonly #res: Response;
  #token: string | undefined;

  /** @internal */
  constructor(adapter: ExpressAdapter, req: Request, res: Response, token: string | undefined) {
    this.#adapter = adapter;
    this.#req = req;
    this.#res = res;
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
    const adapter = this.#adapter;
    if (adapter.jwt) {
      throw new SessionLimiterError(
        'INVALID_ARGUMENT',
        'in bearer mode there is no cookie to set: issue tokens with jwt.login() instead',
      );
    }
    const userId = adapter.userIdOf(user);
    const previous = this.session;
    const sameUser = previous?.userId === userId;
    if (previous && !sameUser && this.#token) await adapter.limiter.close(this.#token);

    const result = await adapter.limiter.open({
      userId,
      user,
      device: { userAgent: this.#req.get('user-agent'), ip: this.#req.ip },
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
      await adapter.limiter.close(this.#token);
    }
    await adapter.carrier.write(this.#req, this.#res, result.token, adapter.cookieMaxAge);
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
    const { jwt, limiter } = this.#adapter;
    let closed = false;
    if (this.#token)
      closed = jwt ? await jwt.logout(this.#token) : await limiter.close(this.#token);
    await this.#adapter.carrier.clear(this.#req, this.#res);
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
    return this.#adapter.limiter.list(this.#requireSession().userId);
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
    const revoked = await this.#adapter.limiter.revoke(session.userId, sessionId);
    if (revoked.id === session.id) {
      await this.#adapter.carrier.clear(this.#req, this.#res);
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
    return this.#adapter.limiter.revokeAll(session.userId, { except: session.id });
  }

  #requireSession(): SessionInfo {
    if (!this.session) {
      throw new SessionLimiterError('SESSION_NOT_FOUND', 'this request has no live session');
    }
    return this.session;
  }
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

/** The settings one middleware shares with the contexts it creates. */
class ExpressAdapter {
  readonly carrier: TokenCarrier;
  readonly cookieMaxAge: number | null;
  readonly userIdOf: (user: unknown) => string;
  readonly jwt: JwtSessions | undefined;

  constructor(
    readonly limiter: SessionLimiter,
    options: SessionLimitOptions<never>,
    readonly cookie: CookieSettings,
  ) {
    this.cookieMaxAge = cookie.maxAge;
    const getUserId = options.getUserId as ((user: unknown) => string) | undefined;
    this.userIdOf = (user) => userIdOf(user, getUserId);
    this.jwt = options.jwt as JwtSessions | undefined;
    this.carrier =
      options.mode === 'express-session'
        ? expressSessionCarrier(options.sessionKey ?? 'sessionLimitToken')
        : options.mode === 'bearer'
          ? bearerCarrier
          : cookieCarrier(cookie);
  }
}

const OPTION_KEYS = new Set([
  'mode',
  'jwt',
  'cookie',
  'sessionKey',
  'getUserId',
  'loginPath',
  'passThroughDead',
  'onRevoked',
  'onStoreError',
  'message',
  'trustedOrigins',
]);

/**
 * Express middleware (Express 4 and 5) that checks the session on every request and gives
 * routes `req.sessionLimit`. A request with no session passes through untouched; a dead one
 * (evicted, revoked, expired) gets 401 JSON with a reason and a human message, or a redirect
 * to the login page for a page navigation; a store outage gets 503 (never let through).
 *
 * @param limiter the limiter from `createSessionLimiter`
 * @param options mode (`'cookie'` default, or `'express-session'`), cookie settings, answers
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
  checkOptions(limiter, options);
  const cookie = cookieSettings(options.cookie);
  // The adapter hands the user to the policy untouched, so it need not know its type.
  const adapter = new ExpressAdapter(limiter as unknown as SessionLimiter, options, cookie);
  const loginPath = options.loginPath ?? '/login';
  const passThroughDead = options.passThroughDead ?? isLoginPost;
  const messageOf = options.message ?? ((result: InvalidSession) => describeSessionEnd(result));
  const onRevoked = options.onRevoked ?? defaultOnRevoked(loginPath, cookie);
  const onStoreError = options.onStoreError ?? defaultOnStoreError;
  const trustedOrigins = trustedOriginsOf(options.trustedOrigins);

  async function handleBearer(req: Request, res: Response, next: NextFunction): Promise<void> {
    const jwt = adapter.jwt as JwtSessions;
    const context = new SessionLimitContext(
      adapter,
      req,
      res,
      adapter.carrier.read(req, req.headers),
    );
    req.sessionLimit = context;
    let auth;
    try {
      auth = await authenticateBearer(jwt, req.headers.authorization);
    } catch (error) {
      if (error instanceof SessionLimiterError && error.code === 'STORE_UNAVAILABLE') {
        return onStoreError(req, res, error);
      }
      throw error;
    }
    if (auth.kind === 'none') return next();
    if (auth.kind === 'authenticated') {
      context.session = auth.session;
      context.claims = auth.claims;
      return next();
    }
    res.set('WWW-Authenticate', auth.wwwAuthenticate);
    if (auth.result.code === 'INVALID_TOKEN') {
      res
        .status(401)
        .json({ error: { code: auth.code, reason: auth.reason, message: auth.message } });
      return;
    }
    const dead: DeadSession = { ...auth.result, message: messageOf(auth.result) };
    if (options.onRevoked) options.onRevoked(req, res, dead);
    else res.status(401).json(deadSessionBody(dead, dead.message));
  }

  function handle(req: Request, res: Response, next: NextFunction): void {
    // Express sets each request's prototype, after which V8 (as in Node 20) gives every request
    // a shape of its own: each property read on `req` misses V8's caches and costs a lookup.
    // This path reads as few as it can, once each.
    const headers = req.headers;
    const token = adapter.carrier.read(req, headers);
    const context = new SessionLimitContext(adapter, req, res, token);
    req.sessionLimit = context;
    // Only a page navigation that carries a notice cookie reads it (cheap test first).
    if (
      headers.cookie?.includes('-notice=') &&
      isHtmlNavigation(req.method, req.get('accept'), req.get('sec-fetch-mode'))
    ) {
      context.notice = takeNotice(req, res, cookie);
    }
    if (token === undefined) return next();
    if (
      isCrossSiteWrite(
        req.method,
        { secFetchSite: headers['sec-fetch-site'], origin: headers.origin, host: headers.host },
        trustedOrigins,
      )
    ) {
      res.status(403).json(crossOriginBody());
      return;
    }
    // Most requests carry a live session the limiter can confirm without a promise.
    const known = limiter.validateNow(token);
    if (known?.ok) {
      context.session = known.session;
      return next();
    }
    checkInStore(req, res, next, context, token).catch(next);
  }

  async function checkInStore(
    req: Request,
    res: Response,
    next: NextFunction,
    context: SessionLimitContext,
    token: string,
  ): Promise<void> {
    let result;
    try {
      result = await limiter.validate(token);
    } catch (error) {
      if (error instanceof SessionLimiterError && error.code === 'STORE_UNAVAILABLE') {
        return onStoreError(req, res, error);
      }
      throw error;
    }
    if (result.ok) {
      context.session = result.session;
      return next();
    }
    if (result.code === 'SESSION_UNKNOWN') {
      await adapter.carrier.forget(req, res);
      return next();
    }
    const dead: DeadSession = { ...result, message: messageOf(result) };
    if (passThroughDead(req)) {
      await adapter.carrier.forget(req, res);
      context.ended = dead;
      return next();
    }
    await adapter.carrier.clear(req, res);
    onRevoked(req, res, dead);
  }

  if (options.mode === 'bearer') {
    return (req, res, next) => {
      handleBearer(req, res, next).catch(next);
    };
  }
  return handle;
}

function isLoginPost(req: Request): boolean {
  return req.method === 'POST' && /\/login\/?$/.test(req.path);
}

function defaultOnRevoked(
  loginPath: string,
  cookie: CookieSettings,
): (req: Request, res: Response, dead: DeadSession) => void {
  return (req, res, dead) => {
    if (isHtmlNavigation(req.method, req.get('accept'), req.get('sec-fetch-mode'))) {
      // The sentence travels in a short-lived cookie, not the URL, so nobody can craft a login
      // link that shows a message of their own.
      res.append(
        'Set-Cookie',
        serializeCookie(noticeCookieName(cookie), encodeURIComponent(dead.message), {
          secure: cookie.secure,
          maxAge: 60,
        }),
      );
      const reason = encodeURIComponent(dead.reason ?? dead.code);
      res.redirect(303, `${loginPath}?signedOut=${reason}`);
      return;
    }
    res.status(401).json(deadSessionBody(dead, dead.message));
  };
}

function defaultOnStoreError(_req: Request, res: Response): void {
  res.status(503).set('Retry-After', '5').json(storeUnavailableBody());
}

function takeNotice(req: Request, res: Response, cookie: CookieSettings): string | null {
  const name = noticeCookieName(cookie);
  const raw = readCookie(req.get('cookie'), name);
  if (raw === undefined) return null;
  res.append('Set-Cookie', expireCookie(name, cookie.secure));
  try {
    return decodeURIComponent(raw).slice(0, 500);
  } catch {
    return null;
  }
}

function noticeCookieName(cookie: CookieSettings): string {
  return `${cookieNameFor(cookie)}-notice`;
}

/** Bearer tokens live with the client: nothing to write or clear here. */
const bearerCarrier: TokenCarrier = {
  read(_req, headers) {
    const header = readBearerToken(headers.authorization);
    return header.kind === 'token' ? header.token : undefined;
  },
  write: () => Promise.resolve(),
  clear: () => Promise.resolve(),
  forget: () => Promise.resolve(),
};

function cookieCarrier(cookie: CookieSettings): TokenCarrier {
  const name = cookieNameFor(cookie);
  return {
    read(_req, headers) {
      return readCookie(headers.cookie, name);
    },
    write(_req, res, token, maxAge) {
      res.append('Set-Cookie', serializeCookie(name, token, { secure: cookie.secure, maxAge }));
      return Promise.resolve();
    },
    clear(_req, res) {
      res.append('Set-Cookie', expireCookie(name, cookie.secure));
      return Promise.resolve();
    },
    // An unknown token is left alone: it may be a cookie somebody else planted, and clearing by
    // name would delete the real one too. The next login overwrites it.
    forget: () => Promise.resolve(),
  };
}

function expressSessionCarrier(key: string): TokenCarrier {
  const sessionOf = (req: Request): ExpressSessionLike => {
    // Typed loosely on purpose: the app may not have express-session's types installed.
    const session = (req as unknown as { session?: Partial<ExpressSessionLike> }).session;
    if (typeof session?.regenerate !== 'function' || typeof session.destroy !== 'function') {
      throw configError(
        'mode',
        "'express-session' needs the express-session middleware mounted before sessionLimit",
      );
    }
    return session as ExpressSessionLike;
  };
  return {
    read(req) {
      const token = sessionOf(req)[key];
      return typeof token === 'string' ? token : undefined;
    },
    async write(req, _res, token) {
      // A new session id on login, so a fixed (planted) session id is never signed in.
      await callback((done) => sessionOf(req).regenerate(done));
      sessionOf(req)[key] = token;
    },
    async clear(req) {
      await callback((done) => sessionOf(req).destroy(done));
    },
    forget(req) {
      // eslint-disable-next-line @typescript-eslint/no-dynamic-delete
      delete sessionOf(req)[key];
      return Promise.resolve();
    },
  };
}

function callback(run: (done: (error?: unknown) => void) => unknown): Promise<void> {
  return new Promise((resolve, reject) => {
    run((error) => {
      if (error)
        reject(
          error instanceof Error ? error : new Error('express-session failed', { cause: error }),
        );
      else resolve();
    });
  });
}

function userIdOf(user: unknown, getUserId: ((user: unknown) => string) | undefined): string {
  const id = getUserId ? getUserId(user) : (user as { id?: unknown } | null)?.id;
  if (typeof id === 'string' && id.length > 0) return id;
  if (typeof id === 'number' && Number.isFinite(id)) return String(id);
  throw argumentError(
    'user',
    getUserId
      ? 'getUserId(user) must return a non-empty string'
      : 'must have an id (or pass getUserId)',
  );
}

function checkOptions(limiter: unknown, options: SessionLimitOptions<never>): void {
  if (typeof (limiter as { validate?: unknown } | null)?.validate !== 'function') {
    throw configError('limiter', 'must be a limiter from createSessionLimiter()');
  }
  for (const key of Object.keys(options)) {
    if (!OPTION_KEYS.has(key))
      throw configError(
        key,
        `is not an option of sessionLimit (known: ${[...OPTION_KEYS].join(', ')})`,
      );
  }
  const mode: unknown = options.mode;
  if (mode !== undefined && mode !== 'cookie' && mode !== 'express-session' && mode !== 'bearer') {
    throw configError('mode', "must be 'cookie', 'express-session' or 'bearer'");
  }
  const jwt = options.jwt as { verify?: unknown; limiter?: unknown } | undefined;
  if (mode === 'bearer' && typeof jwt?.verify !== 'function') {
    throw configError('jwt', 'bearer mode needs the jwt option: createJwtSessions(limiter, ...)');
  }
  if (mode === 'bearer' && jwt?.limiter !== limiter) {
    throw configError('jwt', 'must be created from the same limiter');
  }
  if (mode !== 'bearer' && jwt !== undefined) {
    throw configError('jwt', "is only used with mode: 'bearer'");
  }
  if (options.sessionKey !== undefined && !isCookieName(options.sessionKey)) {
    throw configError('sessionKey', 'must be a short word (letters, digits, _ and -)');
  }
  if (options.loginPath !== undefined && !isSameOriginPath(options.loginPath)) {
    throw configError('loginPath', "must be a path on this site such as '/login'");
  }
  for (const key of [
    'getUserId',
    'passThroughDead',
    'onRevoked',
    'onStoreError',
    'message',
  ] as const) {
    if (options[key] !== undefined && typeof options[key] !== 'function') {
      throw configError(key, 'must be a function');
    }
  }
}

const COOKIE_KEYS = new Set(['name', 'maxAge', 'secure']);
let warnedInsecure = false;

/**
 * A path on this site: one leading `/` and no second one or backslash after it (browsers read
 * `//host` and `/\\host` as another site), no spaces, control characters, query or fragment.
 */
function isSameOriginPath(path: unknown): boolean {
  // Printable ASCII only, so no control character needs a range of its own.
  return typeof path === 'string' && /^\/(?![/\\])[!-~]*$/.test(path) && !/[\\?#]/.test(path);
}

function cookieSettings(cookie: SessionLimitOptions['cookie']): CookieSettings {
  if (cookie !== undefined && (typeof cookie !== 'object' || (cookie as unknown) === null)) {
    throw configError('cookie', "must be an object such as { name: 'sid' }");
  }
  for (const key of Object.keys(cookie ?? {})) {
    if (key === 'insecureLocalhost') {
      throw configError(
        'cookie.insecureLocalhost',
        'was removed: the cookie is always __Host- and Secure (browsers accept it on http://localhost); for a plain-http development cookie pass cookie: { secure: false }',
      );
    }
    if (!COOKIE_KEYS.has(key)) {
      throw configError(
        `cookie.${key}`,
        `is not a cookie option (known: ${[...COOKIE_KEYS].join(', ')})`,
      );
    }
  }
  const name = cookie?.name ?? 'sid';
  if (!isCookieName(name)) throw configError('cookie.name', 'must be 1-64 letters, digits, _ or -');
  const maxAge =
    cookie?.maxAge === undefined
      ? null
      : parseDuration(cookie.maxAge, 'cookie.maxAge', false) / 1000;
  const secure = cookie?.secure ?? true;
  if (typeof secure !== 'boolean') throw configError('cookie.secure', 'must be true or false');
  if (!secure && !warnedInsecure) {
    warnedInsecure = true;
    console.warn(
      `[session-limiter] cookie.secure is false: the session cookie '${name}' has no Secure flag and no __Host- prefix, so it travels over plain http and any subdomain can set it. Use this for local development only.`,
    );
  }
  return { name, maxAge, secure };
}
