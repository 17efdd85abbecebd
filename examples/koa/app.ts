import { bodyParser } from '@koa/bodyparser';
import Router from '@koa/router';
import Koa, { type DefaultState, type ParameterizedContext } from 'koa';
import type { SessionLimiter } from '../../src/index.js';
import { sessionEvents, sessionLimit, type SessionLimitState } from '../../src/adapters/koa.js';
import type { Accounts } from '../demo/passwords.js';
import type { DemoUser } from '../demo/users.js';
import {
  BODY_LIMIT,
  type BodyProblem,
  bodyError,
  errorAnswer,
  routeNotFound,
} from '../shared/answers.js';
import { SessionApi } from '../shared/sessions.js';

type State = DefaultState & SessionLimitState;

/**
 * The demo's `/api` session routes and live notice on Koa: the same users, limits, answers and
 * codes. Aborting `shutdown` ends open event streams.
 */
export function createKoaApp(options: {
  limiter: SessionLimiter<DemoUser>;
  accounts: Accounts;
  shutdown: AbortSignal;
}): Koa<State> {
  const app = new Koa<State>();
  // Every error becomes the demo's JSON answer; nothing escapes as a crash or Koa's own body.
  app.use(async (ctx, next) => {
    try {
      await next();
    } catch (error) {
      const problem = bodyProblem(error);
      const answer = errorAnswer(problem ? bodyError(problem) : error);
      if (answer.status === 500) console.error(error);
      ctx.status = answer.status;
      ctx.set(answer.headers);
      ctx.body = answer.body;
    }
  });
  app.use(bodyParser({ enableTypes: ['json'], jsonLimit: BODY_LIMIT }));
  // A dead session on a page navigation is redirected to the sign-in page, which says why.
  app.use(sessionLimit(options.limiter, { loginPath: '/' }));

  const api = new SessionApi(options.accounts);
  const router = new Router<State>({ prefix: '/api' });
  router.post('/login', (ctx) => reply(ctx, api.login(ctx.state.sessionLimit, ctx.request.body)));
  router.get('/me', (ctx) => reply(ctx, api.me(ctx.state.sessionLimit)));
  router.get('/sessions', (ctx) => reply(ctx, api.sessions(ctx.state.sessionLimit)));
  router.delete('/sessions/:id', (ctx) =>
    reply(ctx, api.revoke(ctx.state.sessionLimit, ctx.params.id ?? '')),
  );
  router.post('/sessions/revoke-others', (ctx) =>
    reply(ctx, api.revokeOthers(ctx.state.sessionLimit)),
  );
  router.post('/logout', (ctx) => reply(ctx, api.logout(ctx.state.sessionLimit)));
  router.get('/events', sessionEvents({ signal: options.shutdown }));
  app.use(router.routes());
  app.use((ctx) => {
    throw routeNotFound(ctx.method, ctx.path);
  });
  return app;
}

/** Answers a route's result (or what it throws) as JSON. */
async function reply(ctx: ParameterizedContext, result: unknown): Promise<void> {
  ctx.body = await result;
}

/** co-body's errors (under @koa/bodyparser): a 4xx status, a `type` for raw-body's. */
function bodyProblem(error: unknown): BodyProblem | null {
  const e = error as { status?: unknown; type?: unknown } | null;
  if (typeof e !== 'object' || e === null || typeof e.status !== 'number') return null;
  if (e.status < 400 || e.status >= 500) return null;
  if (e.type === 'entity.too.large') return 'too-large';
  if (error instanceof SyntaxError) return 'invalid-json';
  return typeof e.type === 'string' ? 'unreadable' : null;
}
