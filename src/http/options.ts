import { type Duration, parseDuration } from '../duration.js';
import { argumentError, configError, rejectUnknownKeys } from '../errors.js';
import type { JwtSessions } from '../jwt/sessions.js';
import type { SessionLimiter } from '../limiter.js';
import { describeSessionEnd } from '../messages.js';
import type { InvalidSession } from '../results.js';
import { type CookieSettings, isCookieName } from './cookies.js';
import { trustedOriginsOf } from './origin.js';

/**
 * The options every adapter shares. Each adapter adds its framework's own: hooks that receive
 * the framework's request and response, and the key of its session library's mode.
 *
 * @example
 * ```ts
 * const options: GateOptions<User> = { mode: 'cookie', loginPath: '/signin', trustedOrigins: [] };
 * ```
 */
export interface GateOptions<TUser = unknown> {
  /**
   * `'cookie'` (default): the library is the session, with its own `__Host-` cookie. `'bearer'`:
   * JWT access tokens in `Authorization: Bearer` (pass `jwt`). An adapter may offer a third mode
   * that rides on its framework's session library (`'express-session'`, `'fastify-session'`, ...).
   */
  mode?: string;
  /** Bearer mode: the `createJwtSessions(limiter, ...)` that issued the tokens. */
  jwt?: JwtSessions<TUser>;
  /**
   * Cookie mode: base name (default `'sid'`), lifetime (default: browser session), and `secure`:
   * `false` opts in to a plain-http development cookie (named `<name>`, no `Secure` flag), for
   * local development only; default `true` (`__Host-<name>`, `Secure`, which browsers and curl
   * accept on http://localhost and 127.0.0.1 too).
   */
  cookie?: { name?: string; maxAge?: Duration; secure?: boolean };
  /** The session-library mode: the key in the framework's session that holds the token. Default `'sessionLimitToken'`. */
  sessionKey?: string;
  /** The account id of a user passed to `login`. Default: `user.id` (a string or number). */
  getUserId?: (user: TUser) => string;
  /** Where HTML navigations with a dead session are redirected. Default `'/login'`. */
  loginPath?: string;
  /** The sentence for a dead session. Default {@link describeSessionEnd}. */
  message?: (result: InvalidSession) => string;
  /**
   * Origins (scheme, host, port) besides the request's own that may send unsafe requests (POST,
   * PUT, PATCH, DELETE) with the session cookie. Any other cross-site one is answered 403
   * `CROSS_ORIGIN_REQUEST` before a route runs. Default: none.
   */
  trustedOrigins?: readonly string[];
}

/** What an adapter tells the shared check about itself. */
export interface AdapterSpec {
  /** The entry point's name, for messages: `'sessionLimit'`. */
  entry: string;
  /** The mode that rides on the framework's session library, if the adapter has one. */
  sessionMode?: string;
  /** The adapter's own option keys (framework hooks and the like). */
  ownKeys: readonly string[];
  /** Which of its own options must be functions when given. */
  functions: readonly string[];
}

/** The options after the one check every adapter runs. */
export interface GateSettings {
  readonly limiter: SessionLimiter;
  readonly mode: string;
  readonly jwt: JwtSessions | undefined;
  readonly cookie: CookieSettings;
  readonly sessionKey: string;
  readonly loginPath: string;
  readonly trustedOrigins: ReadonlySet<string>;
  readonly message: (result: InvalidSession) => string;
  readonly userIdOf: (user: unknown) => string;
}

const SHARED_KEYS = [
  'mode',
  'jwt',
  'cookie',
  'sessionKey',
  'getUserId',
  'loginPath',
  'message',
  'trustedOrigins',
] as const;
const COOKIE_KEYS = ['name', 'maxAge', 'secure'];
let warnedInsecure = false;

/**
 * Checks an adapter's options once, when the app starts, and resolves the shared ones. Every
 * adapter calls this, so a rule about options lives here only.
 *
 * @throws SessionLimiterError `INVALID_CONFIG`, naming the option
 */
export function gateSettings(
  limiter: unknown,
  options: GateOptions<never>,
  spec: AdapterSpec,
): GateSettings {
  if (typeof (limiter as { validate?: unknown } | null)?.validate !== 'function') {
    throw configError('limiter', 'must be a limiter from createSessionLimiter()');
  }
  if (typeof options !== 'object' || (options as unknown) === null) {
    throw configError('options', 'must be an object');
  }
  rejectUnknownKeys(options, [...SHARED_KEYS, ...spec.ownKeys], spec.entry);
  const modes = ['cookie', 'bearer', ...(spec.sessionMode ? [spec.sessionMode] : [])];
  const mode = options.mode ?? 'cookie';
  if (!modes.includes(mode)) {
    throw configError('mode', `must be ${modes.map((m) => `'${m}'`).join(', ')}`);
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
  const record = options as Record<string, unknown>;
  for (const key of ['getUserId', 'message', ...spec.functions]) {
    if (record[key] !== undefined && typeof record[key] !== 'function') {
      throw configError(key, 'must be a function');
    }
  }
  const getUserId = options.getUserId as ((user: unknown) => string) | undefined;
  return {
    limiter: limiter as SessionLimiter,
    mode,
    jwt: options.jwt as JwtSessions | undefined,
    cookie: cookieSettings(options.cookie),
    sessionKey: options.sessionKey ?? 'sessionLimitToken',
    loginPath: options.loginPath ?? '/login',
    trustedOrigins: trustedOriginsOf(options.trustedOrigins),
    message: options.message ?? ((result: InvalidSession) => describeSessionEnd(result)),
    userIdOf: (user) => userIdOf(user, getUserId),
  };
}

/**
 * A path on this site: one leading `/` and no second one or backslash after it (browsers read
 * `//host` and `/\host` as another site), printable ASCII without spaces, query or fragment.
 */
function isSameOriginPath(path: unknown): boolean {
  return typeof path === 'string' && /^\/(?![/\\])[!-~]*$/.test(path) && !/[\\?#]/.test(path);
}

function cookieSettings(cookie: GateOptions['cookie']): CookieSettings {
  if (cookie !== undefined && (typeof cookie !== 'object' || (cookie as unknown) === null)) {
    throw configError('cookie', "must be an object such as { name: 'sid' }");
  }
  if (cookie && 'insecureLocalhost' in cookie) {
    throw configError(
      'cookie.insecureLocalhost',
      'was removed: the cookie is always __Host- and Secure (browsers accept it on http://localhost); for a plain-http development cookie pass cookie: { secure: false }',
    );
  }
  rejectUnknownKeys(cookie ?? {}, COOKIE_KEYS, 'the cookie', 'cookie.');
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
