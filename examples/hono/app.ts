import { Hono, type Context } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { SessionLimiter } from '../../src/index.js';
import { sessionEvents, sessionLimit, type SessionLimitEnv } from '../../src/adapters/hono.js';
import type { Accounts } from '../demo/passwords.js';
import type { DemoUser } from '../demo/users.js';
import {
  BODY_LIMIT_BYTES,
  type ErrorAnswer,
  bodyError,
  errorAnswer,
  routeNotFound,
} from '../shared/answers.js';
import { SessionApi } from '../shared/sessions.js';

/**
 * The demo's `/api` session routes on Hono: the same users, limits, answers and codes. Nothing
 * in it is Node's: the runtime's entry point serves it and says where the client's address is.
 */
export function createHonoApp(options: {
  limiter: SessionLimiter<DemoUser>;
  accounts: Accounts;
  /** The client's address: `getConnInfo(c).remote.address` from the runtime's Hono helper. */
  getIp?: (c: Context) => string | undefined;
  /** Aborted on shutdown: ends open event streams. */
  shutdown: AbortSignal;
}): Hono<SessionLimitEnv> {
  const app = new Hono<SessionLimitEnv>();
  app.use(
    bodyLimit({
      maxSize: BODY_LIMIT_BYTES,
      onError: () => {
        throw bodyError('too-large');
      },
    }),
  );
  // A dead session on a page navigation is redirected to the sign-in page, which says why.
  app.use(sessionLimit(options.limiter, { loginPath: '/', getIp: options.getIp }));

  app.get('/api/events', sessionEvents({ signal: options.shutdown }));
  const api = new SessionApi(options.accounts);
  app.post('/api/login', async (c) => c.json(await api.login(c.var.sessionLimit, await body(c))));
  app.get('/api/me', (c) => c.json(api.me(c.var.sessionLimit)));
  app.get('/api/sessions', async (c) => c.json(await api.sessions(c.var.sessionLimit)));
  app.delete('/api/sessions/:id', async (c) =>
    c.json(await api.revoke(c.var.sessionLimit, c.req.param('id'))),
  );
  app.post('/api/sessions/revoke-others', async (c) =>
    c.json(await api.revokeOthers(c.var.sessionLimit)),
  );
  app.post('/api/logout', async (c) => c.json(await api.logout(c.var.sessionLimit)));

  app.notFound((c) => send(c, errorAnswer(routeNotFound(c.req.method, c.req.path))));
  // Every error becomes the demo's JSON answer; nothing escapes as a crash or Hono's own text.
  app.onError((error, c) => {
    const answer = errorAnswer(error);
    if (answer.status === 500) console.error(error);
    return send(c, answer);
  });
  return app;
}

/** The JSON body, read as the demo's parser reads it: only when it says it is JSON. */
async function body(c: Context): Promise<unknown> {
  if (!c.req.header('content-type')?.startsWith('application/json')) return undefined;
  try {
    return await c.req.json();
  } catch {
    throw bodyError('invalid-json');
  }
}

function send(c: Context, answer: ErrorAnswer): Response {
  return c.json(answer.body, answer.status as ContentfulStatusCode, answer.headers);
}
