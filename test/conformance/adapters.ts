// One set of HTTP stories that every framework adapter must pass, over real HTTP. An adapter's
// test file hands `describeAdapterConformance` a `serve` function: an app on 127.0.0.1 with the
// adapter mounted with the given options and the routes below. The stories are the contract: the
// same answers, codes, cookies and headers from every framework.
//
// Routes the app serves (JSON unless said):
//   POST /api/login {username, replace?} -> 200 {session, ended: context.ended?.reason ?? null};
//        unknown user 401 {error:{code:'INVALID_CREDENTIALS'}}; refused 409 {error:{code}, active}
//   GET /api/me -> 200 {session} | 401 {error:{code:'UNAUTHENTICATED'}}
//   GET /api/sessions -> {sessions: await list(), current: session?.id}
//   DELETE /api/sessions/:id -> {revoked: await revoke(id)}
//   POST /api/sessions/revoke-others -> {revoked: await revokeOthers()}
//   POST /api/logout -> {closed: await logout()}
//   GET /login -> text/html `<p role="alert">${notice ?? ''}</p>`
//   GET /dashboard -> text/html 'dashboard' | 'anonymous'
//   GET /api/events -> the adapter's event-stream helper (the live notice)
//   any other path -> 404 {error:{code:'NOT_FOUND'}}
//   what a route or the framework throws -> suiteErrorAnswer (./suite-app.ts): SESSION_NOT_FOUND
//        404, INVALID_ARGUMENT 400 and STORE_UNAVAILABLE 503 with {error:{code}}; the framework's
//        refusal of a bad request its 4xx with INVALID_REQUEST; anything else 500
import { afterEach, describe, expect, it } from 'vitest';
import {
  createSessionLimiter,
  MemoryStore,
  type Policy,
  type SessionLimiter,
  type SessionStore,
} from '../../src/index.js';
import { createJwtSessions, type JwtSessions } from '../../src/jwt/index.js';
import { Browser } from '../support/browser.js';
import { openEvents } from '../support/events.js';

/** The users every adapter's test app knows (the password check is the app's: here, none). */
export interface SuiteUser {
  id: string;
  role: 'staff' | 'family' | 'customer';
}

export const SUITE_USERS: Readonly<Record<string, SuiteUser>> = {
  alice: { id: 'alice', role: 'staff' },
  carol: { id: 'carol', role: 'family' },
  bob: { id: 'bob', role: 'customer' },
};

/** alice: one session, the newest wins; carol: two, then choose; bob: unlimited. */
export function suitePolicy(user: SuiteUser): Policy {
  if (user.role === 'staff') return { max: 1 };
  if (user.role === 'family') return { max: 2, onLimit: 'reject' };
  return {};
}

/** A limiter with the suite's policy on `store` (no background pruning); dispose it after. */
export function suiteLimiter(store: SessionStore = new MemoryStore()): SessionLimiter<SuiteUser> {
  return createSessionLimiter<SuiteUser>({ store, policy: suitePolicy, pruneInterval: false });
}

/** A running app; `close` stops it. */
export interface ServedApp {
  url: string;
  close(): Promise<void>;
}

/** What an adapter's test file provides. */
export interface AdapterHarness {
  /** `'Express 5'`, `'Fastify'`, ... */
  name: string;
  /**
   * Starts the app with the adapter mounted with `options` (the adapter's own option object:
   * `mode`, `jwt`, `cookie`, `loginPath`, `trustedOrigins`, ...). Rejects (or throws) with the
   * adapter's `INVALID_CONFIG` error for bad options.
   */
  serve(limiter: SessionLimiter<SuiteUser>, options: Record<string, unknown>): Promise<ServedApp>;
  /** Whether the adapter has bearer mode (every adapter should). Default true. */
  bearer?: boolean;
  /**
   * The mode that rides on the framework's usual session library (`'express-session'`,
   * `'fastify-session'`, `'koa-session'`), if the adapter has one: `serve` with that `mode`
   * mounts the library ahead of the adapter.
   */
  sessionMode?: string;
}

export const FIREFOX_WIN =
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0';
export const IPHONE =
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1';
const COOKIE = '__Host-sid';
export const JWT_SECRET = 'a test secret of at least thirty-two bytes';

/** Registers the adapter stories for one adapter. */
export function describeAdapterConformance(harness: AdapterHarness): void {
  const closers: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const close of closers.splice(0).reverse()) await close();
  });

  function newLimiter(store: SessionStore = new MemoryStore()): SessionLimiter<SuiteUser> {
    const limiter = suiteLimiter(store);
    closers.push(() => limiter.dispose());
    return limiter;
  }

  async function serve(
    limiter: SessionLimiter<SuiteUser> = newLimiter(),
    options: Record<string, unknown> = {},
  ): Promise<string> {
    const app = await harness.serve(limiter, options);
    closers.push(() => app.close());
    return app.url;
  }

  describe(`${harness.name} adapter conformance, cookie mode`, () => {
    it('passes a request with no session through untouched', async () => {
      const b = new Browser(await serve());
      expect(await b.json('/api/me')).toEqual({
        status: 401,
        body: { error: { code: 'UNAUTHENTICATED' } },
      });
      expect(b.lastSetCookies).toEqual([]);
      expect(
        await (await b.request('/dashboard', { headers: { accept: 'text/html' } })).text(),
      ).toBe('anonymous');
    });

    it('sets __Host-sid: Secure, HttpOnly, SameSite=Lax, Path=/, no Domain, even on plain http', async () => {
      const url = await serve();
      for (const headers of [{}, { host: 'example.com' }, { 'x-forwarded-proto': 'https' }]) {
        const b = new Browser(url);
        const login = await b.request('/api/login', { json: { username: 'bob' }, headers });
        expect(login.status).toBe(200);
        expect(b.lastSetCookies).toHaveLength(1);
        const [cookie] = b.lastSetCookies;
        expect(cookie?.name).toBe(COOKIE);
        expect(cookie?.value).toMatch(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{43}$/);
        expect(cookie?.attributes).toEqual({
          path: '/',
          httponly: true,
          samesite: 'Lax',
          secure: true,
        });
        expect((await b.json('/api/me')).status).toBe(200);
      }
    });

    it('treats forged, junk and tossed cookies as no session: never taken, never cleared, never a 500', async () => {
      const url = await serve();
      const good = new Browser(url);
      await good.request('/api/login', { json: { username: 'bob' } });
      const token = good.cookies.get(COOKIE)!;
      const me = (cookie: string) =>
        fetch(`${url}/api/me`, { headers: { cookie, accept: 'application/json' } });
      for (const cookie of [
        `${COOKIE}=`,
        `${COOKIE}=garbage`,
        `${COOKIE}=${token.slice(0, -2)}AA`,
        `${COOKIE}=%%%`,
        `${COOKIE}=${'x'.repeat(5000)}`,
        `${COOKIE}="quoted"`,
        ';;;',
        COOKIE,
        `sid=${token}`,
        `a=x ${COOKIE}=${token}`,
      ]) {
        const response = await me(cookie);
        expect(response.status, cookie.slice(0, 40)).toBe(401);
        expect(await response.json()).toEqual({ error: { code: 'UNAUTHENTICATED' } });
        expect(response.headers.getSetCookie()).toEqual([]);
      }
      // A tossed cookie sent first does not hide the real one.
      const both = await me(`a=x ${COOKIE}=EVIL; ${COOKIE}=${token}`);
      expect(both.status).toBe(200);
      expect(both.headers.getSetCookie()).toEqual([]);
    });

    it('answers an evicted session with 401, the reason and a sentence naming the new device', async () => {
      const url = await serve();
      const a = new Browser(url);
      const b = new Browser(url, FIREFOX_WIN);
      await a.request('/api/login', { json: { username: 'alice' } });
      await b.request('/api/login', { json: { username: 'alice' } });
      const me = await a.json<{
        error: { code: string; reason: string; message: string; at: string };
      }>('/api/me');
      expect(me.status).toBe(401);
      expect(me.body.error).toMatchObject({ code: 'SESSION_REVOKED', reason: 'evicted' });
      expect(me.body.error.message).toMatch(
        /^You were signed out because your account signed in on another device \(Firefox 133 on Windows\) at \d\d:\d\d UTC\.$/,
      );
      expect(Date.parse(me.body.error.at)).not.toBeNaN();
      expect(a.lastSetCookies.map((c) => [c.name, c.attributes['max-age']])).toEqual([
        [COOKIE, '0'],
      ]);
      expect((await a.json('/api/me')).body).toEqual({ error: { code: 'UNAUTHENTICATED' } });
      expect((await b.json('/api/me')).status).toBe(200);
    });

    it('redirects a page navigation to the login page, which shows the sentence once', async () => {
      const url = await serve(undefined, { loginPath: '/login' });
      const a = new Browser(url);
      await a.request('/api/login', { json: { username: 'alice' } });
      await new Browser(url, IPHONE).request('/api/login', { json: { username: 'alice' } });
      const navigate = { accept: 'text/html', 'sec-fetch-mode': 'navigate' };
      const page = await a.request('/dashboard', { headers: navigate });
      expect(page.status).toBe(303);
      expect(page.headers.get('location')).toBe('/login?signedOut=evicted');
      const notice = a.lastSetCookies.find((c) => c.name === `${COOKIE}-notice`);
      expect(notice?.attributes).toMatchObject({ 'max-age': '60', httponly: true, secure: true });
      const login = await a.request('/login', { headers: navigate });
      expect(await login.text()).toMatch(
        /role="alert">You were signed out because .*\(Safari 17 on iOS\)/,
      );
      const again = await a.request('/login', { headers: navigate });
      expect(await again.text()).toBe('<p role="alert"></p>');
    });

    it('lets a signed-out browser sign in again at once, saying why it was signed out', async () => {
      const url = await serve();
      const a = new Browser(url);
      await a.request('/api/login', { json: { username: 'alice' } });
      await new Browser(url).request('/api/login', { json: { username: 'alice' } });
      const relogin = await a.json('/api/login', { json: { username: 'alice' } });
      expect(relogin).toMatchObject({ status: 200, body: { ended: 'evicted' } });
      expect((await a.json('/api/me')).status).toBe(200);
    });

    it('gives a new token on every login and kills the previous one of that browser', async () => {
      const url = await serve();
      const a = new Browser(url);
      await a.request('/api/login', { json: { username: 'carol' } });
      const first = a.cookies.get(COOKIE)!;
      await a.request('/api/login', { json: { username: 'carol' } });
      const second = a.cookies.get(COOKIE)!;
      expect(second).not.toBe(first);
      const stale = await fetch(`${url}/api/me`, {
        headers: { cookie: `${COOKIE}=${first}`, accept: 'application/json' },
      });
      expect(stale.status).toBe(401);
      // Logging in again from the same browser does not count against carol's limit of 2.
      const list = await a.json<{ sessions: unknown[] }>('/api/sessions');
      expect(list.body.sessions).toHaveLength(1);
    });

    it('rejects carol at her limit with the live sessions, then replace signs the chosen one out', async () => {
      const url = await serve();
      const one = new Browser(url);
      const two = new Browser(url, IPHONE);
      const three = new Browser(url, FIREFOX_WIN);
      await one.request('/api/login', { json: { username: 'carol' } });
      await two.request('/api/login', { json: { username: 'carol' } });
      const refused = await three.json<{ error: { code: string }; active: { id: string }[] }>(
        '/api/login',
        { json: { username: 'carol' } },
      );
      expect(refused.status).toBe(409);
      expect(refused.body.error.code).toBe('SESSION_LIMIT_REACHED');
      expect(refused.body.active).toHaveLength(2);
      expect(three.lastSetCookies).toEqual([]);
      const oneId = (await one.json<{ session: { id: string } }>('/api/me')).body.session.id;
      const retry = await three.json('/api/login', { json: { username: 'carol', replace: oneId } });
      expect(retry.status).toBe(200);
      expect(await one.json('/api/me')).toMatchObject({
        status: 401,
        body: { error: { code: 'SESSION_REVOKED', reason: 'replaced' } },
      });
      expect((await two.json('/api/me')).status).toBe(200);
    });

    it('lists, revokes and signs out everywhere else; refuses foreign ids with 404', async () => {
      const url = await serve();
      const here = new Browser(url);
      const there = new Browser(url, IPHONE);
      const elsewhere = new Browser(url, FIREFOX_WIN);
      const stranger = new Browser(url);
      for (const b of [here, there, elsewhere]) {
        await b.request('/api/login', { json: { username: 'bob' } });
      }
      await stranger.request('/api/login', { json: { username: 'carol' } });
      const list = await here.json<{
        sessions: { id: string; device: { label: string } }[];
        current: string;
      }>('/api/sessions');
      expect(list.body.sessions).toHaveLength(3);
      expect(list.body.sessions.map((s) => s.id)).toContain(list.body.current);
      const strangerId = (await stranger.json<{ session: { id: string } }>('/api/me')).body.session
        .id;
      const foreign = await here.json(`/api/sessions/${strangerId}`, { method: 'DELETE' });
      expect(foreign).toEqual({ status: 404, body: { error: { code: 'SESSION_NOT_FOUND' } } });
      expect((await stranger.json('/api/me')).status).toBe(200);

      const thereId = list.body.sessions.find((s) => s.device.label === 'Safari 17 on iOS')!.id;
      expect((await here.json(`/api/sessions/${thereId}`, { method: 'DELETE' })).status).toBe(200);
      expect(await there.json('/api/me')).toMatchObject({
        status: 401,
        body: { error: { reason: 'revoked' } },
      });

      const others = await here.json<{ revoked: unknown[] }>('/api/sessions/revoke-others', {
        method: 'POST',
      });
      expect(others.body.revoked).toHaveLength(1);
      expect((await elsewhere.json('/api/me')).status).toBe(401);
      expect((await here.json('/api/me')).status).toBe(200);

      expect((await here.json('/api/logout', { method: 'POST' })).body).toEqual({ closed: true });
      expect(here.cookies.has(COOKIE)).toBe(false);
      expect((await here.json('/api/me')).status).toBe(401);
    });

    it('answers 503 STORE_UNAVAILABLE while the store fails, never lets the request through', async () => {
      const store = new MemoryStore();
      const url = await serve(newLimiter(store));
      const a = new Browser(url);
      await a.request('/api/login', { json: { username: 'bob' } });
      const [find, findNow] = [store.find.bind(store), store.findNow.bind(store)];
      store.find = () => Promise.reject(new Error('connection refused'));
      store.findNow = () => {
        throw new Error('connection refused');
      };
      const down = await a.request('/api/me');
      expect(down.status).toBe(503);
      expect(down.headers.get('retry-after')).toBe('5');
      expect(((await down.json()) as { error: { code: string } }).error.code).toBe(
        'STORE_UNAVAILABLE',
      );
      store.find = find;
      store.findNow = findNow;
      expect((await a.json('/api/me')).status).toBe(200);
    });

    it('refuses a cross-site write that carries the session with 403, before any route runs', async () => {
      const url = await serve(undefined, { trustedOrigins: ['https://admin.example.com'] });
      const b = new Browser(url);
      await b.request('/api/login', { json: { username: 'bob' } });
      for (const headers of [
        { 'sec-fetch-site': 'cross-site', origin: 'https://evil.example' },
        { 'sec-fetch-site': 'same-site', origin: 'https://sub.example.com' },
        { origin: 'http://localhost:1' },
      ]) {
        for (const [method, path] of [
          ['POST', '/api/logout'],
          ['POST', '/api/sessions/revoke-others'],
          ['DELETE', '/api/sessions/x'],
        ] as const) {
          const refused = await b.json<{ error: { code: string } }>(path, { method, headers });
          expect(refused.status).toBe(403);
          expect(refused.body.error.code).toBe('CROSS_ORIGIN_REQUEST');
        }
      }
      expect((await b.json('/api/me')).status).toBe(200);
      const crossSite = { 'sec-fetch-site': 'cross-site', origin: 'https://evil.example' };
      expect((await b.json('/api/me', { headers: crossSite })).status).toBe(200);
      const trusted = { 'sec-fetch-site': 'same-site', origin: 'https://admin.example.com' };
      const allowed = await b.json('/api/sessions/revoke-others', {
        method: 'POST',
        headers: trusted,
      });
      expect(allowed.status).toBe(200);
      const newcomer = new Browser(url);
      const login = await newcomer.json('/api/login', {
        json: { username: 'carol' },
        headers: crossSite,
      });
      expect(login.status).toBe(200);
      const out = await b.json('/api/logout', {
        method: 'POST',
        headers: { 'sec-fetch-site': 'same-origin', origin: url },
      });
      expect(out.body).toEqual({ closed: true });
    });

    it('streams revoked to the signed-out device the moment another signs in, then closes', async () => {
      const url = await serve();
      const a = new Browser(url);
      await a.request('/api/login', { json: { username: 'alice' } });
      const stream = await openEvents(a);
      try {
        expect(stream.status).toBe(200);
        expect(stream.headers['content-type']).toBe('text/event-stream; charset=utf-8');
        const started = Date.now();
        await new Browser(url, FIREFOX_WIN).request('/api/login', { json: { username: 'alice' } });
        const event = await stream.next('revoked', 2000);
        expect(Date.now() - started).toBeLessThan(2000);
        expect(JSON.parse(event.data)).toMatchObject({
          code: 'SESSION_REVOKED',
          reason: 'evicted',
          message: expect.stringContaining('(Firefox 133 on Windows)') as string,
          by: { kind: 'desktop', label: 'Firefox 133 on Windows' },
        });
        await stream.ended(2000);
      } finally {
        stream.close();
      }
    });

    it('tells a stream opened for an already dead session at once, and answers 401 without one', async () => {
      const url = await serve();
      const a = new Browser(url);
      await a.request('/api/login', { json: { username: 'alice' } });
      await new Browser(url).request('/api/login', { json: { username: 'alice' } });
      const dead = await openEvents(a);
      try {
        expect(dead.status).toBe(200);
        expect(JSON.parse((await dead.next('revoked', 2000)).data)).toMatchObject({
          reason: 'evicted',
        });
      } finally {
        dead.close();
      }
      const none = await openEvents(new Browser(url));
      none.close();
      expect(none.status).toBe(401);
    });

    it('checks its options when the app starts, naming the field', async () => {
      const limiter = newLimiter();
      const bad: [Record<string, unknown>, string][] = [
        [{ mode: 'jwt' }, 'mode'],
        [{ cookie: { name: 'bad name' } }, 'cookie.name'],
        [{ cookie: { maxAge: 'forever' } }, 'cookie.maxAge'],
        [{ cookie: { insecureLocalhost: true } }, 'cookie.insecureLocalhost'],
        [{ loginPath: 'http://evil.example' }, 'loginPath'],
        [{ loginPath: '//evil.example' }, 'loginPath'],
        [{ loginPath: '/\\evil.example' }, 'loginPath'],
        [{ trustedOrigins: ['evil.example'] }, 'trustedOrigins'],
        [{ unknownOption: true }, 'unknownOption'],
      ];
      for (const [options, field] of bad) {
        await expect(
          (async () => {
            const app = await harness.serve(limiter, options);
            closers.push(() => app.close());
          })(),
          field,
        ).rejects.toMatchObject({ code: 'INVALID_CONFIG', field });
      }
    });
  });

  if (harness.bearer === false) return;

  describe(`${harness.name} adapter conformance, bearer mode`, () => {
    async function bearerApp(store: SessionStore = new MemoryStore()) {
      const limiter = newLimiter(store);
      const jwt = createJwtSessions(limiter, {
        secret: JWT_SECRET,
        issuer: 'test',
        audience: 'api',
      });
      return { url: await serve(limiter, { mode: 'bearer', jwt }), jwt };
    }
    const issue = async (jwt: JwtSessions<SuiteUser>, name: string, userAgent?: string) => {
      const user = SUITE_USERS[name]!;
      const r = await jwt.login({ userId: user.id, user, device: { userAgent } });
      if (!r.ok) throw new Error(`expected ${name}'s login to succeed, got ${r.code}`);
      return r.accessToken;
    };
    const bearer = (token: string) => ({ headers: { authorization: `Bearer ${token}` } });

    it('checks the access token on every request and answers an evicted one with 401 and WWW-Authenticate', async () => {
      const { url, jwt } = await bearerApp();
      const a = new Browser(url);
      const first = await issue(jwt, 'alice');
      expect((await a.json('/api/me', bearer(first))).status).toBe(200);
      await issue(jwt, 'alice', FIREFOX_WIN);
      const response = await a.request('/api/me', bearer(first));
      expect(response.status).toBe(401);
      expect(response.headers.get('www-authenticate')).toContain('error="invalid_token"');
      const body = (await response.json()) as {
        error: { code: string; reason: string; message: string };
      };
      expect(body.error).toMatchObject({ code: 'SESSION_REVOKED', reason: 'evicted' });
      expect(body.error.message).toContain('(Firefox 133 on Windows)');
      expect(a.lastSetCookies).toEqual([]);
    });

    it('passes requests without a bearer token and refuses malformed ones with INVALID_TOKEN', async () => {
      const { url } = await bearerApp();
      const b = new Browser(url);
      expect((await b.json('/api/me')).body).toEqual({ error: { code: 'UNAUTHENTICATED' } });
      const basic = await b.json('/api/me', { headers: { authorization: 'Basic dTpw' } });
      expect(basic.body).toEqual({ error: { code: 'UNAUTHENTICATED' } });
      for (const header of [
        'Bearer',
        'Bearer  x',
        'Bearer a.b.c',
        `Bearer ${'a'.repeat(10_000)}`,
      ]) {
        const r = await b.request('/api/me', { headers: { authorization: header } });
        expect(r.status).toBe(401);
        expect(r.headers.get('www-authenticate')).toMatch(
          /^Bearer error="invalid_(token|request)"/,
        );
        expect(((await r.json()) as { error: { code: string } }).error.code).toBe('INVALID_TOKEN');
      }
    });

    it('lists, signs out everywhere else and logs out through the context', async () => {
      const { url, jwt } = await bearerApp();
      const b = new Browser(url);
      const one = await issue(jwt, 'bob');
      const two = await issue(jwt, 'bob');
      const list = await b.json<{ sessions: unknown[] }>('/api/sessions', bearer(one));
      expect(list.body.sessions).toHaveLength(2);
      await b.json('/api/sessions/revoke-others', { method: 'POST', ...bearer(one) });
      expect((await b.json('/api/me', bearer(two))).status).toBe(401);
      const out = await b.json('/api/logout', { method: 'POST', ...bearer(one) });
      expect(out.body).toEqual({ closed: true });
      expect((await b.json('/api/me', bearer(one))).status).toBe(401);
    });

    it('streams revoked to a bearer client that sends its token in the Authorization header', async () => {
      const { url, jwt } = await bearerApp();
      const token = await issue(jwt, 'alice');
      const stream = await openEvents(new Browser(url), '/api/events', {
        authorization: `Bearer ${token}`,
      });
      try {
        expect(stream.status).toBe(200);
        await issue(jwt, 'alice', FIREFOX_WIN);
        expect(JSON.parse((await stream.next('revoked', 2000)).data)).toMatchObject({
          reason: 'evicted',
        });
      } finally {
        stream.close();
      }
    });

    it('answers 503 when the store fails', async () => {
      const store = new MemoryStore();
      const { url, jwt } = await bearerApp(store);
      const token = await issue(jwt, 'bob');
      store.find = () => Promise.reject(new Error('connection refused'));
      const down = await new Browser(url).json<{ error: { code: string } }>(
        '/api/me',
        bearer(token),
      );
      expect(down.status).toBe(503);
      expect(down.body.error.code).toBe('STORE_UNAVAILABLE');
    });

    it('needs a jwt from the same limiter', async () => {
      const limiter = newLimiter();
      const other = createJwtSessions(newLimiter(), {
        secret: JWT_SECRET,
        issuer: 'i',
        audience: 'a',
      });
      const own = createJwtSessions(limiter, { secret: JWT_SECRET, issuer: 'i', audience: 'a' });
      for (const options of [{ mode: 'bearer' }, { mode: 'bearer', jwt: other }, { jwt: own }]) {
        await expect(
          (async () => {
            const app = await harness.serve(limiter, options);
            closers.push(() => app.close());
          })(),
        ).rejects.toMatchObject({ code: 'INVALID_CONFIG', field: 'jwt' });
      }
    });
  });
}
