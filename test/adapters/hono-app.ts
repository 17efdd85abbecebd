// The adapter suite's routes as a Hono app, and its harness.
import { Hono } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { SessionLimiter } from '../../src/index.js';
import {
  sessionEvents,
  sessionLimit,
  type SessionLimitOptions,
  type SessionLimitVariables,
} from '../../src/adapters/hono.js';
import { serveFetch } from '../support/web-server.js';
import type { AdapterHarness, SuiteUser } from '../conformance/adapters.js';
import { jsonBodyOf, NOT_FOUND, suiteErrorAnswer, suiteUser } from '../conformance/suite-app.js';

/** The adapter suite's routes as a Hono app. */
export function makeApp(
  limiter: SessionLimiter<SuiteUser>,
  options: SessionLimitOptions<SuiteUser> = {},
) {
  const app = new Hono<{ Variables: SessionLimitVariables }>();
  app.use(sessionLimit(limiter, options));
  app.post('/api/login', async (c) => {
    const body = (await jsonBodyOf(c.req.raw)) as { username?: unknown; replace?: string } | null;
    const user = suiteUser(body?.username);
    if (!user) return c.json({ error: { code: 'INVALID_CREDENTIALS' } }, 401);
    const sl = c.get('sessionLimit');
    const ended = sl.ended?.reason ?? null;
    const r = await sl.login(user, { replace: body?.replace });
    if (!r.ok) return c.json({ error: { code: r.code }, active: r.active }, 409);
    return c.json({ session: r.session, ended });
  });
  app.get('/api/me', (c) => {
    const { session } = c.get('sessionLimit');
    if (!session) return c.json({ error: { code: 'UNAUTHENTICATED' } }, 401);
    return c.json({ session });
  });
  app.get('/api/sessions', async (c) =>
    c.json({ sessions: await c.var.sessionLimit.list(), current: c.var.sessionLimit.session?.id }),
  );
  app.delete('/api/sessions/:id', async (c) =>
    c.json({ revoked: await c.var.sessionLimit.revoke(c.req.param('id')) }),
  );
  app.post('/api/sessions/revoke-others', async (c) =>
    c.json({ revoked: await c.var.sessionLimit.revokeOthers() }),
  );
  app.post('/api/logout', async (c) => c.json({ closed: await c.var.sessionLimit.logout() }));
  app.get('/login', (c) => c.html(`<p role="alert">${c.var.sessionLimit.notice ?? ''}</p>`));
  app.get('/dashboard', (c) => c.html(c.var.sessionLimit.session ? 'dashboard' : 'anonymous'));
  app.get('/api/events', sessionEvents());
  app.notFound((c) => c.json(NOT_FOUND.body, 404));
  app.onError((error, c) => {
    const { status, body } = suiteErrorAnswer(error);
    return c.json(body, status as ContentfulStatusCode);
  });
  return app;
}

/** The Hono harness: the suite app on @hono/node-server, on a free port of 127.0.0.1. */
export const honoHarness: AdapterHarness = {
  name: 'Hono',
  serve: (limiter, options) => serveFetch(makeApp(limiter, options).fetch),
};
