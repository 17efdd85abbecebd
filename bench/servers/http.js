// One Express 5 app for the hot-path benchmark, in its own process, run by plain Node on the
// built package (dist/), as an app would: `bare` (no session checks), `noop` (one middleware
// that only calls next), `floor` (a hand-written check: read the cookie, SHA-256 it, look it up
// in a Map) or `limited` (sessionLimit in cookie mode with the memory store).
// Prints "ready <port> <cookie>".
import { createHash, randomBytes } from 'node:crypto';
import express from 'express';
import { createSessionLimiter } from '../../dist/index.js';
import { sessionLimit } from '../../dist/adapters/express.js';

const kind = process.argv[2] ?? 'bare';
const port = Number(process.argv[3] ?? 0);
const app = express();
app.disable('x-powered-by');
app.disable('etag');
let cookie = `sid=${randomBytes(32).toString('base64url')}`;
// CPU time this process has used, in microseconds: the benchmark divides it by the requests
// served, a steadier measure than requests per second on a busy machine.
app.get('/__cpu', (_req, res) => {
  const { user, system } = process.cpuUsage();
  res.type('text').send(String(user + system));
});

if (kind === 'noop') {
  app.use((_req, _res, next) => next());
} else if (kind === 'floor') {
  const sessions = new Map();
  const token = randomBytes(32).toString('base64url');
  sessions.set(createHash('sha256').update(token).digest('base64url'), { userId: 'bench' });
  cookie = `sid=${token}`;
  app.use((req, _res, next) => {
    const header = req.headers.cookie ?? '';
    const at = header.indexOf('sid=');
    const value = at === -1 ? '' : header.slice(at + 4).split(';')[0];
    req.user = sessions.get(createHash('sha256').update(value).digest('base64url'));
    next();
  });
} else if (kind === 'limited') {
  const limiter = createSessionLimiter({ pruneInterval: false });
  const opened = await limiter.open({ userId: 'bench', device: { userAgent: 'wrk' } });
  if (!opened.ok) throw new Error('could not open the benchmark session');
  cookie = `__Host-sid=${opened.token}`;
  app.use(sessionLimit(limiter));
}

// The floor and sessionLimit routes read the session their middleware left on req, as a route
// would (on Express each such read costs a lookup, see src/adapters/express.ts).
app.get('/', (req, res) => {
  const signedIn =
    kind === 'limited'
      ? req.sessionLimit.session !== null
      : kind === 'floor'
        ? req.user !== undefined
        : true;
  res.type('text').send(signedIn ? 'ok' : 'no');
});

const server = app.listen(port, '127.0.0.1', () => {
  console.log(`ready ${server.address().port} ${cookie}`);
});
