import express, { type Express } from 'express';
import type { SessionLimiter } from '../../src/index.js';
import { sessionLimit } from '../../src/adapters/express.js';
import type { JwtSessions } from '../../src/jwt/index.js';
import { EventStreams, eventsRoute } from './events.js';
import { BODY_LIMIT, errorHandler, notFound } from './http.js';
import { pageRoute } from './pages.js';
import type { Accounts } from './passwords.js';
import { sessionRoutes } from './sessions.js';
import { tokenRoutes } from './tokens.js';
import { USERS, type DemoUser } from './users.js';

/** The demo as an Express app, ready to listen; `streams` lets a shutdown end open SSE streams. */
export function createApp(options: {
  limiter: SessionLimiter<DemoUser>;
  jwt: JwtSessions<DemoUser>;
  accounts: Accounts;
}): { app: Express; streams: EventStreams } {
  const { limiter, jwt, accounts } = options;
  const streams = new EventStreams();
  const app = express();
  app.disable('x-powered-by');
  app.use(express.json({ limit: BODY_LIMIT }));
  // Bearer tokens only: mounted before the cookie middleware, so a cookie plays no part here.
  app.use('/api/token', tokenRoutes(jwt, accounts));
  app.use(
    sessionLimit(limiter, {
      // A dead session on a page navigation is redirected to the sign-in page, which says why.
      loginPath: '/',
      // These take a dead session as "no session" with `req.sessionLimit.ended` set: a sign-in
      // goes ahead, and the event stream says why in its own format (an EventSource cannot read
      // a 401 body).
      passThroughDead: (req) =>
        (req.method === 'POST' && req.path === '/api/login') ||
        (req.method === 'GET' && req.path === '/api/events'),
    }),
  );
  app.get('/', pageRoute(USERS));
  app.get('/api/events', eventsRoute(limiter, accounts, streams));
  app.use('/api', sessionRoutes(accounts));
  app.use(notFound);
  app.use(errorHandler);
  return { app, streams };
}
