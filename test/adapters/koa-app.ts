// The adapter suite's routes as a Koa app (2 or 3), and its harness.
import { bodyParser } from '@koa/bodyparser';
import Router from '@koa/router';
import Koa3, { type DefaultState } from 'koa';
import session from 'koa-session';
import Koa2 from 'koa2';
import type { SessionLimiter } from '../../src/index.js';
import {
  sessionEvents,
  sessionLimit,
  type SessionLimitOptions,
  type SessionLimitState,
} from '../../src/adapters/koa.js';
import { listen } from '../support/browser.js';
import type { AdapterHarness, SuiteUser } from '../conformance/adapters.js';
import { NOT_FOUND, suiteErrorAnswer, suiteUser } from '../conformance/suite-app.js';

type State = DefaultState & SessionLimitState;
export type KoaApp = Koa3<State>;
export type KoaFactory = typeof Koa3;

/** Koa 3 and 2, by name. */
export const KOA_VERSIONS = [
  ['Koa 3', Koa3],
  ['Koa 2', Koa2],
] as const;

/** The suite's app: error answers, a JSON body parser, `before` (koa-session), the adapter, routes. */
export function makeApp(
  Koa: KoaFactory,
  limiter: SessionLimiter<SuiteUser>,
  options: SessionLimitOptions<SuiteUser> = {},
  before?: (app: KoaApp) => void,
): KoaApp {
  const app = new Koa<State>();
  app.keys = ['a test key that signs koa-session cookies'];
  app.use(async (ctx, next) => {
    try {
      await next();
    } catch (error) {
      const { status, body } = suiteErrorAnswer(error);
      ctx.status = status;
      ctx.body = body;
    }
  });
  // What the parser throws for a body it cannot read (bad JSON, bad gzip) is the client's error.
  app.use(bodyParser({ onError: (error, ctx) => ctx.throw(400, error) }));
  before?.(app);
  app.use(sessionLimit(limiter, options));

  const router = new Router<State>();
  router.post('/api/login', async (ctx) => {
    const body = ctx.request.body as { username?: unknown; replace?: string } | undefined;
    const user = suiteUser(body?.username);
    if (!user) {
      ctx.status = 401;
      ctx.body = { error: { code: 'INVALID_CREDENTIALS' } };
      return;
    }
    const context = ctx.state.sessionLimit;
    const ended = context.ended?.reason ?? null;
    const r = await context.login(user, { replace: body?.replace });
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
  app.use((ctx) => {
    ctx.status = NOT_FOUND.status;
    ctx.body = NOT_FOUND.body;
  });
  return app;
}

/**
 * Mounts koa-session ahead of the adapter, for `mode: 'koa-session'`: the session in its cookie,
 * or in `data` (an external store, so the session id, the cookie's value, can be followed).
 */
export function withKoaSession(app: KoaApp, data?: Map<string, unknown>): void {
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
}

/** Koa's request handler on a free port of 127.0.0.1. */
export function listenKoa(app: KoaApp): ReturnType<typeof listen> {
  const handle = app.callback();
  return listen((req, res) => void handle(req, res));
}

/** The harness of one Koa version: the suite app on a free port of 127.0.0.1. */
export function koaHarness(name: string, Koa: KoaFactory): AdapterHarness {
  return {
    name,
    sessionMode: 'koa-session',
    serve: (limiter, options) => {
      // sessionLimit checks its options when it is called, as the app starts.
      const before =
        options.mode === 'koa-session' ? (app: KoaApp) => withKoaSession(app) : undefined;
      return listenKoa(makeApp(Koa, limiter, options, before));
    },
  };
}
