import express, { type Express } from 'express';
import type { SessionLimiter } from '../../src/index.js';
import { sessionEvents, sessionLimit } from '../../src/adapters/express.js';
import type { JwtSessions } from '../../src/jwt/index.js';
import { BODY_LIMIT, errorHandler, notFound } from './http.js';
import { CLIENT_PATH } from '../shared/client.js';
import { clientRoute, pageRoute } from './pages.js';
import type { Accounts } from './passwords.js';
import { sessionRoutes } from './sessions.js';
import { tokenRoutes } from './tokens.js';
import { USERS, type DemoUser } from './users.js';

/** The demo as an Express app, ready to listen; aborting `shutdown` ends open event streams. */
export function createApp(options: {
  limiter: SessionLimiter<DemoUser>;
  jwt: JwtSessions<DemoUser>;
  accounts: Accounts;
  shutdown: AbortSignal;
}): Express {
  const { limiter, jwt, accounts, shutdown } = options;
  const app = express();
  app.disable('x-powered-by');
  // Plain JSON only: a browser never compresses a request, and a body that fails to inflate
  // would reach the error handler as an error body-parser gives no type.
  app.use(express.json({ limit: BODY_LIMIT, inflate: false }));
  // Bearer tokens only: mounted before the cookie middleware, so a cookie plays no part here.
  app.use('/api/token', tokenRoutes(jwt, accounts));
  app.use(
    sessionLimit(limiter, {
      // A dead session on a page navigation is redirected to the sign-in page, which says why.
      // A sign-in (POST /api/login) and the event stream take a dead session as "no session"
      // with `req.sessionLimit.ended` set: the sign-in goes ahead, the stream says why.
      loginPath: '/',
    }),
  );
  app.get('/', pageRoute(USERS));
  app.get(CLIENT_PATH, clientRoute());
  app.get('/api/events', sessionEvents({ signal: shutdown }));
  app.use('/api', sessionRoutes(accounts));
  app.use(notFound);
  app.use(errorHandler);
  return app;
}
