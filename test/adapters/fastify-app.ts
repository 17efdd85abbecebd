// The adapter suite's routes as a Fastify app, and its harness.
import fastifyCookie from '@fastify/cookie';
import fastifySession, { MemoryStore as SessionStoreMap } from '@fastify/session';
import Fastify, {
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
  type Session,
} from 'fastify';
import type { SessionLimiter } from '../../src/index.js';
import {
  sessionEvents,
  sessionLimit,
  type SessionLimitOptions,
} from '../../src/adapters/fastify.js';
import type { AdapterHarness, SuiteUser } from '../conformance/adapters.js';
import { NOT_FOUND, suiteErrorAnswer, suiteUser } from '../conformance/suite-app.js';

/** The routes every adapter's test app serves, on any Fastify context. */
export function suiteRoutes(app: FastifyInstance): void {
  app.post('/api/login', async (request, reply) => {
    const body = request.body as { username?: unknown; replace?: string } | null | undefined;
    const user = suiteUser(body?.username);
    if (!user) return reply.code(401).send({ error: { code: 'INVALID_CREDENTIALS' } });
    const ended = request.sessionLimit.ended?.reason ?? null;
    const r = await request.sessionLimit.login(user, { replace: body?.replace });
    if (!r.ok) return reply.code(409).send({ error: { code: r.code }, active: r.active });
    return { session: r.session, ended };
  });
  app.get('/api/me', async (request, reply) => {
    const { session } = request.sessionLimit;
    if (!session) return reply.code(401).send({ error: { code: 'UNAUTHENTICATED' } });
    return { session };
  });
  app.get('/api/sessions', async (request) => ({
    sessions: await request.sessionLimit.list(),
    current: request.sessionLimit.session?.id,
  }));
  app.delete<{ Params: { id: string } }>('/api/sessions/:id', async (request) => ({
    revoked: await request.sessionLimit.revoke(request.params.id),
  }));
  app.post('/api/sessions/revoke-others', async (request) => ({
    revoked: await request.sessionLimit.revokeOthers(),
  }));
  app.post('/api/logout', async (request) => ({ closed: await request.sessionLimit.logout() }));
  app.get('/login', async (request, reply) =>
    reply.type('text/html').send(`<p role="alert">${request.sessionLimit.notice ?? ''}</p>`),
  );
  app.get('/dashboard', async (request, reply) =>
    reply.type('text/html').send(request.sessionLimit.session ? 'dashboard' : 'anonymous'),
  );
  app.get('/api/events', sessionEvents());
}

/** Sends the suite's answer to an error (the error handler's, and Fastify's own refusals'). */
export function answerFastifyError(
  error: unknown,
  _request: FastifyRequest,
  reply: FastifyReply,
): void {
  const { status, body } = suiteErrorAnswer(error);
  void reply.code(status).send(body);
}

/** A Fastify app whose refusals of a URL it cannot route (`frameworkErrors`) are the suite's. */
export function suiteFastify(): FastifyInstance {
  return Fastify({ frameworkErrors: answerFastifyError });
}

/** The suite's answers to errors and unknown paths, on a Fastify app. */
export function suiteAnswers(app: FastifyInstance): void {
  app.setErrorHandler(answerFastifyError);
  app.setNotFoundHandler((_request, reply) => reply.code(NOT_FOUND.status).send(NOT_FOUND.body));
}

/** Registers @fastify/cookie and @fastify/session (kept in `saved`), for `mode: 'fastify-session'`. */
export async function withFastifySession(
  app: FastifyInstance,
  { path = '/', saved = new Map<string, Session>() } = {},
): Promise<void> {
  await app.register(fastifyCookie);
  // 'auto': these tests speak plain http to 127.0.0.1, where a Secure cookie is not saved.
  await app.register(fastifySession, {
    secret: 'a session secret of at least 32 characters',
    saveUninitialized: false,
    cookie: { secure: 'auto', path },
    store: new SessionStoreMap(saved),
  });
}

/**
 * A Fastify app with the plugin registered with `options` and the test routes; `before`
 * registers plugins ahead of it, `after` adds to it.
 */
export async function createApp(
  limiter: SessionLimiter<SuiteUser>,
  options: Omit<SessionLimitOptions<SuiteUser>, 'limiter'> = {},
  setup: {
    before?: (app: FastifyInstance) => Promise<void>;
    after?: (app: FastifyInstance) => void;
  } = {},
): Promise<FastifyInstance> {
  const app = suiteFastify();
  suiteAnswers(app);
  await setup.before?.(app);
  await app.register(sessionLimit, { limiter, ...options });
  suiteRoutes(app);
  setup.after?.(app);
  return app;
}

/** The Fastify harness: the suite app on a free port of 127.0.0.1. */
export const fastifyHarness: AdapterHarness = {
  name: 'Fastify',
  sessionMode: 'fastify-session',
  serve: async (limiter, options) => {
    const before = options.mode === 'fastify-session' ? withFastifySession : undefined;
    const app = await createApp(limiter, options, before ? { before } : {});
    const url = await app.listen({ port: 0, host: '127.0.0.1' });
    return { url, close: () => app.close() };
  },
};
