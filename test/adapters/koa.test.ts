import { afterEach, describe, expect, expectTypeOf, it, vi } from 'vitest';
import {
  createSessionLimiter,
  MemoryStore,
  SessionLimiterError,
  type SessionLimiter,
  type SessionStore,
} from '../../src/index.js';
import { sessionEvents, sessionLimit, SessionLimitContext } from '../../src/adapters/koa.js';
import { HEARTBEAT_MS } from '../../src/http/events.js';
import { Browser } from '../support/browser.js';
import { openEvents } from '../support/events.js';
import {
  describeAdapterConformance,
  FIREFOX_WIN,
  suitePolicy,
  type SuiteUser,
} from '../conformance/adapters.js';
import {
  type KoaApp,
  KOA_VERSIONS,
  koaHarness,
  listenKoa,
  makeApp,
  withKoaSession,
} from './koa-app.js';

type User = SuiteUser;

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0)) await close();
});

async function serve(app: KoaApp): Promise<string> {
  const server = await listenKoa(app);
  closers.push(server.close);
  return server.url;
}

function newLimiter(store: SessionStore = new MemoryStore()): SessionLimiter<User> {
  const limiter = createSessionLimiter<User>({ store, policy: suitePolicy, pruneInterval: false });
  closers.push(() => limiter.dispose());
  return limiter;
}

for (const [name, Koa] of KOA_VERSIONS) {
  describeAdapterConformance(koaHarness(name, Koa));

  describe(`${name} adapter, Koa specifics`, () => {
    it('types ctx.state.sessionLimit, whether the app is typed up front or by app.use', async () => {
      const limiter = newLimiter();
      // `new Koa().use(sessionLimit(...))` returns an app whose state has the context.
      const app = new Koa().use(sessionLimit(limiter)).use((ctx) => {
        expectTypeOf(ctx.state.sessionLimit).toEqualTypeOf<SessionLimitContext>();
        const context = ctx.state.sessionLimit;
        ctx.body = { isContext: context instanceof SessionLimitContext, session: context.session };
      });
      const url = await serve(app);
      expect(await new Browser(url).json('/anything')).toEqual({
        status: 200,
        body: { isContext: true, session: null },
      });
    });

    it('hands dead sessions and store outages to onRevoked and onStoreError with ctx', async () => {
      const store = new MemoryStore();
      const limiter = newLimiter(store);
      const url = await serve(
        makeApp(Koa, limiter, {
          onRevoked: async (ctx, dead) => {
            await Promise.resolve();
            ctx.status = 419;
            ctx.body = { why: dead.reason, path: ctx.path };
          },
          onStoreError: (ctx, error) => {
            ctx.status = 599;
            ctx.body = { code: error.code, context: ctx.state.sessionLimit.session };
          },
        }),
      );
      const a = new Browser(url);
      await a.request('/api/login', { json: { username: 'alice' } });
      await new Browser(url).request('/api/login', { json: { username: 'alice' } });
      expect(await a.json('/api/me')).toEqual({
        status: 419,
        body: { why: 'evicted', path: '/api/me' },
      });
      const b = new Browser(url);
      await b.request('/api/login', { json: { username: 'bob' } });
      store.find = () => Promise.reject(new Error('down'));
      store.findNow = () => {
        throw new Error('down');
      };
      expect(await b.json('/api/me')).toEqual({
        status: 599,
        body: { code: 'STORE_UNAVAILABLE', context: null },
      });
    });

    it('leaves no watch, no heartbeat timer and no app error behind when an event-stream client goes away', async () => {
      const limiter = newLimiter();
      let watching = 0;
      const watch = limiter.watch.bind(limiter);
      limiter.watch = (id, listener) => {
        watching += 1;
        const stop = watch(id, listener);
        return () => {
          watching -= 1;
          stop();
        };
      };
      const setTimer = vi.spyOn(globalThis, 'setInterval');
      const clearTimer = vi.spyOn(globalThis, 'clearInterval');
      try {
        const app = makeApp(Koa, limiter);
        const errors: unknown[] = [];
        app.on('error', (error: unknown) => errors.push(error));
        const a = new Browser(await serve(app));
        await a.request('/api/login', { json: { username: 'alice' } });
        const stream = await openEvents(a);
        expect(stream.status).toBe(200);
        expect(watching).toBe(1);
        const heartbeats = setTimer.mock.calls.flatMap(([, ms], i) =>
          ms === HEARTBEAT_MS ? [setTimer.mock.results[i]?.value as unknown] : [],
        );
        expect(heartbeats).toHaveLength(1);
        stream.close();
        await vi.waitFor(() => expect(watching).toBe(0), { timeout: 2000 });
        expect(clearTimer.mock.calls.map(([timer]) => timer as unknown)).toContain(heartbeats[0]);
        // A closed tab is how a stream ends: nothing reaches the app's error handler.
        await new Promise((resolve) => setTimeout(resolve, 50));
        expect(errors).toEqual([]);
      } finally {
        setTimer.mockRestore();
        clearTimer.mockRestore();
      }
    });

    it('refuses sessionEvents without sessionLimit mounted, and bad stream options at once', async () => {
      const app = new Koa();
      app.use(async (ctx, next) => {
        try {
          await next();
        } catch (error) {
          ctx.status = 500;
          ctx.body = {
            code: (error as SessionLimiterError).code,
            field: (error as { field?: string }).field,
          };
        }
      });
      app.use(sessionEvents());
      const url = await serve(app);
      expect(await new Browser(url).json('/api/events')).toEqual({
        status: 500,
        body: { code: 'INVALID_CONFIG', field: 'sessionEvents' },
      });
      expect(() => sessionEvents({ heartbeatMs: 0 })).toThrow(
        expect.objectContaining({ code: 'INVALID_CONFIG', field: 'heartbeatMs' }) as Error,
      );
    });
  });

  describe(`${name} adapter, koa-session mode`, () => {
    /** koa-session with an external store, so the session id (the cookie's value) can be followed. */
    function sessionApp(limiter: SessionLimiter<User>, data?: Map<string, unknown>) {
      return makeApp(Koa, limiter, { mode: 'koa-session' }, (app) => withKoaSession(app, data));
    }

    it('keeps its token in ctx.session, regenerates the session id on login, drops the session when dead', async () => {
      const data = new Map<string, unknown>();
      const url = await serve(sessionApp(newLimiter(), data));
      const a = new Browser(url);
      await a.request('/api/login', { json: { username: 'alice' } });
      const sid = a.cookies.get('koa.sess');
      expect(sid).toBeDefined();
      expect(a.cookies.has('__Host-sid')).toBe(false);
      expect(data.get(sid!)).toMatchObject({ sessionLimitToken: expect.any(String) as string });
      expect((await a.json('/api/me')).status).toBe(200);

      await a.request('/api/login', { json: { username: 'alice' } });
      const second = a.cookies.get('koa.sess');
      expect(second).not.toBe(sid); // regenerated on login
      expect(data.has(sid!)).toBe(false);
      expect([...data.keys()]).toEqual([second]);

      const b = new Browser(url, FIREFOX_WIN);
      await b.request('/api/login', { json: { username: 'alice' } });
      expect(await a.json('/api/me')).toMatchObject({
        status: 401,
        body: { error: { reason: 'evicted' } },
      });
      expect(data.has(second!)).toBe(false); // destroyed with the dead session
      expect(a.lastSetCookies.find((c) => c.name === 'koa.sess')?.value).toBe('');
      expect((await a.json('/api/me')).body).toEqual({ error: { code: 'UNAUTHENTICATED' } });
    });

    it('works with the session in koa-session cookie, and logout ends both', async () => {
      const url = await serve(sessionApp(newLimiter()));
      const a = new Browser(url);
      await a.request('/api/login', { json: { username: 'bob' } });
      expect(a.cookies.get('koa.sess')).toBeTruthy();
      const me = await a.json<{ session: { userId: string } }>('/api/me');
      expect(me.body.session.userId).toBe('bob');
      expect((await a.json('/api/logout', { method: 'POST' })).body).toEqual({ closed: true });
      expect((await a.json('/api/me')).status).toBe(401);
    });

    it('streams the live notice, and koa-session still saves its session around the stream', async () => {
      const data = new Map<string, unknown>();
      const app = sessionApp(newLimiter(), data);
      const errors: unknown[] = [];
      app.on('error', (error: unknown) => errors.push(error));
      const url = await serve(app);
      const a = new Browser(url);
      await a.request('/api/login', { json: { username: 'alice' } });
      const live = await openEvents(a);
      try {
        await new Browser(url, FIREFOX_WIN).request('/api/login', { json: { username: 'alice' } });
        expect(JSON.parse((await live.next('revoked', 2000)).data)).toMatchObject({
          reason: 'evicted',
        });
        await live.ended(2000);
      } finally {
        live.close();
      }
      // Already dead: the event at once, and the token is dropped from the session on the way.
      const sid = a.cookies.get('koa.sess')!;
      const dead = await openEvents(a);
      try {
        expect(dead.status).toBe(200);
        expect(JSON.parse((await dead.next('revoked', 2000)).data)).toMatchObject({
          reason: 'evicted',
        });
        await dead.ended(2000);
      } finally {
        dead.close();
      }
      expect(data.has(sid)).toBe(true);
      expect(data.get(sid)).not.toHaveProperty('sessionLimitToken');
      expect(errors).toEqual([]);
    });

    it('refuses to run without koa-session mounted', async () => {
      const url = await serve(makeApp(Koa, newLimiter(), { mode: 'koa-session' }));
      const response = await new Browser(url).json<{ error: { message: string } }>('/api/me');
      expect(response.status).toBe(500);
      expect(response.body.error.message).toContain('koa-session');
    });
  });
}
