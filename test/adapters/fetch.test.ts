import { afterEach, describe, expect, it } from 'vitest';
import {
  createSessionLimiter,
  MemoryStore,
  SessionLimiterError,
  type SessionLimiter,
  type SessionStore,
} from '../../src/index.js';
import {
  sessionGate,
  withCookies,
  type SessionGateOptions,
  type SessionLimitContext,
} from '../../src/adapters/fetch.js';
import { createJwtSessions } from '../../src/jwt/index.js';
import { parseSetCookie } from '../support/browser.js';

interface User {
  id: string;
  role: 'staff' | 'customer';
}
const USERS: Record<string, User> = {
  alice: { id: 'alice', role: 'staff' },
  bob: { id: 'bob', role: 'customer' },
};
const policy = (user: User) => (user.role === 'staff' ? { max: 1 } : {});

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0)) await close();
});

function newLimiter(store: SessionStore = new MemoryStore()): SessionLimiter<User> {
  const limiter = createSessionLimiter<User>({ store, policy, pruneInterval: false });
  closers.push(() => limiter.dispose());
  return limiter;
}

const BASE = 'http://app.test';
const json = { accept: 'application/json' };
const page = { accept: 'text/html', 'sec-fetch-mode': 'navigate' };

/** A route handler as a Next.js or SvelteKit app writes one: the gate, then its own response. */
function handler(limiter: SessionLimiter<User>, options: SessionGateOptions<User> = {}) {
  const gate = sessionGate(limiter, options);
  return async (request: Request, ip?: string): Promise<Response> => {
    const checked = await gate.check(request, { ip });
    if (checked.response) return checked.response;
    const path = new URL(request.url).pathname;
    const response = await route(request.method, path, checked.sessionLimit);
    return checked.apply(response);
  };
}

async function route(method: string, path: string, sl: SessionLimitContext): Promise<Response> {
  if (method === 'POST' && path.startsWith('/login/')) {
    const r = await sl.login(USERS[path.slice('/login/'.length)]);
    return Response.json(r.ok ? { session: r.session } : { error: { code: r.code } });
  }
  if (path === '/logout') return Response.json({ closed: await sl.logout() });
  return Response.json({ session: sl.session });
}

/** The Set-Cookie headers of a response, parsed. */
function cookiesOf(response: Response) {
  return response.headers.getSetCookie().map(parseSetCookie);
}

/** Signs bob in and returns his cookie header value. */
async function signIn(app: ReturnType<typeof handler>, who = 'bob'): Promise<string> {
  const login = await app(new Request(`${BASE}/login/${who}`, { method: 'POST', headers: json }));
  const [cookie] = cookiesOf(login);
  return `${cookie!.name}=${cookie!.value}`;
}

describe('fetch gate', () => {
  it('passes a Request with no cookie through: no session, no Set-Cookie', async () => {
    const gate = sessionGate(newLimiter());
    const checked = await gate.check(new Request(`${BASE}/me`, { headers: json }));
    expect(checked.response).toBeNull();
    expect(checked.sessionLimit.session).toBeNull();
    expect(checked.cookies).toEqual([]);
    const mine = Response.json({ ok: true });
    expect(checked.apply(mine)).toBe(mine);
    expect(mine.headers.getSetCookie()).toEqual([]);
  });

  it('signs in with the __Host- cookie and reads it back on the next request', async () => {
    const app = handler(newLimiter());
    const login = await app(new Request(`${BASE}/login/bob`, { method: 'POST', headers: json }));
    const [cookie] = cookiesOf(login);
    expect(cookie?.name).toBe('__Host-sid');
    expect(cookie?.attributes).toEqual({
      path: '/',
      httponly: true,
      samesite: 'Lax',
      secure: true,
    });
    const me = await app(
      new Request(`${BASE}/me`, {
        headers: { ...json, cookie: `${cookie!.name}=${cookie!.value}` },
      }),
    );
    expect(((await me.json()) as { session: { userId: string } }).session.userId).toBe('bob');
  });

  it("adds its cookies beside the app's own, on a copy when the headers are immutable", async () => {
    const gate = sessionGate(newLimiter());
    const checked = await gate.check(new Request(`${BASE}/login`, { method: 'POST' }));
    await checked.sessionLimit.login(USERS.bob);
    expect(checked.cookies).toHaveLength(1);

    const own = new Response('ok', { headers: { 'set-cookie': 'theme=dark; Path=/' } });
    const merged = checked.apply(own);
    expect(merged).toBe(own);
    expect(cookiesOf(merged).map((c) => c.name)).toEqual(['theme', '__Host-sid']);

    // Response.redirect's headers cannot change: the cookie goes on a copy that keeps the rest.
    const redirect = Response.redirect(`${BASE}/home`, 303);
    expect(() => redirect.headers.append('set-cookie', 'x=1')).toThrow(TypeError);
    const copied = withCookies(redirect, checked.cookies);
    expect(copied).not.toBe(redirect);
    expect(copied.status).toBe(303);
    expect(copied.headers.get('location')).toBe(`${BASE}/home`);
    expect(cookiesOf(copied).map((c) => c.name)).toEqual(['__Host-sid']);
  });

  it('answers a dead session with 401 JSON (cookie cleared) or a 303 with the notice cookie', async () => {
    const app = handler(newLimiter());
    const first = await signIn(app, 'alice');
    await signIn(app, 'alice'); // alice may have one session: the first is evicted

    const api = await app(new Request(`${BASE}/me`, { headers: { ...json, cookie: first } }));
    expect(api.status).toBe(401);
    expect(api.headers.get('content-type')).toBe('application/json');
    expect(await api.json()).toMatchObject({
      error: { code: 'SESSION_REVOKED', reason: 'evicted' },
    });
    expect(cookiesOf(api)).toMatchObject([{ name: '__Host-sid', value: '' }]);

    const nav = await app(
      new Request(`${BASE}/dashboard`, { headers: { ...page, cookie: first } }),
    );
    expect(nav.status).toBe(303);
    expect(nav.headers.get('location')).toBe('/login?signedOut=evicted');
    expect(cookiesOf(nav).map((c) => c.name)).toEqual(['__Host-sid', '__Host-sid-notice']);
  });

  it('gives onRevoked the Request and the reason, and adds the cleared cookie to its answer', async () => {
    const seen: string[] = [];
    const app = handler(newLimiter(), {
      onRevoked: (request, dead) => {
        seen.push(`${new URL(request.url).pathname} ${dead.reason ?? ''}`);
        return new Response('gone', { status: 410 });
      },
    });
    const first = await signIn(app, 'alice');
    await signIn(app, 'alice');
    const me = await app(new Request(`${BASE}/me`, { headers: { ...json, cookie: first } }));
    expect(me.status).toBe(410);
    expect(seen).toEqual(['/me evicted']);
    expect(cookiesOf(me)).toMatchObject([{ name: '__Host-sid', value: '' }]);
  });

  it('lets a dead session sign in again on a login POST', async () => {
    const app = handler(newLimiter(), {
      passThroughDead: (request) => new URL(request.url).pathname.startsWith('/login/'),
    });
    const first = await signIn(app, 'alice');
    await signIn(app, 'alice');
    const again = await app(
      new Request(`${BASE}/login/alice`, { method: 'POST', headers: { ...json, cookie: first } }),
    );
    expect(again.status).toBe(200);
    expect(cookiesOf(again)[0]?.value).not.toBe('');
  });

  it('answers 503 when the store is down, and onStoreError may answer instead', async () => {
    const store = new MemoryStore();
    const limiter = newLimiter(store);
    const app = handler(limiter);
    const cookie = await signIn(app);
    store.find = () => Promise.reject(new Error('connection refused'));
    store.findNow = () => {
      throw new Error('connection refused');
    };
    const refused = await app(new Request(`${BASE}/me`, { headers: { ...json, cookie } }));
    expect(refused.status).toBe(503);
    expect(refused.headers.get('retry-after')).toBe('5');
    expect(await refused.json()).toMatchObject({ error: { code: 'STORE_UNAVAILABLE' } });

    const custom = handler(limiter, {
      onStoreError: (_request, error) => Response.json({ code: error.code }, { status: 500 }),
    });
    const answered = await custom(new Request(`${BASE}/me`, { headers: { ...json, cookie } }));
    expect(answered.status).toBe(500);
    expect(await answered.json()).toEqual({ code: 'STORE_UNAVAILABLE' });
  });

  it('refuses a cross-site POST with the session even when the Request has no Host header', async () => {
    const app = handler(newLimiter());
    const cookie = await signIn(app);
    const post = (origin: string) =>
      app(new Request(`${BASE}/logout`, { method: 'POST', headers: { ...json, cookie, origin } }));
    const refused = await post('https://evil.example');
    expect(refused.status).toBe(403);
    expect(await refused.json()).toMatchObject({ error: { code: 'CROSS_ORIGIN_REQUEST' } });
    expect(await (await post(BASE)).json()).toEqual({ closed: true });
  });

  it("keeps the client's address: from check's ip, else from getIp", async () => {
    const perCall = handler(newLimiter());
    const login = (app: typeof perCall, ip?: string) =>
      app(new Request(`${BASE}/login/bob`, { method: 'POST' }), ip);
    const body = async (response: Response) =>
      ((await response.json()) as { session: { device: { ip?: string } } }).session.device.ip;
    expect(await body(await login(perCall, '203.0.113.7'))).toBe('203.0.113.7');
    const fromOption = handler(newLimiter(), {
      getIp: (request) => request.headers.get('x-test-ip') ?? undefined,
    });
    const request = new Request(`${BASE}/login/bob`, {
      method: 'POST',
      headers: { 'x-test-ip': '198.51.100.2' },
    });
    expect(await body(await fromOption(request))).toBe('198.51.100.2');
    expect(await body(await login(perCall))).toBeUndefined();
  });

  it('bearer mode: a JWT gives the session and claims; a bad one gets 401 with WWW-Authenticate', async () => {
    const limiter = newLimiter();
    const jwt = createJwtSessions(limiter, {
      secret: 'x'.repeat(32),
      issuer: 'test',
      audience: 'test',
    });
    const gate = sessionGate(limiter, { mode: 'bearer', jwt });
    const { accessToken } = await jwt.login({ userId: 'bob', user: USERS.bob! });
    const ok = await gate.check(
      new Request(`${BASE}/me`, { headers: { authorization: `Bearer ${accessToken}` } }),
    );
    expect(ok.response).toBeNull();
    expect(ok.sessionLimit.session?.userId).toBe('bob');
    expect(ok.sessionLimit.claims?.sub).toBe('bob');
    const bad = await gate.check(
      new Request(`${BASE}/me`, { headers: { authorization: 'Bearer junk' } }),
    );
    expect(bad.response?.status).toBe(401);
    expect(bad.response?.headers.get('www-authenticate')).toMatch(/^Bearer /);
  });

  it('refuses bad options and a non-Request with clear errors', async () => {
    const limiter = newLimiter();
    const configError = (run: () => unknown, field: string) => {
      try {
        run();
      } catch (error) {
        expect(error).toBeInstanceOf(SessionLimiterError);
        expect(error).toMatchObject({ code: 'INVALID_CONFIG', field });
        return;
      }
      throw new Error(`no error for ${field}`);
    };
    configError(() => sessionGate(limiter, { nope: 1 } as SessionGateOptions<User>), 'nope');
    configError(
      () => sessionGate(limiter, { mode: 'express-session' } as unknown as SessionGateOptions),
      'mode',
    );
    configError(
      () => sessionGate(limiter, { getIp: 'x' } as unknown as SessionGateOptions),
      'getIp',
    );
    configError(() => sessionGate({} as unknown as SessionLimiter<User>), 'limiter');
    await expect(sessionGate(limiter).check(undefined as unknown as Request)).rejects.toMatchObject(
      { code: 'INVALID_ARGUMENT', field: 'request' },
    );
  });
});
