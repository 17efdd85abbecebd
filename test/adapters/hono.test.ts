import { getConnInfo } from '@hono/node-server/conninfo';
import { Hono, type Context } from 'hono';
import { setCookie } from 'hono/cookie';
import { afterEach, describe, expect, expectTypeOf, it } from 'vitest';
import {
  createSessionLimiter,
  MemoryStore,
  SessionLimiterError,
  type SessionLimiter,
} from '../../src/index.js';
import {
  sessionLimit,
  type SessionLimitContext,
  type SessionLimitEnv,
  type SessionLimitOptions,
  type SessionLimitVariables,
} from '../../src/adapters/hono.js';
import { Browser, parseSetCookie } from '../support/browser.js';
import { serveFetch } from '../support/web-server.js';

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

function newLimiter(): SessionLimiter<User> {
  const limiter = createSessionLimiter<User>({
    store: new MemoryStore(),
    policy,
    pruneInterval: false,
  });
  closers.push(() => limiter.dispose());
  return limiter;
}

/** A small app: sign in by path, who am I, sign out, and a few ways of answering. */
function makeApp(limiter: SessionLimiter<User>, options: SessionLimitOptions<User> = {}) {
  const app = new Hono<{ Variables: SessionLimitVariables }>();
  app.use(sessionLimit(limiter, options));
  app.post('/login/:who', async (c) => {
    const r = await c.get('sessionLimit').login(USERS[c.req.param('who')]);
    return c.json(r.ok ? { session: r.session } : { error: { code: r.code } }, r.ok ? 200 : 409);
  });
  app.get('/me', (c) => c.json({ session: c.get('sessionLimit').session }));
  app.post('/logout', async (c) => c.json({ closed: await c.var.sessionLimit.logout() }));
  return app;
}

const cookiesOf = (response: Response) => response.headers.getSetCookie().map(parseSetCookie);

async function signIn(app: Hono<SessionLimitEnv>, who = 'bob'): Promise<string> {
  const [cookie] = cookiesOf(await app.request(`/login/${who}`, { method: 'POST' }));
  return `${cookie!.name}=${cookie!.value}`;
}

describe('Hono adapter', () => {
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

  it('passes a request with no cookie through: a null session and no Set-Cookie', async () => {
    const app = makeApp(newLimiter());
    const me = await app.request('/me', { headers: { accept: 'application/json' } });
    expect(me.status).toBe(200);
    expect(await me.json()).toEqual({ session: null });
    expect(me.headers.getSetCookie()).toEqual([]);
  });

  it('signs in with the __Host- cookie, reads it back, signs out and clears it', async () => {
    const app = makeApp(newLimiter());
    const login = await app.request('/login/bob', { method: 'POST' });
    const [cookie] = cookiesOf(login);
    expect(cookie?.name).toBe('__Host-sid');
    expect(cookie?.attributes).toEqual({
      path: '/',
      httponly: true,
      samesite: 'Lax',
      secure: true,
    });
    const header = `${cookie!.name}=${cookie!.value}`;
    const me = await app.request('/me', { headers: { cookie: header } });
    expect(await me.json()).toMatchObject({ session: { userId: 'bob' } });
    const out = await app.request('/logout', { method: 'POST', headers: { cookie: header } });
    expect(await out.json()).toEqual({ closed: true });
    expect(cookiesOf(out)).toMatchObject([
      { name: '__Host-sid', value: '', attributes: { 'max-age': '0' } },
    ]);
  });

  it("merges its Set-Cookie with the route's own, however the route answers", async () => {
    const app = makeApp(newLimiter());
    const login = (c: Context<SessionLimitEnv>) => c.var.sessionLimit.login(USERS.bob);
    app.post('/with-helper', async (c) => {
      setCookie(c, 'theme', 'dark');
      await login(c);
      return c.json({ ok: true });
    });
    app.post('/raw', async (c) => {
      await login(c);
      return new Response('ok', { headers: { 'set-cookie': 'theme=dark; Path=/' } });
    });
    // Response.redirect's headers are immutable: the cookie must still arrive.
    app.post('/redirect', async (c) => {
      await login(c);
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

  it('answers a dead session before any route, and onRevoked may answer with c', async () => {
    const plain = makeApp(newLimiter());
    const evicted = await signIn(plain, 'alice');
    await signIn(plain, 'alice');
    const me = await plain.request('/me', {
      headers: { cookie: evicted, accept: 'application/json' },
    });
    expect(me.status).toBe(401);
    expect(await me.json()).toMatchObject({
      error: { code: 'SESSION_REVOKED', reason: 'evicted' },
    });

    const custom = makeApp(newLimiter(), {
      onRevoked: (c, dead) => c.json({ gone: dead.reason, path: c.req.path }, 410),
    });
    const old = await signIn(custom, 'alice');
    await signIn(custom, 'alice');
    const gone = await custom.request('/me', { headers: { cookie: old } });
    expect(gone.status).toBe(410);
    expect(await gone.json()).toEqual({ gone: 'evicted', path: '/me' });
    expect(cookiesOf(gone)).toMatchObject([{ name: '__Host-sid', value: '' }]);
  });

  it('runs only where it is mounted, and reads the address with getIp(c)', async () => {
    const app = new Hono<SessionLimitEnv>();
    app.use(
      '/api/*',
      sessionLimit(newLimiter(), { getIp: (c) => c.req.header('x-test-ip') ?? undefined }),
    );
    app.get('/public', (c) => c.json({ gated: Object.keys(c.var).includes('sessionLimit') }));
    app.post('/api/login', async (c) => {
      const r = await c.get('sessionLimit').login(USERS.bob);
      return c.json({ ip: r.ok ? r.session.device.ip : null });
    });
    expect(await (await app.request('/public')).json()).toEqual({ gated: false });
    const login = await app.request('/api/login', {
      method: 'POST',
      headers: { 'x-test-ip': '203.0.113.9' },
    });
    expect(await login.json()).toEqual({ ip: '203.0.113.9' });
  });

  it('refuses bad options with INVALID_CONFIG, naming the option', () => {
    const limiter = newLimiter();
    for (const [options, field] of [
      [{ mode: 'koa-session' }, 'mode'],
      [{ onRevoked: 'nope' }, 'onRevoked'],
      [{ secure: true }, 'secure'],
    ] as const) {
      expect(() => sessionLimit(limiter, options as unknown as SessionLimitOptions)).toThrow(
        expect.objectContaining({ code: 'INVALID_CONFIG', field }) as SessionLimiterError,
      );
    }
  });

  it('works over real HTTP on @hono/node-server, with the socket address', async () => {
    const app = new Hono<SessionLimitEnv>();
    app.use(sessionLimit(newLimiter(), { getIp: (c) => getConnInfo(c).remote.address }));
    app.post('/login', async (c) => {
      const r = await c.var.sessionLimit.login(USERS.alice);
      return c.json({ ok: r.ok });
    });
    app.get('/me', (c) => c.json({ session: c.var.sessionLimit.session }));
    const server = await serveFetch(app.fetch);
    closers.push(server.close);
    const a = new Browser(server.url);
    expect((await a.json('/login', { method: 'POST' })).body).toEqual({ ok: true });
    const me = await a.json<{ session: { device: { ip: string } } }>('/me');
    expect(me.body.session.device.ip).toBe('127.0.0.1');
    await new Browser(server.url).request('/login', { method: 'POST' });
    expect(await a.json('/me')).toMatchObject({
      status: 401,
      body: { error: { reason: 'evicted' } },
    });
  });
});
