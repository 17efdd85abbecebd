import Fastify, { type FastifyError, type FastifyInstance, type FastifyReply } from 'fastify';
import type { SessionLimiter } from '../../src/index.js';
import { sessionEvents, sessionLimit } from '../../src/adapters/fastify.js';
import type { Accounts } from '../demo/passwords.js';
import type { DemoUser } from '../demo/users.js';
import {
  BODY_LIMIT_BYTES,
  type BodyProblem,
  type ErrorAnswer,
  bodyError,
  errorAnswer,
  routeNotFound,
} from '../shared/answers.js';
import { SessionApi } from '../shared/sessions.js';

/** The demo's `/api` session routes on Fastify: the same users, limits, answers and codes. */
export async function createFastifyApp(options: {
  limiter: SessionLimiter<DemoUser>;
  accounts: Accounts;
}): Promise<FastifyInstance> {
  const app = Fastify({ bodyLimit: BODY_LIMIT_BYTES });
  // A dead session on a page navigation is redirected to the sign-in page, which says why. A
  // sign-in (POST /api/login) and the event stream take a dead session as "no session" with
  // `request.sessionLimit.ended` set: the sign-in goes ahead, the stream says why.
  await app.register(sessionLimit, { limiter: options.limiter, loginPath: '/' });

  const api = new SessionApi(options.accounts);
  app.post('/api/login', (request) => api.login(request.sessionLimit, request.body));
  app.get('/api/me', (request) => api.me(request.sessionLimit));
  app.get('/api/sessions', (request) => api.sessions(request.sessionLimit));
  app.delete<{ Params: { id: string } }>('/api/sessions/:id', (request) =>
    api.revoke(request.sessionLimit, request.params.id),
  );
  app.post('/api/sessions/revoke-others', (request) => api.revokeOthers(request.sessionLimit));
  app.post('/api/logout', (request) => api.logout(request.sessionLimit));
  // The live notice; open streams end when the app closes.
  app.get('/api/events', sessionEvents());

  app.setNotFoundHandler((request, reply) => {
    const path = request.url.split('?', 1)[0] ?? '/';
    return send(reply, errorAnswer(routeNotFound(request.method, path)));
  });
  // Every error becomes the demo's JSON answer; nothing escapes as a crash or Fastify's own body.
  app.setErrorHandler((error, _request, reply) => {
    const problem = bodyProblem(error);
    const answer = errorAnswer(problem ? bodyError(problem) : error);
    if (answer.status === 500) console.error(error);
    return send(reply, answer);
  });
  return app;
}

function send(reply: FastifyReply, answer: ErrorAnswer): FastifyReply {
  return reply.code(answer.status).headers(answer.headers).send(answer.body);
}

/** Fastify's body parser errors, as the demo words them. */
function bodyProblem(error: unknown): BodyProblem | null {
  const code = (error as Partial<FastifyError> | null)?.code;
  if (typeof code !== 'string' || !code.startsWith('FST_ERR_CTP_')) return null;
  if (code === 'FST_ERR_CTP_INVALID_JSON_BODY') return 'invalid-json';
  if (code === 'FST_ERR_CTP_BODY_TOO_LARGE') return 'too-large';
  return 'unreadable';
}
