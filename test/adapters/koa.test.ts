import { bodyParser } from '@koa/bodyparser';
import Router from '@koa/router';
import Koa3, { type DefaultState } from 'koa';
import session from 'koa-session';
import Koa2 from 'koa2';
import { afterEach, describe, expect, expectTypeOf, it, vi } from 'vitest';
import {
  createSessionLimiter,
  MemoryStore,
  SessionLimiterError,
  type SessionLimiter,
  type SessionStore,
} from '../../src/index.js';
import {
  sessionEvents,
  sessionLimit,
  SessionLimitContext,
  type SessionLimitOptions,
  type SessionLimitState,
} from '../../src/adapters/koa.js';
import { HEARTBEAT_MS } from '../../src/http/events.js';
import { Browser, listen } from '../support/browser.js';
import { openEvents } from '../support/events.js';
import {
  describeAdapterConformance,
  FIREFOX_WIN,
  SUITE_USERS,
  suitePolicy,
  type SuiteUser,
} from '../conformance/adapters.js';

type User = SuiteUser;
type State = DefaultState & SessionLimitState;
type KoaApp = Koa3<State>;
type KoaFactory = typeof Koa3;

/** The suite's app: error answers, a JSON body parser, `before` (koa-session), the adapter, routes. */
function makeApp(
  Koa: KoaFactory,
  limiter: SessionLimiter<User>,
  options: SessionLimitOptions<User> = {},
  before?: (app: KoaApp) => void,
): KoaApp {
  const app = new Koa<State>();
  app.keys = ['a test key that signs koa-session cookies'];
  app.use(async (ctx, next) => {
    try {
      await next();
    } catch (error) {
      const notFound = error instanceof SessionLimiterError && error.code === 'SESSION_NOT_FOUND';
      ctx.status = notFound ? 404 : 500;
      ctx.body = notFound
        ? { error: { code: error.code } }
        : { error: { code: 'INTERNAL', message: String(error) } };
    }
  });
  app.use(bodyParser());
  before?.(app);
  app.use(sessionLimit(limiter, options));

  const router = new Router<State>();
  router.post('/api/login', async (ctx) => {
    const body = ctx.request.body as { username?: string; replace?: string };
    const user = SUITE_USERS[body.username ?? ''];
    if (!user) {
      ctx.status = 401;
      ctx.body = { error: { code: 'INVALID_CREDENTIALS' } };
      return;
    }
    const context = ctx.state.sessionLimit;
    const ended = context.ended?.reason ?? null;
    const r = await context.login(user, { replace: body.replace });
    ctx.status = r.ok ? 200 : 409;
    ctx.body = r.ok ? { session: r.session, ended } : { error: { code: r.code }, active: r.active };
  });
  router.get('/api/me', (ctx) => {
    const { session } = ctx.state.sessionLimit;
    ctx.status = session ? 200 : 401;
    ctx.body = session ? { session } : { error: { code: 'UNAUTHENTICATED' } };
  });
  router.get('/api/sessions', async (ctx) => {
    const context = ctx.state.sessionLimit;
    ctx.body = { sessions: await context.list(), current: context.session?.id };
  });
  router.delete('/api/sessions/:id', async (ctx) => {
    ctx.body = { revoked: await ctx.state.sessionLimit.revoke(ctx.params.id ?? '') };
  });
  router.post('/api/sessions/revoke-others', async (ctx) => {
    ctx.body = { revoked: await ctx.state.sessionLimit.revokeOthers() };
  });
  router.post('/api/logout', async (ctx) => {
    ctx.body = { closed: await ctx.state.sessionLimit.logout() };
  });
  router.get('/login', (ctx) => {
    ctx.type = 'html';
    ctx.body = `<p role="alert">${ctx.state.sessionLimit.notice ?? ''}</p>`;
  });
  router.get('/api/events', sessionEvents());
  router.get('/dashboard', (ctx) => {
    ctx.type = 'html';
    ctx.body = ctx.state.sessionLimit.session ? 'dashboard' : 'anonymous';
  });
  app.use(router.routes());
  return app;
}

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0)) await close();
});

/** Koa's request handler on a free port of 127.0.0.1. */
function listenKoa(app: Koa3<State>): ReturnType<typeof listen> {
  const handle = app.callback();
  return listen((req, res) => void handle(req, res));
}

async function serve(app: Koa3<State>): Promise<string> {
  const server = await listenKoa(app);
  closers.push(server.close);
  return server.url;
}

function newLimiter(store: SessionStore = new MemoryStore()): SessionLimiter<User> {
  const limiter = createSessionLimiter<User>({ store, policy: suitePolicy, pruneInterval: false });
  closers.push(() => limiter.dispose());
  return limiter;
}

for (const [name, Koa] of [
  ['Koa 3', Koa3],
  ['Koa 2', Koa2],
] as const) {
  describeAdapterConformance({
    name,
    serve: async (limiter, options) => {
      // sessionLimit checks its options when it is called, as the app starts.
      const app = makeApp(Koa, limiter, options);
      return listenKoa(app);
    },
  });

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
      return makeApp(Koa, limiter, { mode: 'koa-session' }, (app) => {
        app.use(
          session(
            {
              key: 'koa.sess',
              ...(data && {
                store: {
                  get: (key: string) => Promise.resolve(data.get(key)),
                  set: (key: string, value: unknown) => {
                    data.set(key, value);
                    return Promise.resolve();
                  },
                  destroy: (key: string) => {
                    data.delete(key);
                    return Promise.resolve();
                  },
                },
              }),
            },
            app,
          ),
        );
      });
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
