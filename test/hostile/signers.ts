// Signing a suite user in on an adapter's app, the way each mode does it: through the app's
// login route into a browser's cookie jar (the library's cookie, or the framework's session
// library), or with `jwt.login` for a bearer client. Each sign-in can then ask `GET /api/me`.
import type { SessionInfo } from '../../src/index.js';
import type { JwtSessions } from '../../src/jwt/index.js';
import { Browser } from '../support/browser.js';
import { SUITE_USERS, type SuiteUser } from '../conformance/adapters.js';

/** One signed-in client. */
export interface SignedIn {
  session: SessionInfo;
  /** The Cookie header it sends (empty for a bearer client). */
  cookies: string;
  /** The first cookie it was given, by name and value (none for a bearer client). */
  cookie?: [name: string, value: string];
  /** JWTs, for a bearer client. */
  accessToken?: string;
  refreshToken?: string;
  /** `GET /api/me` with what it holds. */
  me(): Promise<{ status: number; body: { error?: { code: string; reason?: string } } }>;
}

/** Signs suite users in on one app. */
export type SignIn = (username: string, userAgent?: string) => Promise<SignedIn>;

/** Through the app's `POST /api/login`, into a fresh browser's cookie jar. */
export function browserSignIn(url: string): SignIn {
  return async (username, userAgent) => {
    const browser = new Browser(url, userAgent);
    const r = await browser.json<{ session: SessionInfo }>('/api/login', { json: { username } });
    if (r.status !== 200) throw new Error(`sign-in of ${username}: ${r.status}`);
    const [first] = browser.cookies;
    if (!first) throw new Error(`sign-in of ${username} set no cookie`);
    return {
      session: r.body.session,
      cookies: [...browser.cookies].map(([name, value]) => `${name}=${value}`).join('; '),
      cookie: first,
      me: () => browser.json('/api/me'),
    };
  };
}

/** With `jwt.login`; the access token goes in `Authorization: Bearer`. */
export function bearerSignIn(url: string, jwt: JwtSessions<SuiteUser>): SignIn {
  return async (username, userAgent) => {
    const user = SUITE_USERS[username];
    if (!user) throw new Error(`no suite user ${username}`);
    const r = await jwt.login({ userId: user.id, user, device: { userAgent } });
    if (!r.ok) throw new Error(`sign-in of ${username}: ${r.code}`);
    const authorization = `Bearer ${r.accessToken}`;
    return {
      session: r.session,
      cookies: '',
      accessToken: r.accessToken,
      refreshToken: r.refreshToken,
      me: () => new Browser(url, userAgent).json('/api/me', { headers: { authorization } }),
    };
  };
}
