// The Hono apps of row 2, on @hono/node-server, in a process of their own on the built package,
// keeping the protocol of servers/http.js (see common.js): GET / answers 200 "ok" when signed
// in, 401 when not; GET /__cpu the process's CPU microseconds.
//
//   bare     no session check
//   noop     one middleware that only calls next: Hono's own price for a middleware
//   limited  the sessionLimit middleware in cookie mode (memory store, or the options' store)
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import { sessionLimit } from 'session-limiter/hono';
import { announce, bareApp, benchArgs, cpuMicros, mountApp, openBenchSession } from './common.js';

const { kind, port, options } = benchArgs();
const app = new Hono();
app.get('/__cpu', (c) => c.text(cpuMicros()));

/** Each app mounts its middleware and returns its cookie and how a route tells it is signed in. */
const APPS = {
  bare: bareApp,
  noop: () => {
    app.use((_c, next) => next());
    return bareApp();
  },
  limited: async () => {
    const { limiter, cookie } = await openBenchSession(options);
    app.use(sessionLimit(limiter));
    return { cookie, signedIn: (c) => c.get('sessionLimit').session !== null };
  },
};

const mounted = await mountApp(APPS, kind);
app.get('/', (c) => (mounted.signedIn(c) ? c.text('ok') : c.text('signed out', 401)));

serve({ fetch: app.fetch, port, hostname: '127.0.0.1' }, (info) => announce(info.port, mounted));
