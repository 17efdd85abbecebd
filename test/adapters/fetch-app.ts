// The adapter suite's routes as one fetch handler, and the fetch gate's harness.
import type { SessionLimiter } from '../../src/index.js';
import { sessionGate, type GateCheck, type SessionGateOptions } from '../../src/adapters/fetch.js';
import { serveFetch } from '../support/web-server.js';
import type { AdapterHarness, SuiteUser } from '../conformance/adapters.js';
import { jsonBodyOf, NOT_FOUND, suiteErrorAnswer, suiteUser } from '../conformance/suite-app.js';

/**
 * The adapter suite's routes as one fetch handler, written as a Next.js route handler or a
 * Bun.serve app would: the gate first, then the app's own response with the gate's cookies.
 */
export function suiteApp(
  limiter: SessionLimiter<SuiteUser>,
  options: SessionGateOptions<SuiteUser> = {},
) {
  const gate = sessionGate(limiter, options);
  return async (request: Request, ip?: string): Promise<Response> => {
    const checked = await gate.check(request, { ip });
    if (checked.response) return checked.response;
    let response: Response;
    try {
      response = await suiteRoute(request, checked);
    } catch (error) {
      const { status, body } = suiteErrorAnswer(error);
      response = Response.json(body, { status });
    }
    return checked.apply(response);
  };
}

const html = (text: string) =>
  new Response(text, { headers: { 'content-type': 'text/html; charset=utf-8' } });

async function suiteRoute(request: Request, checked: GateCheck): Promise<Response> {
  const sl = checked.sessionLimit;
  const path = new URL(request.url).pathname;
  const route = `${request.method} ${path}`;
  if (route === 'GET /api/events') return checked.events();
  if (route === 'POST /api/login') {
    const body = (await jsonBodyOf(request)) as { username?: unknown; replace?: string } | null;
    const user = suiteUser(body?.username);
    if (!user) return Response.json({ error: { code: 'INVALID_CREDENTIALS' } }, { status: 401 });
    const ended = sl.ended?.reason ?? null;
    const r = await sl.login(user, { replace: body?.replace });
    if (!r.ok) {
      return Response.json({ error: { code: r.code }, active: r.active }, { status: 409 });
    }
    return Response.json({ session: r.session, ended });
  }
  if (route === 'GET /api/me') {
    if (!sl.session) return Response.json({ error: { code: 'UNAUTHENTICATED' } }, { status: 401 });
    return Response.json({ session: sl.session });
  }
  if (route === 'GET /api/sessions') {
    return Response.json({ sessions: await sl.list(), current: sl.session?.id });
  }
  if (route === 'POST /api/sessions/revoke-others') {
    return Response.json({ revoked: await sl.revokeOthers() });
  }
  if (request.method === 'DELETE' && path.startsWith('/api/sessions/')) {
    return Response.json({ revoked: await sl.revoke(path.slice('/api/sessions/'.length)) });
  }
  if (route === 'POST /api/logout') return Response.json({ closed: await sl.logout() });
  if (route === 'GET /login') return html(`<p role="alert">${sl.notice ?? ''}</p>`);
  if (route === 'GET /dashboard') return html(sl.session ? 'dashboard' : 'anonymous');
  return Response.json(NOT_FOUND.body, { status: NOT_FOUND.status });
}

/** The fetch gate's harness: the suite handler on @hono/node-server, on 127.0.0.1. */
export const fetchHarness: AdapterHarness = {
  name: 'fetch gate',
  serve: (limiter, options) => {
    const app = suiteApp(limiter, options);
    return serveFetch((request, env) => app(request, env.incoming.socket.remoteAddress));
  },
};
