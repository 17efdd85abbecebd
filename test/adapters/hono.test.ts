import { getConnInfo } from '@hono/node-server/conninfo';
import { Hono, type Context } from 'hono';
import { setCookie } from 'hono/cookie';
import { describe, expect, expectTypeOf, it } from 'vitest';
import { SessionLimiterError } from '../../src/index.js';
import {
  sessionEvents,
  sessionLimit,
  type SessionLimitContext,
  type SessionLimitEnv,
  type SessionLimitOptions,
  type SessionLimitVariables,
} from '../../src/adapters/hono.js';
import { Browser, parseSetCookie } from '../support/browser.js';
import { adapterTestKit } from '../support/limiters.js';
import { serveFetch } from '../support/web-server.js';
import { describeAdapterConformance, SUITE_USERS } from '../conformance/adapters.js';
import { honoHarness, makeApp } from './hono-app.js';

const { newLimiter, closeLater } = adapterTestKit();

describeAdapterConformance(honoHarness);

const login = (username: string) =>
  new Request('http://localhost/api/login', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username }),
  });

const cookiesOf = (response: Response) => response.headers.getSetCookie().map(parseSetCookie);

async function signIn(app: Hono<SessionLimitEnv>, who = 'bob'): Promise<string> {
  const [cookie] = cookiesOf(await app.request(login(who)));
  return `${cookie!.name}=${cookie!.value}`;
}

describe('Hono adapter specifics', () => {
  it('types c.get and c.var through SessionLimitVariables, and through .use() inference', () => {
    const limiter = newLimiter();
    const typed = new Hono<{ Variables: SessionLimitVariables }>();
    typed.use(sessionLimit(limiter));
    typed.get('/', (c) => {
      expectTypeOf(c.get('sessionLimit')).toEqualTypeOf<SessionLimitContext>();
      expectTypeOf(c.var.sessionLimit.session?.userId).toEqualTypeOf<string | undefined>();
      // @ts-expect-error: no such variable
      c.get('sessionLimits');
      return c.text('ok');
    });
    // Without declaring the Env, .use() carries the variables to the routes after it.
    new Hono().use(sessionLimit(limiter)).get('/', (c) => {
      expectTypeOf(c.get('sessionLimit')).toEqualTypeOf<SessionLimitContext>();
      return c.text('ok');
    });
    // A route handler written on its own takes Context<SessionLimitEnv>.
    const me = (c: Context<SessionLimitEnv>) => c.json({ id: c.var.sessionLimit.session?.id });
    typed.get('/me', me);
    expect(typeof sessionLimit(limiter)).toBe('function');
  });

  it('passes a request with no cookie through: no session and no Set-Cookie', async () => {
    const app = makeApp(newLimiter());
    const me = await app.request('/api/me', { headers: { accept: 'application/json' } });
    expect(me.status).toBe(401);
    expect(await me.json()).toEqual({ error: { code: 'UNAUTHENTICATED' } });
    expect(me.headers.getSetCookie()).toEqual([]);
    const dashboard = await app.request('/dashboard', { headers: { accept: 'text/html' } });
    expect(await dashboard.text()).toBe('anonymous');
    expect(dashboard.headers.getSetCookie()).toEqual([]);
  });

  it('signs in, reads the cookie back, signs out and clears it (app.request, no server)', async () => {
    const app = makeApp(newLimiter());
    const cookie = await signIn(app);
    expect(cookie).toMatch(/^__Host-sid=.+/);
    const me = await app.request('/api/me', { headers: { cookie } });
    expect(await me.json()).toMatchObject({ session: { userId: 'bob' } });
    const out = await app.request('/api/logout', { method: 'POST', headers: { cookie } });
    expect(await out.json()).toEqual({ closed: true });
    expect(cookiesOf(out)).toMatchObject([
      { name: '__Host-sid', value: '', attributes: { 'max-age': '0' } },
    ]);
    expect((await app.request('/api/me', { headers: { cookie } })).status).toBe(401);
  });

  it("merges its Set-Cookie with the route's own, however the route answers", async () => {
    const app = makeApp(newLimiter());
    const signBobIn = (c: Context<SessionLimitEnv>) => c.var.sessionLimit.login(SUITE_USERS.bob);
    app.post('/with-helper', async (c) => {
      setCookie(c, 'theme', 'dark');
      await signBobIn(c);
      return c.json({ ok: true });
    });
    app.post('/raw', async (c) => {
      await signBobIn(c);
      return new Response('ok', { headers: { 'set-cookie': 'theme=dark; Path=/' } });
    });
    // Response.redirect's headers are immutable: the cookie must still arrive.
    app.post('/redirect', async (c) => {
      await signBobIn(c);
      return Response.redirect('http://localhost/home', 303);
    });
    for (const path of ['/with-helper', '/raw']) {
      const response = await app.request(path, { method: 'POST' });
      expect(cookiesOf(response).map((c) => c.name)).toEqual(['theme', '__Host-sid']);
    }
    const redirect = await app.request('/redirect', { method: 'POST' });
    expect(redirect.status).toBe(303);
    expect(redirect.headers.get('location')).toBe('http://localhost/home');
    expect(cookiesOf(redirect).map((c) => c.name)).toEqual(['__Host-sid']);
  });

  it('lets onRevoked answer a dead session with c, the cleared cookie added', async () => {
    const app = makeApp(newLimiter(), {
      onRevoked: (c, dead) => c.json({ gone: dead.reason, path: c.req.path }, 410),
    });
    const old = await signIn(app, 'alice');
    await signIn(app, 'alice'); // alice may have one session: the first is evicted
    const gone = await app.request('/api/me', { headers: { cookie: old } });
    expect(gone.status).toBe(410);
    expect(await gone.json()).toEqual({ gone: 'evicted', path: '/api/me' });
    expect(cookiesOf(gone)).toMatchObject([{ name: '__Host-sid', value: '' }]);
  });

  it('runs only where it is mounted', async () => {
    const app = new Hono<SessionLimitEnv>();
    app.use('/api/*', sessionLimit(newLimiter()));
    app.get('/public', (c) => c.json({ gated: Object.keys(c.var).includes('sessionLimit') }));
    app.get('/api/private', (c) => c.json({ gated: Object.keys(c.var).includes('sessionLimit') }));
    expect(await (await app.request('/public')).json()).toEqual({ gated: false });
    expect(await (await app.request('/api/private')).json()).toEqual({ gated: true });
  });

  it('sessionEvents without the middleware fails with a sentence saying so', async () => {
    const app = new Hono<SessionLimitEnv>();
    app.get('/api/events', sessionEvents());
    app.onError((error, c) => c.json({ message: error.message }, 500));
    const response = await app.request('/api/events');
    expect(response.status).toBe(500);
    expect(await response.json()).toEqual({
      message: expect.stringContaining('needs the sessionLimit middleware') as string,
    });
    expect(() => sessionEvents({ heartbeatMs: 0 })).toThrow(
      expect.objectContaining({
        code: 'INVALID_CONFIG',
        field: 'heartbeatMs',
      }) as SessionLimiterError,
    );
  });

  it('refuses bad options with INVALID_CONFIG, naming the option', () => {
    const limiter = newLimiter();
    for (const [options, field] of [
      [{ mode: 'koa-session' }, 'mode'],
      [{ onRevoked: 'nope' }, 'onRevoked'],
      [{ getIp: 1 }, 'getIp'],
    ] as const) {
      expect(() => sessionLimit(limiter, options as unknown as SessionLimitOptions)).toThrow(
        expect.objectContaining({ code: 'INVALID_CONFIG', field }) as SessionLimiterError,
      );
    }
  });

  it("keeps the client's address from getIp(c): Hono's getConnInfo over real HTTP", async () => {
    const app = makeApp(newLimiter(), { getIp: (c) => getConnInfo(c).remote.address });
    const server = await serveFetch(app.fetch);
    closeLater(server.close);
    const b = new Browser(server.url);
    await b.request('/api/login', { json: { username: 'bob' } });
    const me = await b.json<{ session: { device: { ip: string } } }>('/api/me');
    expect(me.body.session.device.ip).toBe('127.0.0.1');
  });
});
