// The Koa 3 apps of row 2, routed by @koa/router as Koa apps are, in a process of their own on
// the built package, keeping the protocol of servers/http.js (see common.js): GET / answers 200
// "ok" when signed in, 401 when not; GET /__cpu the process's CPU microseconds.
//
//   bare     no session check
//   noop     one middleware that only calls next: Koa's own price for a middleware
//   limited  the sessionLimit middleware in cookie mode (memory store, or the options' store)
import Router from '@koa/router';
import Koa from 'koa';
import { sessionLimit } from 'session-limiter/koa';
import { announce, bareApp, benchArgs, cpuMicros, mountApp, openBenchSession } from './common.js';

const { kind, port, options } = benchArgs();
const app = new Koa();
const router = new Router();
router.get('/__cpu', (ctx) => {
  ctx.body = cpuMicros();
});

/** Each app mounts its middleware and returns its cookie and how a route tells it is signed in. */
const APPS = {
  bare: bareApp,
  noop: () => {
    app.use((_ctx, next) => next());
    return bareApp();
  },
  limited: async () => {
    const { limiter, cookie } = await openBenchSession(options);
    app.use(sessionLimit(limiter));
    return { cookie, signedIn: (ctx) => ctx.state.sessionLimit.session !== null };
  },
};

const mounted = await mountApp(APPS, kind);
router.get('/', (ctx) => {
  if (mounted.signedIn(ctx)) {
    ctx.body = 'ok';
  } else {
    ctx.status = 401;
    ctx.body = 'signed out';
  }
});
app.use(router.routes());

const server = app.listen(port, '127.0.0.1', () => announce(server.address().port, mounted));
