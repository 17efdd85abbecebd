import { describe, expect, it, vi } from 'vitest';
import { MemoryStore, SessionLimiterError } from '../../src/index.js';
import { sessionGate, withCookies, type SessionGateOptions } from '../../src/adapters/fetch.js';
import { createJwtSessions } from '../../src/jwt/index.js';
import { parseSetCookie } from '../support/browser.js';
import { adapterTestKit } from '../support/limiters.js';
import { describeAdapterConformance, SUITE_USERS } from '../conformance/adapters.js';
import { fetchHarness, suiteApp } from './fetch-app.js';

const { newLimiter } = adapterTestKit();

describeAdapterConformance(fetchHarness);

const BASE = 'http://app.test';
const json = { accept: 'application/json' };
const page = { accept: 'text/html', 'sec-fetch-mode': 'navigate' };

const login = (username: string, headers: Record<string, string> = {}) =>
  new Request(`${BASE}/api/login`, {
    method: 'POST',
    headers: { ...json, 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ username }),
  });
const get = (path: string, headers: Record<string, string>) =>
  new Request(`${BASE}${path}`, { headers });

/** The Set-Cookie headers of a response, parsed. */
function cookiesOf(response: Response) {
  return response.headers.getSetCookie().map(parseSetCookie);
}

/** Signs a user in and returns the Cookie header that carries the session. */
async function signIn(app: ReturnType<typeof suiteApp>, who = 'bob'): Promise<string> {
  const [cookie] = cookiesOf(await app(login(who)));
  return `${cookie!.name}=${cookie!.value}`;
}

describe('fetch gate specifics', () => {
  it('passes a Request with no cookie through: no session, no Set-Cookie', async () => {
    const gate = sessionGate(newLimiter());
    const checked = await gate.check(get('/api/me', json));
    expect(checked.response).toBeNull();
    expect(checked.sessionLimit.session).toBeNull();
    expect(checked.cookies).toEqual([]);
    const mine = Response.json({ ok: true });
    expect(checked.apply(mine)).toBe(mine);
    expect(mine.headers.getSetCookie()).toEqual([]);
  });

  it("adds its cookies beside the app's own, on a copy when the headers are immutable", async () => {
    const gate = sessionGate(newLimiter());
    const checked = await gate.check(new Request(`${BASE}/api/login`, { method: 'POST' }));
    await checked.sessionLimit.login(SUITE_USERS.bob);
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

  it('puts the cookies on the Response it answers with: cleared, and the notice for a page', async () => {
    const app = suiteApp(newLimiter());
    const first = await signIn(app, 'alice');
    await signIn(app, 'alice'); // alice may have one session: the first is evicted
    const api = await app(get('/api/me', { ...json, cookie: first }));
    expect(api.status).toBe(401);
    expect(api.headers.get('content-type')).toBe('application/json');
    expect(cookiesOf(api)).toMatchObject([{ name: '__Host-sid', value: '' }]);
    const nav = await app(get('/dashboard', { ...page, cookie: first }));
    expect(nav.status).toBe(303);
    expect(cookiesOf(nav).map((c) => c.name)).toEqual(['__Host-sid', '__Host-sid-notice']);
  });

  it('gives onRevoked and passThroughDead the Request, and adds the cleared cookie to the answer', async () => {
    const seen: string[] = [];
    const app = suiteApp(newLimiter(), {
      onRevoked: (request, dead) => {
        seen.push(`${new URL(request.url).pathname} ${dead.reason ?? ''}`);
        return new Response('gone', { status: 410 });
      },
      passThroughDead: (request) => new URL(request.url).pathname === '/dashboard',
    });
    const first = await signIn(app, 'alice');
    await signIn(app, 'alice');
    const passed = await app(get('/dashboard', { ...page, cookie: first }));
    expect(await passed.text()).toBe('anonymous');
    const me = await app(get('/api/me', { ...json, cookie: first }));
    expect(me.status).toBe(410);
    expect(seen).toEqual(['/api/me evicted']);
    expect(cookiesOf(me)).toMatchObject([{ name: '__Host-sid', value: '' }]);
  });

  it('lets onStoreError answer a store outage', async () => {
    const store = new MemoryStore();
    const limiter = newLimiter(store);
    const app = suiteApp(limiter, {
      onStoreError: (_request, error) => Response.json({ down: error.code }, { status: 500 }),
    });
    const cookie = await signIn(app);
    store.find = () => Promise.reject(new Error('connection refused'));
    store.findNow = () => {
      throw new Error('connection refused');
    };
    const answered = await app(get('/api/me', { ...json, cookie }));
    expect(answered.status).toBe(500);
    expect(await answered.json()).toEqual({ down: 'STORE_UNAVAILABLE' });
  });

  it('refuses a cross-site POST with the session even when the Request has no Host header', async () => {
    const app = suiteApp(newLimiter());
    const cookie = await signIn(app);
    const post = (origin: string) =>
      app(new Request(`${BASE}/api/logout`, { method: 'POST', headers: { cookie, origin } }));
    const refused = await post('https://evil.example');
    expect(refused.status).toBe(403);
    expect(await refused.json()).toMatchObject({ error: { code: 'CROSS_ORIGIN_REQUEST' } });
    expect(await (await post(BASE)).json()).toEqual({ closed: true });
  });

  it('reads the Cookie header of a signed-in request once', async () => {
    const limiter = newLimiter();
    const opened = await limiter.open({ userId: 'bob', user: SUITE_USERS.bob! });
    if (!opened.ok) throw new Error('could not open a session');
    const request = new Request(`${BASE}/api/me`, {
      headers: { cookie: `__Host-sid=${opened.token}` },
    });
    const read = vi.spyOn(request.headers, 'get');
    const checked = await sessionGate(limiter).check(request);
    expect(checked.sessionLimit.session?.userId).toBe('bob');
    expect(read.mock.calls.filter(([name]) => name === 'cookie')).toHaveLength(1);
  });

  it("keeps the client's address: from check's ip, else from getIp", async () => {
    const ipOf = async (response: Response) =>
      ((await response.json()) as { session: { device: { ip?: string } } }).session.device.ip;
    const perCall = suiteApp(newLimiter());
    expect(await ipOf(await perCall(login('bob'), '203.0.113.7'))).toBe('203.0.113.7');
    expect(await ipOf(await perCall(login('bob')))).toBeUndefined();
    const fromOption = suiteApp(newLimiter(), {
      getIp: (request) => request.headers.get('x-test-ip') ?? undefined,
    });
    expect(await ipOf(await fromOption(login('bob', { 'x-test-ip': '198.51.100.2' })))).toBe(
      '198.51.100.2',
    );
  });

  it('bearer mode: a JWT gives the session and its claims', async () => {
    const limiter = newLimiter();
    const jwt = createJwtSessions(limiter, {
      secret: 'a test secret of at least thirty-two bytes',
      issuer: 'test',
      audience: 'test',
    });
    const gate = sessionGate(limiter, { mode: 'bearer', jwt });
    const r = await jwt.login({ userId: 'bob', user: SUITE_USERS.bob! });
    if (!r.ok) throw new Error(r.code);
    const checked = await gate.check(get('/api/me', { authorization: `Bearer ${r.accessToken}` }));
    expect(checked.response).toBeNull();
    expect(checked.sessionLimit.session?.userId).toBe('bob');
    expect(checked.sessionLimit.claims?.sub).toBe('bob');
    expect(checked.cookies).toEqual([]);
  });

  it('ends the event stream and leaves no timer behind when the client goes away', async () => {
    const limiter = newLimiter();
    const gate = sessionGate(limiter);
    const cookie = await signIn(suiteApp(limiter));
    for (const leave of ['abort the request', 'cancel the body'] as const) {
      vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
      try {
        const client = new AbortController();
        const request = new Request(`${BASE}/api/events`, {
          headers: { accept: 'text/event-stream', cookie },
          signal: client.signal,
        });
        const response = (await gate.check(request)).events();
        expect(response.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
        const reader = (response.body as ReadableStream<Uint8Array>).getReader();
        const first = await reader.read();
        expect(new TextDecoder().decode(first.value)).toBe('retry: 3000\n\n');
        expect(vi.getTimerCount(), leave).toBe(1); // the heartbeat
        if (leave === 'abort the request') client.abort();
        else await reader.cancel();
        expect(vi.getTimerCount(), leave).toBe(0);
      } finally {
        vi.useRealTimers();
      }
    }
  });

  it('refuses a framework session mode, a bad getIp and a non-Request with clear errors', async () => {
    const limiter = newLimiter();
    for (const [options, field] of [
      [{ mode: 'express-session' }, 'mode'],
      [{ getIp: 'x' }, 'getIp'],
      [{ onRevoked: 1 }, 'onRevoked'],
    ] as const) {
      expect(() => sessionGate(limiter, options as unknown as SessionGateOptions)).toThrow(
        expect.objectContaining({ code: 'INVALID_CONFIG', field }) as SessionLimiterError,
      );
    }
    await expect(sessionGate(limiter).check(undefined as unknown as Request)).rejects.toMatchObject(
      { code: 'INVALID_ARGUMENT', field: 'request' },
    );
  });
});
