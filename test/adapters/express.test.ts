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
import {
  sessionEvents,
  sessionLimit,
  type SessionLimitOptions,
} from '../../src/adapters/express.js';
import { Browser, listen } from '../support/browser.js';
import {
  describeAdapterConformance,
  FIREFOX_WIN,
  SUITE_USERS,
  suitePolicy,
  type SuiteUser,
} from '../conformance/adapters.js';

type User = SuiteUser;
const USERS = SUITE_USERS;

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
  app.get('/api/events', sessionEvents());
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
  const limiter = createSessionLimiter<User>({ store, policy: suitePolicy, pruneInterval: false });
  closers.push(() => limiter.dispose());
  return limiter;
}

for (const [name, express] of [
  ['Express 5', express5],
  ['Express 4', express4],
] as const) {
  describeAdapterConformance({
    name,
    serve: async (limiter, options) => {
      // sessionLimit checks its options when it is called, as the app starts.
      const app = makeApp(express, limiter, options);
      return listen(app);
    },
  });

  describe(`${name} adapter, Express specifics`, () => {
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

    it('hands dead sessions and store outages to onRevoked and onStoreError', async () => {
      const store = new MemoryStore();
      const limiter = newLimiter(store);
      const url = await serve(
        makeApp(express, limiter, {
          onRevoked: (_req, res, dead) => res.status(419).json({ why: dead.reason }),
          onStoreError: (_req, res, error) => res.status(599).json({ code: error.code }),
        }),
      );
      const a = new Browser(url);
      await a.request('/api/login', { json: { username: 'alice' } });
      await new Browser(url).request('/api/login', { json: { username: 'alice' } });
      expect(await a.json('/api/me')).toEqual({ status: 419, body: { why: 'evicted' } });
      const b = new Browser(url);
      await b.request('/api/login', { json: { username: 'bob' } });
      store.find = () => Promise.reject(new Error('down'));
      store.findNow = () => {
        throw new Error('down');
      };
      expect(await b.json('/api/me')).toEqual({ status: 599, body: { code: 'STORE_UNAVAILABLE' } });
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
}
