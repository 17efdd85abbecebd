import { readBearerToken } from '../jwt/bearer.js';
import {
  type CookieSettings,
  cookieNameFor,
  expireCookie,
  readCookie,
  serializeCookie,
} from './cookies.js';
import type { HttpExchange } from './exchange.js';

/**
 * Where a mode keeps the token between requests: the library's own cookie, a bearer header, or a
 * framework's session library (each adapter brings its own carrier for that).
 *
 * @example
 * ```ts
 * const carrier: TokenCarrier<MyExchange> = {
 *   read: (x) => x.session.get('token'),
 *   write: (x, token) => x.session.set('token', token),
 *   clear: (x) => x.session.destroy(),
 *   forget: (x) => x.session.delete('token'),
 * };
 * ```
 */
export interface TokenCarrier<X extends HttpExchange = HttpExchange> {
  /** Whether the token rides on something the browser sends by itself (so cross-site checks apply). */
  readonly ambient: boolean;
  read(exchange: X): string | undefined;
  write(exchange: X, token: string, maxAge: number | null): void | Promise<void>;
  /** The session is over (logout, dead): remove every trace. */
  clear(exchange: X): void | Promise<void>;
  /** The token is no good but the request goes on (a login, an unknown token): drop just it. */
  forget(exchange: X): void | Promise<void>;
}

/** The library's own cookie. */
export function cookieCarrier(cookie: CookieSettings): TokenCarrier {
  const name = cookieNameFor(cookie);
  return {
    ambient: true,
    read: (x) => readCookie(x.header('cookie'), name),
    write: (x, token, maxAge) => {
      x.setCookie(serializeCookie(name, token, { secure: cookie.secure, maxAge }));
    },
    clear: (x) => {
      x.setCookie(expireCookie(name, cookie.secure));
    },
    // An unknown token is left alone: it may be a cookie somebody else planted, and clearing by
    // name would delete the real one too. The next login overwrites it.
    forget: () => undefined,
  };
}

/** Bearer tokens live with the client: nothing to write or clear here. */
export const bearerCarrier: TokenCarrier = {
  ambient: false,
  read(x) {
    const header = readBearerToken(x.header('authorization'));
    return header.kind === 'token' ? header.token : undefined;
  },
  write: () => undefined,
  clear: () => undefined,
  forget: () => undefined,
};
