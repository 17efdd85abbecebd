// The Express adapter under hostile input, in cookie and bearer mode, through its public API on
// a small app: generated requests with malformed and oversized cookies, bearer tokens, JSON
// bodies, headers, user agents and user or session ids, sent as raw bytes. Every answer is a 2xx,
// a 303 to a same-origin path or a 4xx with a stable code; never another 5xx, never a hang. The
// session is read by the exact cookie name only, whatever else the header holds; device labels
// never carry markup. Then OWASP WSTG-SESS-11 at limit 1: 100 sign-ins in a row leave every
// earlier token dead, and 100 at once leave exactly one alive.
import { randomBytes } from 'node:crypto';
import { parseCookie } from 'cookie';
import express, { type Express, type NextFunction, type Request, type Response } from 'express';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createSessionLimiter,
  type SessionInfo,
  SessionLimiterError,
  type SessionLimiter,
} from '../../src/index.js';
import { sessionLimit } from '../../src/adapters/express.js';
import { createJwtSessions, type JwtSessions } from '../../src/jwt/index.js';
import { Browser, listen } from '../support/browser.js';
import { mountSessionRoutes } from '../support/session-routes.js';
import {
  type Known,
  cookieHeader,
  hostileRequest,
  junk,
  oversized,
  ruleBroken,
} from './hostile.js';
import { type RawAnswer, sendRaw } from './raw.js';

/** Cases per property; `FUZZ_RUNS` asks for more (`npm run test:fuzz`). */
const RUNS = Number(process.env.FUZZ_RUNS ?? 1_000);
/** A generous 20 ms a case, for a busy machine. */
const PATIENCE = 60_000 + RUNS * 20;

interface User {
  id: string;
}

const appErrors: unknown[] = [];
const unexpected: unknown[] = [];
const record = (error: unknown) => unexpected.push(error);

/** The routes of the app under attack; their own refusals carry stable codes too. */
function routes(app: Express, jwt: JwtSessions<User>): void {
  const route =
    (handler: (req: Request, res: Response) => Promise<unknown>) =>
    (req: Request, res: Response, next: NextFunction) => {
      handler(req, res).catch(next);
    };
  const field = (req: Request, name: string): string | undefined => {
    const value = (req.body as Record<string, unknown> | undefined)?.[name];
    if (value === undefined || typeof value === 'string') return value;
    throw new SessionLimiterError('INVALID_ARGUMENT', `${name} must be a string`);
  };
  app.post(
    '/api/login',
    route(async (req, res) => {
      const username = field(req, 'username');
      if (username === undefined) return res.status(400).json({ error: { code: 'NO_USER' } });
      const opened = await req.sessionLimit.login(
        { id: username },
        { replace: field(req, 'replace') },
      );
      if (!opened.ok) return res.status(409).json({ error: { code: opened.code } });
      return res.json({ session: opened.session });
    }),
  );
  app.post(
    '/api/token',
    route(async (req, res) => {
      const username = field(req, 'username') ?? '';
      const device = { userAgent: req.get('user-agent'), ip: req.ip };
      const opened = await jwt.login({ userId: username, user: { id: username }, device });
      if (!opened.ok) return res.status(409).json({ error: { code: opened.code } });
      return res.json(opened);
    }),
  );
  app.post(
    '/api/token/refresh',
    route(async (req, res) => {
      const refreshed = await jwt.refresh(field(req, 'refreshToken') ?? '');
      if (!refreshed.ok) return res.status(401).json({ error: { code: refreshed.code } });
      return res.json(refreshed);
    }),
  );
  app.get('/api/me', (req, res) => {
    if (!req.sessionLimit.session)
      return res.status(401).json({ error: { code: 'UNAUTHENTICATED' } });
    return res.json({ session: req.sessionLimit.session });
  });
  mountSessionRoutes(app);
  app.use((_req: Request, res: Response) => {
    res.status(404).json({ error: { code: 'NOT_FOUND' } });
  });
  app.use((error: unknown, _req: Request, res: Response, _next: NextFunction) => {
    const status = (error as { status?: unknown } | null)?.status;
    if (error instanceof SessionLimiterError) {
      const statusOf: Record<string, number> = {
        SESSION_NOT_FOUND: 404,
        INVALID_ARGUMENT: 400,
        INVALID_TOKEN: 401,
        STORE_UNAVAILABLE: 503,
      };
      const answer = statusOf[error.code];
      if (answer) return res.status(answer).json({ error: { code: error.code } });
    } else if (typeof status === 'number' && status >= 400 && status < 500) {
      return res.status(400).json({ error: { code: 'INVALID_REQUEST' } });
    }
    appErrors.push(error);
    return res.status(500).json({ error: { code: 'INTERNAL' } });
  });
}

/** An app on the adapter in `mode`, listening on 127.0.0.1. */
async function serve(
  limiter: SessionLimiter<User>,
  jwt: JwtSessions<User>,
  mode: 'cookie' | 'bearer',
) {
  const app = express();
  app.use(express.json({ limit: '10kb' }));
  app.use(sessionLimit(limiter, mode === 'bearer' ? { mode, jwt } : {}));
  routes(app, jwt);
  return listen(app);
}

const PATHS = [
  '/api/me',
  '/api/login',
  '/api/logout',
  '/api/sessions',
  '/api/sessions/revoke-others',
  '/api/token',
  '/api/token/refresh',
];

let limiter: SessionLimiter<User>;
let jwt: JwtSessions<User>;
let cookieUrl: string;
let bearerUrl: string;
const closers: (() => Promise<void>)[] = [];

beforeAll(async () => {
  process.on('unhandledRejection', record);
  process.on('uncaughtException', record);
  limiter = createSessionLimiter<User>({
    policy: (user) => (user.id.startsWith('solo') ? { max: 1 } : { max: Infinity }),
  });
  jwt = createJwtSessions(limiter, {
    secret: randomBytes(32).toString('base64url'),
    issuer: 'hostile-test',
    audience: 'hostile-test',
  });
  for (const mode of ['cookie', 'bearer'] as const) {
    const server = await serve(limiter, jwt, mode);
    closers.push(server.close);
    if (mode === 'cookie') cookieUrl = server.url;
    else bearerUrl = server.url;
  }
});
afterAll(async () => {
  process.off('unhandledRejection', record);
  process.off('uncaughtException', record);
  for (const close of closers) await close();
  await limiter.dispose();
});

/** Signs `username` in through the cookie app: the browser, its cookie and the session. */
async function signIn(username: string, userAgent?: string) {
  const browser = new Browser(cookieUrl, userAgent);
  const r = await browser.json<{ session: SessionInfo }>('/api/login', { json: { username } });
  expect(r.status).toBe(200);
  const cookie = [...browser.cookies].find(([name]) => name.startsWith('__Host-'));
  if (!cookie) throw new Error('no __Host- cookie');
  return { browser, session: r.body.session, cookieName: cookie[0], token: cookie[1] };
}

/** A live and a revoked cookie session, and live and revoked JWTs, to mix into the junk. */
async function knownSecrets(): Promise<Known> {
  const live = await signIn('mallory');
  const doomed = await signIn('mallory');
  await limiter.revoke('mallory', doomed.session.id);
  const tokens = await jwt.login({ userId: 'mallory', user: { id: 'mallory' } });
  const doomedTokens = await jwt.login({ userId: 'mallory', user: { id: 'mallory' } });
  if (!tokens.ok || !doomedTokens.ok) throw new Error('setup');
  await limiter.revoke('mallory', doomedTokens.session.id);
  return {
    cookieName: live.cookieName,
    live: live.token,
    revoked: doomed.token,
    liveId: live.session.id,
    accessToken: tokens.accessToken,
    refreshToken: tokens.refreshToken,
    revokedAccessToken: doomedTokens.accessToken,
    paths: PATHS,
  };
}

async function expectRule(url: string, known: Known, runs: number): Promise<void> {
  await fc.assert(
    fc.asyncProperty(hostileRequest(known), async (request) => {
      const broken = ruleBroken(await sendRaw(url, request), request.method);
      if (broken) throw new Error(broken);
    }),
    { numRuns: runs },
  );
  expect(appErrors).toEqual([]);
  expect(unexpected).toEqual([]);
}

describe('the Express adapter under hostile input', () => {
  it(
    `cookie mode: answers ${RUNS} generated hostile requests with a 2xx, a 303 or a stable 4xx`,
    async () => {
      await expectRule(cookieUrl, await knownSecrets(), RUNS);
    },
    PATIENCE,
  );

  it(
    `bearer mode: answers ${RUNS} generated hostile requests with a 2xx, a 303 or a stable 4xx`,
    async () => {
      await expectRule(bearerUrl, await knownSecrets(), RUNS);
    },
    PATIENCE,
  );

  it(
    'takes the session from the first cookie of the exact name only, and never clears it for junk',
    async () => {
      const live = await signIn('trent');
      const known: Known = { ...(await knownSecrets()), live: live.token, liveId: live.session.id };
      await fc.assert(
        fc.asyncProperty(cookieHeader(known), async (header) => {
          const answer = await sendRaw(cookieUrl, {
            method: 'GET',
            path: '/api/me',
            headers: [['Cookie', header]],
          });
          if (typeof answer === 'string') throw new Error(`no answer (${answer})`);
          // Node refuses a header it cannot parse or hold before the adapter runs.
          if (answer.status === 431 || (answer.status === 400 && answer.body === '')) return;
          const chosen = parseCookie(header)[live.cookieName];
          const signedIn = sessionIdOf(answer);
          if (chosen === live.token) {
            expect(signedIn, header).toBe(live.session.id);
            expect(answer.headers['set-cookie'], header).toBeUndefined();
          } else {
            expect(signedIn, header).toBeUndefined();
          }
        }),
        { numRuns: RUNS },
      );
      expect((await live.browser.json('/api/me')).status).toBe(200);
    },
    PATIENCE,
  );

  it(
    'keeps device labels free of markup, whatever the User-Agent',
    async () => {
      const agents = fc.oneof(
        junk(600).map((text) => text.replace(/[\r\n]/g, ' ')),
        oversized.map((text) => text.slice(0, 8_000)),
        fc.constantFrom(
          '<img src=x onerror=alert(1)>/1 (x',
          '<script>alert(1)</script>',
          'Mozilla/5.0 (<b>Windows</b>) "quoted" \'single\' &amp;',
        ),
      );
      await fc.assert(
        fc.asyncProperty(agents, async (userAgent) => {
          const answer = await sendRaw(cookieUrl, {
            method: 'POST',
            path: '/api/login',
            headers: [
              ['User-Agent', userAgent],
              ['Content-Type', 'application/json'],
            ],
            body: JSON.stringify({ username: 'agent' }),
          });
          if (typeof answer === 'string') throw new Error(`no answer (${answer})`);
          if (answer.status === 400 && answer.body === '') return; // Node refused the bytes
          expect(answer.status).toBe(200);
          const { session } = JSON.parse(answer.body) as { session: SessionInfo };
          expect(session.device.label).toMatch(/^[\p{L}\p{Nd} ._()/-]{0,100}$/u);
        }),
        { numRuns: Math.ceil(RUNS / 2.5) },
      );
    },
    PATIENCE,
  );

  it('WSTG-SESS-11: 100 sign-ins in a row at limit 1 leave every earlier token dead', async () => {
    const signIns = [];
    for (let i = 0; i < 100; i++) signIns.push(await signIn('solo-sequential'));
    const codes: string[] = [];
    for (const earlier of signIns.slice(0, -1)) {
      const r = await earlier.browser.json<{ error: { code: string; reason?: string } }>('/api/me');
      expect(r.status).toBe(401);
      codes.push(`${r.body.error.code} ${r.body.error.reason ?? ''}`.trim());
    }
    // Evicted, said so while the store keeps the tombstone; unknown once it has let it go.
    for (const code of codes)
      expect(['SESSION_REVOKED evicted', 'UNAUTHENTICATED']).toContain(code);
    expect(codes.at(-1)).toBe('SESSION_REVOKED evicted');
    expect((await signIns.at(-1)?.browser.json('/api/me'))?.status).toBe(200);
    expect(await limiter.list('solo-sequential')).toHaveLength(1);
  }, 60_000);

  it('WSTG-SESS-11: 100 sign-ins at once at limit 1 leave exactly one alive', async () => {
    const signIns = await Promise.all(Array.from({ length: 100 }, () => signIn('solo-parallel')));
    const alive = [];
    for (const s of signIns) {
      if ((await s.browser.json('/api/me')).status === 200) alive.push(s.session.id);
    }
    expect(alive).toHaveLength(1);
    expect((await limiter.list('solo-parallel')).map((s) => s.id)).toEqual(alive);
  }, 60_000);
});

/** The session id a `GET /api/me` answer signed the request in as, if any. */
function sessionIdOf(answer: RawAnswer): string | undefined {
  if (answer.status !== 200) return undefined;
  return (JSON.parse(answer.body) as { session: SessionInfo }).session.id;
}
