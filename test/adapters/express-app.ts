// The adapter suite's routes as an Express app (4 or 5), and its harness.
import express5, { type Express, type NextFunction, type Request, type Response } from 'express';
import session from 'express-session';
import express4 from 'express4';
import type { SessionLimiter } from '../../src/index.js';
import {
  sessionEvents,
  sessionLimit,
  type SessionLimitOptions,
} from '../../src/adapters/express.js';
import { listen } from '../support/browser.js';
import type { AdapterHarness, SuiteUser } from '../conformance/adapters.js';
import { NOT_FOUND, suiteErrorAnswer, suiteUser } from '../conformance/suite-app.js';

export type ExpressFactory = typeof express5;

/** Express 5 and 4, by name. */
export const EXPRESS_VERSIONS = [
  ['Express 5', express5],
  ['Express 4', express4],
] as const;

/** The suite's app: a JSON body parser, `before` (express-session), the adapter, routes. */
export function makeApp(
  express: ExpressFactory,
  limiter: SessionLimiter<SuiteUser>,
  options: SessionLimitOptions<SuiteUser> = {},
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
      const body = req.body as { username?: unknown; replace?: string } | undefined;
      const user = suiteUser(body?.username);
      if (!user) return res.status(401).json({ error: { code: 'INVALID_CREDENTIALS' } });
      const ended = req.sessionLimit.ended?.reason ?? null;
      const r = await req.sessionLimit.login(user, { replace: body?.replace });
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
  app.use((_req: Request, res: Response) => {
    res.status(NOT_FOUND.status).json(NOT_FOUND.body);
  });
  app.use((error: unknown, _req: Request, res: Response, _next: NextFunction) => {
    const { status, body } = suiteErrorAnswer(error);
    res.status(status).json(body);
  });
  return app;
}

/** Mounts express-session (in memory) ahead of the adapter, for `mode: 'express-session'`. */
export function withExpressSession(app: Express): void {
  app.use(
    session({
      secret: 'test secret that is long enough',
      resave: false,
      saveUninitialized: false,
    }),
  );
}

/** The harness of one Express version: the suite app on a free port of 127.0.0.1. */
export function expressHarness(name: string, express: ExpressFactory): AdapterHarness {
  return {
    name,
    sessionMode: 'express-session',
    serve: (limiter, options) => {
      // sessionLimit checks its options when it is called, as the app starts.
      const before = options.mode === 'express-session' ? withExpressSession : undefined;
      return listen(makeApp(express, limiter, options, before));
    },
  };
}
