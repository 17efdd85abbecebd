// One Express 5 app for the hot-path benchmark, in its own process: `bare` (no session
// checks), `floor` (a hand-written check: read the cookie, SHA-256 it, look it up in a Map) or
// `limited` (sessionLimit in cookie mode with the memory store). Prints "ready <cookie>".
import { createHash, randomBytes } from 'node:crypto';
import express, { type RequestHandler } from 'express';
import { createSessionLimiter } from '../../src/index.js';
import { sessionLimit } from '../../src/adapters/express.js';

const kind = process.argv[2] ?? 'bare';
const port = Number(process.argv[3] ?? 0);
const app = express();
app.disable('x-powered-by');
app.disable('etag');
let cookie = `sid=${randomBytes(32).toString('base64url')}`;

if (kind === 'floor') {
  const sessions = new Map<string, { userId: string }>();
  const token = randomBytes(32).toString('base64url');
  sessions.set(createHash('sha256').update(token).digest('base64url'), { userId: 'bench' });
  cookie = `sid=${token}`;
  const floor: RequestHandler = (req, _res, next) => {
    const header = req.headers.cookie ?? '';
    const at = header.indexOf('sid=');
    const value = at === -1 ? '' : header.slice(at + 4).split(';')[0]!;
    const found = sessions.get(createHash('sha256').update(value).digest('base64url'));
    (req as { user?: unknown }).user = found;
    next();
  };
  app.use(floor);
} else if (kind === 'limited') {
  const limiter = createSessionLimiter({ pruneInterval: false });
  const opened = await limiter.open({ userId: 'bench', device: { userAgent: 'wrk' } });
  if (!opened.ok) throw new Error('could not open the benchmark session');
  cookie = `sid=${opened.token}`;
  app.use(sessionLimit(limiter));
}

app.get('/', (req, res) => {
  const signedIn = kind === 'limited' ? req.sessionLimit.session !== null : true;
  res.type('text').send(signedIn ? 'ok' : 'no');
});

const server = app.listen(port, '127.0.0.1', () => {
  const address = server.address();
  const actual = typeof address === 'object' && address ? address.port : port;
  console.log(`ready ${actual} ${cookie}`);
});
