import fastifyCookie from '@fastify/cookie';
import Fastify, {
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
  type Session,
} from 'fastify';
import { afterEach, describe, expect, expectTypeOf, it } from 'vitest';
import {
  createSessionLimiter,
  MemoryStore,
  type SessionLimiter,
  type SessionStore,
} from '../../src/index.js';
import {
  sessionEvents,
  sessionLimit,
  type DeadSession,
  type SessionLimitContext,
  type SessionLimitOptions,
} from '../../src/adapters/fastify.js';
import { Browser } from '../support/browser.js';
import { openEvents } from '../support/events.js';
import {
  describeAdapterConformance,
  FIREFOX_WIN,
  SUITE_USERS,
  suitePolicy,
  type SuiteUser,
} from '../conformance/adapters.js';
import {
  createApp,
  fastifyHarness,
  suiteAnswers,
  suiteRoutes,
  withFastifySession,
} from './fastify-app.js';

type User = SuiteUser;
const USERS = SUITE_USERS;
const COOKIE = '__Host-sid';

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
});

function newLimiter(store: SessionStore = new MemoryStore()): SessionLimiter<User> {
  const limiter = createSessionLimiter<User>({ store, policy: suitePolicy, pruneInterval: false });
  closers.push(() => limiter.dispose());
  return limiter;
}

/** {@link createApp}, listening on 127.0.0.1 (random port) until the test ends. */
async function serve(...args: Parameters<typeof createApp>): Promise<string> {
  const app = await createApp(...args);
  closers.push(() => app.close());
  return app.listen({ port: 0, host: '127.0.0.1' });
}

describeAdapterConformance(fastifyHarness);

async function signedOutBrowser(url: string): Promise<Browser> {
  const a = new Browser(url);
  await a.request('/api/login', { json: { username: 'alice' } });
  await new Browser(url, FIREFOX_WIN).request('/api/login', { json: { username: 'alice' } });
  return a;
}

describe('Fastify plugin', () => {
  it('types request.sessionLimit through declaration merging, and its options', async () => {
    expectTypeOf<FastifyRequest['sessionLimit']>().toEqualTypeOf<SessionLimitContext>();
    expectTypeOf<NonNullable<SessionLimitOptions<User>['onRevoked']>>()
      .parameter(2)
      .toEqualTypeOf<DeadSession>();
    expectTypeOf<'jwt'>().not.toExtend<SessionLimitOptions['mode']>();
    // The app's user type reaches getUserId when its parameter is annotated.
    const app = Fastify();
    closers.push(() => app.close());
    await app.register(sessionLimit, {
      limiter: newLimiter(),
      getUserId: (user: User) => `user-${user.id}`,
    });
    suiteRoutes(app);
    const login = await app.inject({
      method: 'POST',
      url: '/api/login',
      body: { username: 'bob' },
    });
    expect(login.json()).toMatchObject({ session: { userId: 'user-bob' } });
  });

  it('runs in the context it is registered in: sibling contexts are untouched', async () => {
    const limiter = newLimiter();
    const app = Fastify();
    closers.push(() => app.close());
    suiteAnswers(app);
    await app.register(async (guarded) => {
      await guarded.register(sessionLimit, { limiter });
      suiteRoutes(guarded);
      // A plugin registered inside the guarded context sees the decoration and the hook.
      await guarded.register((child, _options, done) => {
        child.get('/child', (request) => ({ user: request.sessionLimit.session?.userId }));
        done();
      });
    });
    await app.register((open, _options, done) => {
      open.get('/open', (request) => ({ decorated: 'sessionLimit' in request }));
      done();
    });
    const url = await app.listen({ port: 0, host: '127.0.0.1' });

    const b = new Browser(url);
    await b.request('/api/login', { json: { username: 'bob' } });
    expect((await b.json('/child')).body).toEqual({ user: 'bob' });
    const a = await signedOutBrowser(url);
    const token = a.cookies.get(COOKIE)!;
    // The dead cookie is answered in the guarded context only.
    expect((await a.json('/open')).body).toEqual({ decorated: false });
    expect(a.cookies.get(COOKIE)).toBe(token);
    expect((await a.json('/child')).status).toBe(401);
  });

  it('answers through the app-wide hook when registered at the root, before other plugins', async () => {
    const url = await serve(newLimiter());
    const a = await signedOutBrowser(url);
    expect((await a.json('/api/me')).status).toBe(401);
  });

  it('also works through app.inject, without a server', async () => {
    const app = Fastify();
    closers.push(() => app.close());
    await app.register(sessionLimit, { limiter: newLimiter() });
    suiteRoutes(app);
    const login = await app.inject({
      method: 'POST',
      url: '/api/login',
      payload: { username: 'bob' },
    });
    const cookie = login.cookies.find((c) => c.name === COOKIE);
    expect(cookie).toMatchObject({ httpOnly: true, secure: true, sameSite: 'Lax', path: '/' });
    const me = await app.inject({ url: '/api/me', cookies: { [COOKIE]: cookie!.value } });
    expect(me.json()).toMatchObject({ session: { userId: 'bob' } });
  });

  it('lets a signed-out browser sign in again on a login URL with a query string', async () => {
    const url = await serve(newLimiter());
    const a = await signedOutBrowser(url);
    const relogin = await a.json('/api/login?next=%2Fdashboard', { json: { username: 'alice' } });
    expect(relogin).toMatchObject({ status: 200, body: { ended: 'evicted' } });
  });

  it('passes its own passThroughDead the Fastify request', async () => {
    const seen: string[] = [];
    const url = await serve(newLimiter(), {
      passThroughDead: (request) => {
        seen.push(request.routeOptions.url ?? '');
        return request.url === '/api/me';
      },
    });
    const a = await signedOutBrowser(url);
    expect((await a.json('/api/me')).body).toEqual({ error: { code: 'UNAUTHENTICATED' } });
    expect(seen).toEqual(['/api/me']);
  });

  it("hands a dead session to onRevoked, sync or async, and the hook's failure to the error handler", async () => {
    const answers: ((reply: FastifyReply, dead: DeadSession) => unknown)[] = [
      (reply, dead) => reply.code(419).send({ why: dead.reason }),
      async (reply, dead) => {
        await new Promise((resolve) => setTimeout(resolve, 5));
        return reply.code(419).send({ why: dead.reason });
      },
    ];
    for (const answer of answers) {
      const url = await serve(newLimiter(), {
        onRevoked: (_request, reply, dead) => answer(reply, dead),
      });
      const a = await signedOutBrowser(url);
      expect(await a.json('/api/me')).toEqual({ status: 419, body: { why: 'evicted' } });
    }
    const failures = [
      () => Promise.reject(new Error('hook failed')),
      () => {
        throw new Error('hook failed');
      },
    ];
    for (const onRevoked of failures) {
      const url = await serve(newLimiter(), { onRevoked });
      const a = await signedOutBrowser(url);
      expect(await a.json('/api/me')).toMatchObject({
        status: 500,
        body: { error: { message: 'Error: hook failed' } },
      });
    }
  });

  it('hands a store outage to onStoreError', async () => {
    const store = new MemoryStore();
    const url = await serve(newLimiter(store), {
      onStoreError: (_request, reply, error) => reply.code(503).send({ down: error.code }),
    });
    const b = new Browser(url);
    await b.request('/api/login', { json: { username: 'bob' } });
    store.find = () => Promise.reject(new Error('connection refused'));
    store.findNow = () => {
      throw new Error('connection refused');
    };
    expect(await b.json('/api/me')).toEqual({ status: 503, body: { down: 'STORE_UNAVAILABLE' } });
  });

  it("keeps other plugins' Set-Cookie headers beside its own", async () => {
    const url = await serve(
      newLimiter(),
      {},
      {
        before: async (app) => {
          await app.register(fastifyCookie);
        },
        after: (app) => {
          app.post('/api/login-with-theme', async (request, reply) => {
            void reply.setCookie('theme', 'dark', { path: '/' });
            await request.sessionLimit.login(USERS.bob!);
            return { ok: true };
          });
        },
      },
    );
    const b = new Browser(url);
    await b.request('/api/login-with-theme', { method: 'POST' });
    expect(b.lastSetCookies.map((c) => c.name).sort()).toEqual([COOKIE, 'theme']);
  });

  it('ends open event streams when the app closes, so app.close() does not wait for them', async () => {
    const app = await createApp(newLimiter());
    const url = await app.listen({ port: 0, host: '127.0.0.1' });
    const b = new Browser(url);
    await b.request('/api/login', { json: { username: 'bob' } });
    const stream = await openEvents(b);
    try {
      expect(stream.status).toBe(200);
      await app.close();
      await stream.ended(2000);
    } finally {
      stream.close();
    }
  });

  it('answers sessionEvents without the plugin with a 500 that says why', async () => {
    const app = Fastify();
    closers.push(() => app.close());
    suiteAnswers(app);
    app.get('/api/events', sessionEvents());
    const events = await app.inject({ url: '/api/events' });
    expect(events.statusCode).toBe(500);
    expect(events.body).toContain('needs the sessionLimit plugin');
    expect(() => sessionEvents({ heartbeatMs: 0 })).toThrow(
      expect.objectContaining({ code: 'INVALID_CONFIG', field: 'heartbeatMs' }),
    );
  });

  it('takes Fastify register options beside its own and refuses unknown ones', async () => {
    const limiter = newLimiter();
    const app = Fastify();
    closers.push(() => app.close());
    await app.register(sessionLimit, { limiter, prefix: '/ignored' });
    await expect(
      (async () => {
        const other = Fastify();
        closers.push(() => other.close());
        await other.register(sessionLimit, { limiter, secret: 'x' } as SessionLimitOptions<User>);
      })(),
    ).rejects.toMatchObject({ code: 'INVALID_CONFIG', field: 'secret' });
  });
});

declare module 'fastify' {
  interface Session {
    /** Where the plugin keeps its token in fastify-session mode (the default sessionKey). */
    sessionLimitToken?: string;
  }
}

describe('Fastify plugin, fastify-session mode', () => {
  // The sessions @fastify/session holds, by id.
  let saved = new Map<string, Session>();

  async function withSession(app: FastifyInstance, path = '/'): Promise<void> {
    saved = new Map();
    await withFastifySession(app, { path, saved });
  }
  const tokensSaved = () => [...saved.values()].filter((s) => s.sessionLimitToken).length;

  it('keeps its token in request.session, regenerates the session id on login, destroys it when dead', async () => {
    const limiter = newLimiter();
    const url = await serve(limiter, { mode: 'fastify-session' }, { before: withSession });
    const a = new Browser(url);
    expect((await a.json('/api/me')).status).toBe(401);
    await a.request('/api/login', { json: { username: 'alice' } });
    const sid = a.cookies.get('sessionId');
    expect(sid).toBeDefined();
    expect(a.cookies.has(COOKIE)).toBe(false);
    expect((await a.json('/api/me')).status).toBe(200);

    await a.request('/api/login', { json: { username: 'alice' } });
    expect(a.cookies.get('sessionId')).not.toBe(sid); // regenerated on login
    // The old session id no longer carries a session.
    const planted = new Browser(url);
    planted.cookies.set('sessionId', sid!);
    expect((await planted.json('/api/me')).status).toBe(401);

    expect(saved.size).toBe(1);

    const b = new Browser(url, FIREFOX_WIN);
    await b.request('/api/login', { json: { username: 'alice' } });
    expect(tokensSaved()).toBe(2);
    expect(await a.json('/api/me')).toMatchObject({
      status: 401,
      body: { error: { code: 'SESSION_REVOKED', reason: 'evicted' } },
    });
    expect(tokensSaved()).toBe(1); // the dead one was destroyed, not just emptied
    expect(saved.size).toBe(1);
    expect((await a.json('/api/me')).body).toEqual({ error: { code: 'UNAUTHENTICATED' } });
    expect((await b.json('/api/me')).status).toBe(200);
  });

  it('signs out through logout and lets a signed-out browser sign in again', async () => {
    const url = await serve(newLimiter(), { mode: 'fastify-session' }, { before: withSession });
    const a = await signedOutBrowser(url);
    const relogin = await a.json('/api/login', { json: { username: 'alice' } });
    expect(relogin).toMatchObject({ status: 200, body: { ended: 'evicted' } });
    expect((await a.json('/api/logout', { method: 'POST' })).body).toEqual({ closed: true });
    expect((await a.json('/api/me')).status).toBe(401);
  });

  it("takes a route outside the session cookie's path as having no session", async () => {
    const url = await serve(
      newLimiter(),
      { mode: 'fastify-session' },
      { before: (app) => withSession(app, '/api') },
    );
    const b = new Browser(url);
    await b.request('/api/login', { json: { username: 'bob' } });
    expect((await b.json('/api/me')).status).toBe(200);
    const page = await b.request('/dashboard', { headers: { accept: 'text/html' } });
    expect(await page.text()).toBe('anonymous');
  });

  it('refuses to start without @fastify/session registered before it', async () => {
    await expect(serve(newLimiter(), { mode: 'fastify-session' })).rejects.toMatchObject({
      code: 'INVALID_CONFIG',
      field: 'mode',
      message: expect.stringContaining('@fastify/session') as unknown,
    });
  });
});
