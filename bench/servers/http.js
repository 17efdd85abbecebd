// One Express 5 app for the HTTP benchmarks, in its own process, run by plain Node on the built
// package (dist/, imported by the package's own name), as an app would. Every app serves GET /
// with 200 "ok" when the request is signed in and 401 when it is not, so a benchmark that sends
// the wrong cookie fails (wrk counts the non-2xx answers) instead of measuring the signed-out
// path. The apps (see APPS below):
//
//   bare                     no session check
//   noop                     one middleware that only calls next
//   floor                    a hand-written check: read the cookie, one Map lookup, one
//                            constant-time compare
//   limited                  sessionLimit in cookie mode; memory store, or the store named by
//                            the options (sqlite, redis, postgres)
//   express-session          express-session with its MemoryStore, alone
//   express-session-limited  express-session plus sessionLimit in express-session mode
//   better-auth              better-auth's getSession on every request (SQLite)
//
//   node bench/servers/http.js <app> <port> ['<options JSON>']   (see common.js)
// Prints "ready <port> <cookie header>" once it listens.
import { randomBytes, timingSafeEqual } from 'node:crypto';
import express from 'express';
import session from 'express-session';
import { createSessionLimiter } from 'session-limiter';
import { sessionLimit } from 'session-limiter/express';
import {
  announce,
  bareApp,
  benchArgs,
  COOKIE,
  cpuMicros,
  mountApp,
  openBenchSession,
  USER,
} from './common.js';

const { kind, port, options } = benchArgs();

const app = express();
app.disable('x-powered-by');
app.disable('etag');
app.get('/__cpu', (_req, res) => {
  res.type('text').send(cpuMicros());
});

/** Each app mounts its middleware and returns its cookie and how a route tells it is signed in. */
const APPS = {
  bare: bareApp,
  noop: () => {
    app.use((_req, _res, next) => next());
    return bareApp();
  },
  floor: () => {
    const id = randomBytes(21).toString('base64url');
    const secret = randomBytes(32).toString('base64url');
    const sessions = new Map([[id, { userId: USER.id, secret: Buffer.from(secret) }]]);
    const key = `${COOKIE}=`;
    app.use((req, _res, next) => {
      const header = req.headers.cookie;
      const at = header === undefined ? -1 : header.indexOf(key);
      if (at !== -1) {
        const end = header.indexOf(';', at);
        const value = header.slice(at + key.length, end === -1 ? undefined : end);
        const dot = value.indexOf('.');
        const found = sessions.get(value.slice(0, dot));
        const given = Buffer.from(value.slice(dot + 1));
        if (found && given.length === found.secret.length && timingSafeEqual(given, found.secret)) {
          req.user = found;
        }
      }
      next();
    });
    return { cookie: `${key}${id}.${secret}`, signedIn: (req) => req.user !== undefined };
  },
  limited: async () => {
    const { limiter, cookie } = await openBenchSession(options);
    app.use(sessionLimit(limiter));
    return { cookie, signedIn: (req) => req.sessionLimit.session !== null };
  },
  'express-session': () => {
    app.use(expressSession());
    return selfLogin((req) => {
      req.session.userId = USER.id;
    });
  },
  'express-session-limited': () => {
    const limiter = createSessionLimiter({ pruneInterval: false });
    app.use(expressSession());
    app.use(sessionLimit(limiter, { mode: 'express-session' }));
    return selfLogin(async (req) => {
      const opened = await req.sessionLimit.login(USER);
      if (!opened.ok) throw new Error('could not open the benchmark session');
      req.session.userId = USER.id; // after login, which starts a new session
    });
  },
  'better-auth': async () => (await import('./better-auth.js')).mountBetterAuth(app),
};

function expressSession() {
  return session({
    secret: randomBytes(32).toString('base64url'),
    resave: false,
    saveUninitialized: false,
  });
}

/** A login route that `signIn` fills in; the app logs in once it listens and keeps the cookie. */
function selfLogin(signIn) {
  app.post('/__login', (req, res, next) => {
    Promise.resolve(signIn(req)).then(() => res.send('ok'), next);
  });
  return {
    login: async (listening) => {
      const response = await fetch(`http://127.0.0.1:${listening}/__login`, { method: 'POST' });
      if (!response.ok) throw new Error(`login failed: ${response.status}`);
      return response.headers
        .getSetCookie()
        .map((line) => line.split(';')[0])
        .join('; ');
    },
    signedIn: (req) => req.session.userId === USER.id,
  };
}

const mounted = await mountApp(APPS, kind);
app.get('/', (req, res) => {
  if (mounted.signedIn(req)) res.type('text').send('ok');
  else res.status(401).type('text').send('signed out');
});

const server = app.listen(port, '127.0.0.1', () => announce(server.address().port, mounted));
