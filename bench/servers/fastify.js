// The Fastify 5 apps of row 2, in a process of their own on the built package, keeping the
// protocol of servers/http.js (see common.js): GET / answers 200 "ok" when signed in, 401 when
// not; GET /__cpu the process's CPU microseconds.
//
//   bare     no session check
//   noop     one onRequest hook that only calls done: Fastify's own price for a hook
//   limited  the sessionLimit plugin in cookie mode (memory store, or the options' store)
import Fastify from 'fastify';
import { sessionLimit } from 'session-limiter/fastify';
import { announce, bareApp, benchArgs, cpuMicros, mountApp, openBenchSession } from './common.js';

const { kind, port, options } = benchArgs();
const app = Fastify();
app.get('/__cpu', (_request, reply) => reply.send(cpuMicros()));

/** Each app registers its plugin and returns its cookie and how a route tells it is signed in. */
const APPS = {
  bare: bareApp,
  noop: () => {
    app.addHook('onRequest', (_request, _reply, done) => done());
    return bareApp();
  },
  limited: async () => {
    const { limiter, cookie } = await openBenchSession(options);
    await app.register(sessionLimit, { limiter });
    return { cookie, signedIn: (request) => request.sessionLimit.session !== null };
  },
};

const mounted = await mountApp(APPS, kind);
app.get('/', (request, reply) => {
  if (mounted.signedIn(request)) reply.send('ok');
  else reply.code(401).send('signed out');
});

await app.listen({ port, host: '127.0.0.1' });
announce(app.server.address().port, mounted);
