import express5, { type Express, type NextFunction, type Request, type Response } from 'express';
import session from 'express-session';
import express4 from 'express4';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  createSessionLimiter,
  MemoryStore,
  SessionLimiterError,
  type SessionLimiter,
  type SessionStore,
} from '../../src/index.js';
import { sessionLimit, type SessionLimitOptions } from '../../src/adapters/express.js';
import { createJwtSessions } from '../../src/jwt/index.js';
import { Browser, listen } from '../support/browser.js';

const FIREFOX_WIN =
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0';
const IPHONE =
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1';

interface User {
  id: string;
  role: 'staff' | 'family' | 'customer';
}
const USERS: Record<string, User> = {
  alice: { id: 'alice', role: 'staff' },
  carol: { id: 'carol', role: 'family' },
  bob: { id: 'bob', role: 'customer' },
};

type ExpressFactory = typeof express5;

function makeApp(
  express: ExpressFactory,
  limiter: SessionLimiter<User>,
  options: SessionLimitOptions<User> = {},
  before?: (app: Express) => void,
): Express {
  const app = express();
  app.set('trust proxy', 'loopback');
  app.use(express.json());
  before?.(app);
  app.use(sessionLimit(limiter, options));
  const wrap =
    (route: (req: Request, res: Response) => Promise<unknown>) =>
    (req: Request, res: Response, next: NextFunction) => {
      route(req, res).catch(next);
    };
  app.post(
    '/api/login',
    wrap(async (req, res) => {
      const user = USERS[(req.body as { username?: string }).username ?? ''];
      if (!user) return res.status(401).json({ error: { code: 'INVALID_CREDENTIALS' } });
      const ended = req.sessionLimit.ended?.reason ?? null;
      const r = await req.sessionLimit.login(user, {
        replace: (req.body as { replace?: string }).replace,
      });
      if (!r.ok) return res.status(409).json({ error: { code: r.code }, active: r.active });
      return res.json({ session: r.session, ended });
    }),
  );
  app.get('/api/me', (req, res) => {
    if (!req.sessionLimit.session)
      return res.status(401).json({ error: { code: 'UNAUTHENTICATED' } });
    return res.json({ session: req.sessionLimit.session });
  });
  app.get(
    '/api/sessions',
    wrap(async (req, res) =>
      res.json({ sessions: await req.sessionLimit.list(), current: req.sessionLimit.session?.id }),
    ),
  );
  app.delete(
    '/api/sessions/:id',
    wrap(async (req, res) =>
      res.json({ revoked: await req.sessionLimit.revoke(String(req.params.id)) }),
    ),
  );
  app.post(
    '/api/sessions/revoke-others',
    wrap(async (req, res) => res.json({ revoked: await req.sessionLimit.revokeOthers() })),
  );
  app.post(
    '/api/logout',
    wrap(async (req, res) => res.json({ closed: await req.sessionLimit.logout() })),
  );
  app.get('/login', (req, res) => {
    res.type('html').send(`<p role="alert">${req.sessionLimit.notice ?? ''}</p>`);
  });
  app.get('/dashboard', (req, res) => {
    res.type('html').send(req.sessionLimit.session ? 'dashboard' : 'anonymous');
  });
  app.use((error: unknown, _req: Request, res: Response, _next: NextFunction) => {
    if (error instanceof SessionLimiterError && error.code === 'SESSION_NOT_FOUND') {
      return res.status(404).json({ error: { code: error.code } });
    }
    return res.status(500).json({ error: { code: 'INTERNAL', message: String(error) } });
  });
  return app;
}

function policy(user: User) {
  if (user.role === 'staff') return { max: 1 };
  if (user.role === 'family') return { max: 2, onLimit: 'reject' as const };
  return {};
}

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0)) await close();
});

async function serve(app: Express): Promise<string> {
  const server = await listen(app);
  closers.push(server.close);
  return server.url;
}

function newLimiter(store: SessionStore = new MemoryStore()): SessionLimiter<User> {
  const limiter = createSessionLimiter<User>({ store, policy, pruneInterval: false });
  closers.push(() => limiter.dispose());
  return limiter;
}

for (const [name, express] of [
  ['Express 5', express5],
  ['Express 4', express4],
] as const) {
  describe(`${name} adapter, cookie mode`, () => {
    it('passes a request with no session through untouched', async () => {
      const url = await serve(makeApp(express, newLimiter()));
      const b = new Browser(url);
      expect(await b.json('/api/me')).toEqual({
        status: 401,
        body: { error: { code: 'UNAUTHENTICATED' } },
      });
      expect(b.lastSetCookies).toEqual([]);
    });

    it('sets a __Host- cookie: Secure, HttpOnly, SameSite=Lax, Path=/ over https', async () => {
      const url = await serve(makeApp(express, newLimiter()));
      const b = new Browser(url);
      const login = await b.request('/api/login', {
        json: { username: 'bob' },
        headers: { 'x-forwarded-proto': 'https' },
      });
      expect(login.status).toBe(200);
      const [cookie] = b.lastSetCookies;
      expect(cookie?.name).toBe('__Host-sid');
      expect(cookie?.attributes).toEqual({
        path: '/',
        httponly: true,
        samesite: 'Lax',
        secure: true,
      });
      expect(cookie?.attributes.domain).toBeUndefined();
      const me = await b.json('/api/me', { headers: { 'x-forwarded-proto': 'https' } });
      expect(me.status).toBe(200);
    });

    it('sets the __Host- Secure cookie on plain http too, whatever the Host header says', async () => {
      // Behind a TLS proxy that forwards to 127.0.0.1 with its own Host and no X-Forwarded-Proto,
      // every request looks like plain http to localhost: the cookie must still be the secure one.
      const url = await serve(makeApp(express, newLimiter()));
      for (const host of [undefined, 'localhost:3000', 'example.com']) {
        const b = new Browser(url);
        await b.request('/api/login', {
          json: { username: 'bob' },
          headers: host ? { host } : {},
        });
        expect(b.lastSetCookies[0]?.name).toBe('__Host-sid');
        expect(b.lastSetCookies[0]?.attributes.secure).toBe(true);
        expect((await b.json('/api/me')).status).toBe(200);
      }
      // The unprefixed name is never read: any subdomain could have set it.
      const b = new Browser(url);
      await b.request('/api/login', { json: { username: 'bob' } });
      const token = b.cookies.get('__Host-sid')!;
      const plain = await fetch(`${url}/api/me`, {
        headers: { cookie: `sid=${token}`, accept: 'application/json' },
      });
      expect(plain.status).toBe(401);
    });

    it('uses a plain-http development cookie only when the app opts in, and warns once', async () => {
      const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
      try {
        const url = await serve(makeApp(express, newLimiter(), { cookie: { secure: false } }));
        sessionLimit(newLimiter(), { cookie: { secure: false } });
        expect(
          warn.mock.calls.filter(([m]) => String(m).includes('cookie.secure is false')).length,
        ).toBeLessThanOrEqual(1);
        const b = new Browser(url);
        await b.request('/api/login', { json: { username: 'bob' } });
        expect(b.lastSetCookies[0]?.name).toBe('sid');
        expect(b.lastSetCookies[0]?.attributes.secure).toBeUndefined();
        expect((await b.json('/api/me')).status).toBe(200);
      } finally {
        warn.mockRestore();
      }
      expect(() =>
        sessionLimit(newLimiter(), {
          cookie: { insecureLocalhost: true } as unknown as { secure: boolean },
        }),
      ).toThrow(/cookie.insecureLocalhost.*secure: false/);
    });

    it('answers an evicted session with 401, the reason and a sentence naming the new device', async () => {
      const url = await serve(makeApp(express, newLimiter()));
      const a = new Browser(url);
      const b = new Browser(url, FIREFOX_WIN);
      await a.request('/api/login', { json: { username: 'alice' } });
      await b.request('/api/login', { json: { username: 'alice' } });
      const me = await a.json<{
        error: { code: string; reason: string; message: string; at: string };
      }>('/api/me');
      expect(me.status).toBe(401);
      expect(me.body.error.code).toBe('SESSION_REVOKED');
      expect(me.body.error.reason).toBe('evicted');
      expect(me.body.error.message).toMatch(
        /^You were signed out because your account signed in on another device \(Firefox 133 on Windows\) at \d\d:\d\d UTC\.$/,
      );
      expect(a.cookies.has('__Host-sid')).toBe(false); // the dead cookie was cleared
      expect((await a.json('/api/me')).body).toEqual({ error: { code: 'UNAUTHENTICATED' } });
      expect((await b.json('/api/me')).status).toBe(200);
    });

    it('redirects a page navigation to the login page, which shows the sentence', async () => {
      const url = await serve(makeApp(express, newLimiter()));
      const a = new Browser(url);
      await a.request('/api/login', { json: { username: 'alice' } });
      await new Browser(url, IPHONE).request('/api/login', { json: { username: 'alice' } });
      const page = await a.request('/dashboard', {
        headers: { accept: 'text/html', 'sec-fetch-mode': 'navigate' },
      });
      expect(page.status).toBe(303);
      expect(page.headers.get('location')).toBe('/login?signedOut=evicted');
      const login = await a.request('/login', {
        headers: { accept: 'text/html', 'sec-fetch-mode': 'navigate' },
      });
      expect(await login.text()).toMatch(
        /role="alert">You were signed out because .*\(Safari 17 on iOS\)/,
      );
      // Shown once: the notice cookie is gone.
      const again = await a.request('/login', { headers: { accept: 'text/html' } });
      expect(await again.text()).toBe('<p role="alert"></p>');
    });

    it('treats malformed, forged and unknown cookies as no session, never a 500', async () => {
      const limiter = newLimiter();
      const url = await serve(makeApp(express, limiter));
      const good = new Browser(url);
      await good.request('/api/login', { json: { username: 'bob' } });
      const token = good.cookies.get('__Host-sid')!;
      const forged = `${token.slice(0, -2)}AA`;
      for (const cookie of [
        '__Host-sid=',
        '__Host-sid=garbage',
        `__Host-sid=${forged}`,
        '__Host-sid=%%%',
        `__Host-sid=${'x'.repeat(5000)}`,
        ';;;',
        '__Host-sid',
      ]) {
        const response = await fetch(`${url}/api/me`, {
          headers: { cookie, accept: 'application/json' },
        });
        expect(response.status).toBe(401);
        expect(await response.json()).toEqual({ error: { code: 'UNAUTHENTICATED' } });
      }
    });

    it('reads the session cookie by exact name: a tossed cookie is neither taken nor cleared', async () => {
      const url = await serve(makeApp(express, newLimiter()));
      const https = { 'x-forwarded-proto': 'https' };
      const b = new Browser(url);
      await b.request('/api/login', { json: { username: 'bob' }, headers: https });
      const real = b.cookies.get('__Host-sid')!;
      const me = (cookie: string) =>
        fetch(`${url}/api/me`, { headers: { cookie, accept: 'application/json', ...https } });
      // A sibling subdomain planted `a=x __Host-sid=EVIL`; the browser sends it first.
      const withReal = await me(`a=x __Host-sid=EVIL; __Host-sid=${real}`);
      expect(withReal.status).toBe(200);
      expect(withReal.headers.getSetCookie()).toEqual([]);
      const tossedOnly = await me('a=x __Host-sid=EVIL');
      expect(tossedOnly.status).toBe(401);
      expect(await tossedOnly.json()).toEqual({ error: { code: 'UNAUTHENTICATED' } });
      expect(tossedOnly.headers.getSetCookie()).toEqual([]);
      // An unknown token is not cleared either: clearing by name would delete the real cookie.
      const unknown = await me(`__Host-sid=${real.slice(0, -2)}AA`);
      expect(unknown.status).toBe(401);
      expect(unknown.headers.getSetCookie()).toEqual([]);
    });

    it('refuses a cross-site unsafe request that carries the session with 403, before any route', async () => {
      const url = await serve(
        makeApp(express, newLimiter(), { trustedOrigins: ['https://admin.example.com'] }),
      );
      const b = new Browser(url);
      await b.request('/api/login', { json: { username: 'bob' } });
      for (const headers of [
        { 'sec-fetch-site': 'cross-site', origin: 'https://evil.example' },
        { 'sec-fetch-site': 'same-site', origin: 'https://sub.example.com' },
        { origin: 'http://localhost:1' },
        { origin: 'null' },
      ]) {
        for (const path of ['/api/logout', '/api/sessions/revoke-others']) {
          const refused = await b.json<{ error: { code: string } }>(path, {
            method: 'POST',
            headers,
          });
          expect(refused.status).toBe(403);
          expect(refused.body.error.code).toBe('CROSS_ORIGIN_REQUEST');
        }
      }
      expect((await b.json('/api/me')).status).toBe(200); // nothing was signed out
      // Reads, trusted origins and requests without a session are untouched.
      const crossSite = { 'sec-fetch-site': 'cross-site', origin: 'https://evil.example' };
      expect((await b.json('/api/me', { headers: crossSite })).status).toBe(200);
      expect(
        (
          await b.json('/api/sessions/revoke-others', {
            method: 'POST',
            headers: { 'sec-fetch-site': 'same-site', origin: 'https://admin.example.com' },
          })
        ).status,
      ).toBe(200);
      const stranger = new Browser(url);
      expect(
        (await stranger.json('/api/login', { json: { username: 'carol' }, headers: crossSite }))
          .status,
      ).toBe(200);
      expect(
        (
          await b.json('/api/logout', {
            method: 'POST',
            headers: { 'sec-fetch-site': 'same-origin', origin: url },
          })
        ).body,
      ).toEqual({ closed: true });
    });

    it('lets a signed-out browser sign in again at once', async () => {
      const url = await serve(makeApp(express, newLimiter()));
      const a = new Browser(url);
      await a.request('/api/login', { json: { username: 'alice' } });
      await new Browser(url).request('/api/login', { json: { username: 'alice' } });
      const relogin = await a.json<{ ended: string }>('/api/login', {
        json: { username: 'alice' },
      });
      expect(relogin).toMatchObject({ status: 200, body: { ended: 'evicted' } });
      expect((await a.json('/api/me')).status).toBe(200);
    });

    it('gives a new token on every login and kills the previous one of that browser', async () => {
      const url = await serve(makeApp(express, newLimiter()));
      const a = new Browser(url);
      await a.request('/api/login', { json: { username: 'carol' } });
      const first = a.cookies.get('__Host-sid')!;
      await a.request('/api/login', { json: { username: 'carol' } });
      const second = a.cookies.get('__Host-sid')!;
      expect(second).not.toBe(first);
      const stale = await fetch(`${url}/api/me`, {
        headers: { cookie: `__Host-sid=${first}`, accept: 'application/json' },
      });
      expect(stale.status).toBe(401);
      // Logging in again from the same browser does not count against carol's limit of 2.
      expect((await a.json<{ sessions: unknown[] }>('/api/sessions')).body.sessions).toHaveLength(
        1,
      );
    });

    it('rejects carol at her limit, then replace signs the chosen device out', async () => {
      const url = await serve(makeApp(express, newLimiter()));
      const one = new Browser(url);
      const two = new Browser(url, IPHONE);
      const three = new Browser(url, FIREFOX_WIN);
      await one.request('/api/login', { json: { username: 'carol' } });
      await two.request('/api/login', { json: { username: 'carol' } });
      const refused = await three.json<{ error: { code: string }; active: { id: string }[] }>(
        '/api/login',
        {
          json: { username: 'carol' },
        },
      );
      expect(refused.status).toBe(409);
      expect(refused.body.error.code).toBe('SESSION_LIMIT_REACHED');
      expect(refused.body.active).toHaveLength(2);
      const oneId = (await one.json<{ session: { id: string } }>('/api/me')).body.session.id;
      const retry = await three.json('/api/login', { json: { username: 'carol', replace: oneId } });
      expect(retry.status).toBe(200);
      expect(await one.json('/api/me')).toMatchObject({
        status: 401,
        body: { error: { reason: 'replaced' } },
      });
    });

    it('lists, revokes and signs out everywhere else; refuses foreign ids', async () => {
      const url = await serve(makeApp(express, newLimiter()));
      const here = new Browser(url);
      const there = new Browser(url, IPHONE);
      const elsewhere = new Browser(url, FIREFOX_WIN);
      const stranger = new Browser(url);
      for (const b of [here, there, elsewhere])
        await b.request('/api/login', { json: { username: 'bob' } });
      await stranger.request('/api/login', { json: { username: 'carol' } });
      const list = await here.json<{
        sessions: { id: string; device: { label: string } }[];
        current: string;
      }>('/api/sessions');
      expect(list.body.sessions).toHaveLength(3);
      expect(list.body.sessions.map((s) => s.id)).toContain(list.body.current);
      const strangerId = (await stranger.json<{ session: { id: string } }>('/api/me')).body.session
        .id;
      expect((await here.json(`/api/sessions/${strangerId}`, { method: 'DELETE' })).status).toBe(
        404,
      );
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
      expect((await here.json('/api/me')).status).toBe(401);
    });

    it('answers 503 STORE_UNAVAILABLE when the store fails, and lives on', async () => {
      const store = new MemoryStore();
      const limiter = newLimiter(store);
      const url = await serve(makeApp(express, limiter));
      const a = new Browser(url);
      await a.request('/api/login', { json: { username: 'bob' } });
      const [find, findNow] = [store.find.bind(store), store.findNow.bind(store)];
      store.find = () => Promise.reject(new Error('connection refused'));
      store.findNow = () => {
        throw new Error('connection refused');
      };
      const down = await a.json<{ error: { code: string } }>('/api/me');
      expect(down.status).toBe(503);
      expect(down.body.error.code).toBe('STORE_UNAVAILABLE');
      store.find = find;
      store.findNow = findNow;
      expect((await a.json('/api/me')).status).toBe(200);
    });

    it('validates its options, naming the field', () => {
      const limiter = newLimiter();
      const bad: [unknown, string][] = [
        [{ mode: 'jwt' }, 'mode'],
        [{ cookie: { name: 'bad name' } }, 'cookie.name'],
        [{ cookie: { maxAge: 'forever' } }, 'cookie.maxAge'],
        [{ loginPath: 'http://evil.example' }, 'loginPath'],
        [{ loginPath: '//evil.example' }, 'loginPath'],
        [{ loginPath: '/\\evil.example' }, 'loginPath'],
        [{ loginPath: '/a\\b' }, 'loginPath'],
        [{ loginPath: '/login\u0000' }, 'loginPath'],
        [{ trustedOrigins: ['evil.example'] }, 'trustedOrigins'],
        [{ onRevoked: 'nope' }, 'onRevoked'],
        [{ unknownOption: true }, 'unknownOption'],
      ];
      for (const [options, field] of bad) {
        expect(() => sessionLimit(limiter, options as SessionLimitOptions<User>)).toThrow(
          expect.objectContaining({ code: 'INVALID_CONFIG', field }),
        );
      }
      for (const loginPath of ['/', '/login', '/account/sign-in', '/a/b.html']) {
        expect(() => sessionLimit(limiter, { loginPath })).not.toThrow();
      }
      expect(() => sessionLimit(null as unknown as SessionLimiter<User>)).toThrow(
        expect.objectContaining({ code: 'INVALID_CONFIG' }),
      );
    });
  });

  describe(`${name} adapter, express-session mode`, () => {
    function sessionApp(limiter: SessionLimiter<User>) {
      return makeApp(express, limiter, { mode: 'express-session' }, (app) => {
        app.use(
          session({
            secret: 'test secret that is long enough',
            resave: false,
            saveUninitialized: false,
          }),
        );
      });
    }

    it('keeps its token in req.session, regenerates the session id on login, destroys it when dead', async () => {
      const url = await serve(sessionApp(newLimiter()));
      const a = new Browser(url);
      await a.request('/api/me');
      await a.request('/api/login', { json: { username: 'alice' } });
      const sid = a.cookies.get('connect.sid');
      expect(sid).toBeDefined();
      expect(a.cookies.has('__Host-sid')).toBe(false);
      expect((await a.json('/api/me')).status).toBe(200);

      await a.request('/api/login', { json: { username: 'alice' } });
      expect(a.cookies.get('connect.sid')).not.toBe(sid); // regenerated on login

      const b = new Browser(url, FIREFOX_WIN);
      await b.request('/api/login', { json: { username: 'alice' } });
      expect(await a.json('/api/me')).toMatchObject({
        status: 401,
        body: { error: { reason: 'evicted' } },
      });
      expect((await a.json('/api/me')).body).toEqual({ error: { code: 'UNAUTHENTICATED' } });
    });

    it('refuses to run without express-session mounted', async () => {
      const url = await serve(makeApp(express, newLimiter(), { mode: 'express-session' }));
      const response = await new Browser(url).json<{ error: { message: string } }>('/api/me');
      expect(response.status).toBe(500);
      expect(response.body.error.message).toContain('express-session');
    });
  });

  describe(`${name} adapter, bearer mode`, () => {
    const SECRET = 'a test secret of at least thirty-two bytes';

    async function bearerApp(store: SessionStore = new MemoryStore()) {
      const limiter = newLimiter(store);
      const jwt = createJwtSessions(limiter, { secret: SECRET, issuer: 'test', audience: 'api' });
      const app = makeApp(express, limiter, { mode: 'bearer', jwt });
      app.post('/api/token', (req, res, next) => {
        const user = USERS[(req.body as { username: string }).username]!;
        jwt
          .login({ userId: user.id, user, device: { userAgent: req.get('user-agent') } })
          .then((r) => res.json(r))
          .catch(next);
      });
      return { url: await serve(app), limiter };
    }
    const bearer = (token: string) => ({ headers: { authorization: `Bearer ${token}` } });

    it('checks the access token on every request and answers an evicted one like cookie mode', async () => {
      const { url } = await bearerApp();
      const a = new Browser(url);
      const first = await a.json<{ accessToken: string }>('/api/token', {
        json: { username: 'alice' },
      });
      expect((await a.json('/api/me', bearer(first.body.accessToken))).status).toBe(200);
      await new Browser(url, FIREFOX_WIN).request('/api/token', { json: { username: 'alice' } });
      const response = await a.request('/api/me', bearer(first.body.accessToken));
      expect(response.status).toBe(401);
      expect(response.headers.get('www-authenticate')).toContain('error="invalid_token"');
      const body = (await response.json()) as {
        error: { code: string; reason: string; message: string };
      };
      expect(body.error).toMatchObject({ code: 'SESSION_REVOKED', reason: 'evicted' });
      expect(body.error.message).toContain('(Firefox 133 on Windows)');
      expect(a.lastSetCookies).toEqual([]);
    });

    it('passes requests without a bearer token and refuses bad ones with INVALID_TOKEN', async () => {
      const { url } = await bearerApp();
      const b = new Browser(url);
      expect((await b.json('/api/me')).body).toEqual({ error: { code: 'UNAUTHENTICATED' } });
      expect((await b.json('/api/me', { headers: { authorization: 'Basic dTpw' } })).status).toBe(
        401,
      );
      for (const header of [
        'Bearer',
        'Bearer  x',
        'Bearer a.b.c',
        `Bearer ${'a'.repeat(10_000)}`,
      ]) {
        const r = await b.json<{ error: { code: string; reason: string } }>('/api/me', {
          headers: { authorization: header },
        });
        expect(r.status).toBe(401);
        expect(r.body.error.code).toBe('INVALID_TOKEN');
      }
    });

    it('logs out, lists and revokes through req.sessionLimit', async () => {
      const { url } = await bearerApp();
      const b = new Browser(url);
      const one = await b.json<{ accessToken: string }>('/api/token', {
        json: { username: 'bob' },
      });
      const two = await b.json<{ accessToken: string }>('/api/token', {
        json: { username: 'bob' },
      });
      const list = await b.json<{ sessions: unknown[] }>(
        '/api/sessions',
        bearer(one.body.accessToken),
      );
      expect(list.body.sessions).toHaveLength(2);
      await b.json('/api/sessions/revoke-others', {
        method: 'POST',
        ...bearer(one.body.accessToken),
      });
      expect((await b.json('/api/me', bearer(two.body.accessToken))).status).toBe(401);
      const out = await b.json('/api/logout', { method: 'POST', ...bearer(one.body.accessToken) });
      expect(out.body).toEqual({ closed: true });
      expect((await b.json('/api/me', bearer(one.body.accessToken))).status).toBe(401);
    });

    it('answers 503 when the store fails', async () => {
      const store = new MemoryStore();
      const { url } = await bearerApp(store);
      const b = new Browser(url);
      const { body } = await b.json<{ accessToken: string }>('/api/token', {
        json: { username: 'bob' },
      });
      store.find = () => Promise.reject(new Error('connection refused'));
      expect((await b.json('/api/me', bearer(body.accessToken))).status).toBe(503);
    });

    it('needs a jwt from the same limiter', () => {
      const limiter = newLimiter();
      const other = createJwtSessions(newLimiter(), { secret: SECRET, issuer: 'i', audience: 'a' });
      expect(() => sessionLimit(limiter, { mode: 'bearer' })).toThrow(
        expect.objectContaining({ field: 'jwt' }),
      );
      expect(() => sessionLimit(limiter, { mode: 'bearer', jwt: other })).toThrow(
        expect.objectContaining({ field: 'jwt' }),
      );
      const own = createJwtSessions(limiter, { secret: SECRET, issuer: 'i', audience: 'a' });
      expect(() => sessionLimit(limiter, { jwt: own })).toThrow(
        expect.objectContaining({ field: 'jwt' }),
      );
    });
  });
}
