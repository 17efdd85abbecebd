import express, {
  type NextFunction,
  type Request,
  type RequestHandler,
  type Response,
} from 'express';
import session from 'express-session';
import passport from 'passport';
import { Strategy as LocalStrategy } from 'passport-local';
import { afterEach, describe, expect, it } from 'vitest';
import { createSessionLimiter, type SessionLimiter } from '../../src/index.js';
import { sessionLimit } from '../../src/adapters/express.js';
import { Browser, listen } from '../support/browser.js';
import { FIREFOX_WIN } from '../conformance/adapters.js';

// The README's Passport recipe, as written there: passport-local checks the password,
// session-limiter applies the limit in express-session mode, then Passport records the login.

interface User {
  id: string;
  plan: 'staff' | 'family' | 'customer';
}
const USERS: Record<string, User> = {
  alice: { id: 'alice', plan: 'staff' },
  carol: { id: 'carol', plan: 'family' },
  bob: { id: 'bob', plan: 'customer' },
};

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0)) await close();
});

async function startApp(): Promise<{ url: string; limiter: SessionLimiter<User> }> {
  const limiter = createSessionLimiter<User>({
    policy: (user) =>
      user.plan === 'staff'
        ? { max: 1 }
        : user.plan === 'family'
          ? { max: 2, onLimit: 'reject' }
          : { max: Infinity },
  });

  const auth = new passport.Passport();
  auth.use(
    new LocalStrategy((username, password, done) => {
      const user = USERS[username];
      done(null, user && password === `${username}-password` ? user : false);
    }),
  );
  auth.serializeUser((user, done) => done(null, (user as User).id));
  auth.deserializeUser((id: string, done) => done(null, USERS[id] ?? false));

  const app = express();
  app.use(express.json());
  app.use(session({ secret: 'recipe-secret', resave: false, saveUninitialized: false }));
  app.use(sessionLimit(limiter, { mode: 'express-session' }));
  app.use(auth.session());

  /** passport.authenticate as a promise: the user if the password is right, else false. */
  const verify = (req: Request, res: Response) =>
    new Promise<User | false>((resolve, reject) => {
      const check = auth.authenticate(
        'local',
        { session: false },
        (error: unknown, user: User | false) => (error ? reject(toError(error)) : resolve(user)),
      ) as RequestHandler;
      void check(req, res, reject);
    });
  const recordLogin = (req: Request, user: User) =>
    new Promise<void>((resolve, reject) => {
      // keepSessionInfo: Passport regenerates the session and would drop the limiter's token.
      req.login(user, { session: true, keepSessionInfo: true }, (error) =>
        error ? reject(toError(error)) : resolve(),
      );
    });
  const recordLogout = (req: Request) =>
    new Promise<void>((resolve, reject) => {
      req.logout((error) => (error ? reject(toError(error)) : resolve()));
    });

  app.post(
    '/login',
    route(async (req, res) => {
      const user = await verify(req, res); // 1. Passport checks the password
      if (!user) return res.status(401).json({ error: { code: 'INVALID_CREDENTIALS' } });
      const { replace } = req.body as { replace?: string };
      const r = await req.sessionLimit.login(user, { replace }); // 2. the limit
      if (!r.ok) return res.status(409).json({ error: { code: r.code }, active: r.active });
      await recordLogin(req, user); // 3. Passport records the login
      return res.json({ session: r.session });
    }),
  );

  app.get('/me', (req, res) => {
    const user = req.user as User | undefined;
    if (!user || !req.sessionLimit.session) {
      return res.status(401).json({ error: { code: 'UNAUTHENTICATED' } });
    }
    return res.json({ user: user.id, session: req.sessionLimit.session.id });
  });

  app.post(
    '/logout',
    route(async (req, res) => {
      await recordLogout(req);
      return res.json({ closed: await req.sessionLimit.logout() });
    }),
  );

  const server = await listen(app);
  closers.push(async () => {
    await server.close();
    await limiter.dispose();
  });
  return { url: server.url, limiter };
}

function route(handler: (req: Request, res: Response) => Promise<unknown>): RequestHandler {
  return (req: Request, res: Response, next: NextFunction) => {
    handler(req, res).catch(next);
  };
}

function toError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}

async function logIn(browser: Browser, username: string, extra: Record<string, string> = {}) {
  return browser.json<{ session?: { id: string }; active?: { id: string }[] }>('/login', {
    json: { username, password: `${username}-password`, ...extra },
  });
}

describe('Passport recipe: passport-local + express-session + the express-session mode', () => {
  it('alice at limit 1: the second login signs the first browser out, Passport user and all', async () => {
    const { url } = await startApp();
    const first = new Browser(url);
    expect((await logIn(first, 'alice')).status).toBe(200);
    expect(await first.json('/me')).toMatchObject({ status: 200, body: { user: 'alice' } });

    const second = new Browser(url, FIREFOX_WIN);
    expect((await logIn(second, 'alice')).status).toBe(200);
    const refused = await first.json<{ error: { code: string; reason: string; message: string } }>(
      '/me',
    );
    expect(refused.status).toBe(401);
    expect(refused.body.error).toMatchObject({ code: 'SESSION_REVOKED', reason: 'evicted' });
    expect(refused.body.error.message).toContain('Firefox 133 on Windows');
    // Its express-session (and the Passport login in it) was destroyed.
    expect(await first.json('/me')).toMatchObject({
      status: 401,
      body: { error: { code: 'UNAUTHENTICATED' } },
    });
    expect(await second.json('/me')).toMatchObject({ status: 200, body: { user: 'alice' } });
  });

  it('a wrong password never reaches the limiter', async () => {
    const { url, limiter } = await startApp();
    const browser = new Browser(url);
    const wrong = await browser.json('/login', { json: { username: 'bob', password: 'nope' } });
    expect(wrong.status).toBe(401);
    expect(await limiter.list('bob')).toEqual([]);
  });

  it('carol in reject mode gets 409 with her devices, then replaces one', async () => {
    const { url } = await startApp();
    const phone = new Browser(url);
    await logIn(phone, 'carol');
    await logIn(new Browser(url, FIREFOX_WIN), 'carol');
    const third = new Browser(url);
    const refused = await logIn(third, 'carol');
    expect(refused.status).toBe(409);
    expect(refused.body.active).toHaveLength(2);
    expect(await third.json('/me')).toMatchObject({ status: 401 });

    const phoneId = (await phone.json<{ session: string }>('/me')).body.session;
    const retry = await logIn(third, 'carol', { replace: phoneId });
    expect(retry.status).toBe(200);
    expect(await third.json('/me')).toMatchObject({ status: 200, body: { user: 'carol' } });
    expect(await phone.json('/me')).toMatchObject({
      status: 401,
      body: { error: { reason: 'replaced' } },
    });
  });

  it('req.logout and the limiter logout end both sessions', async () => {
    const { url, limiter } = await startApp();
    const bob = new Browser(url);
    await logIn(bob, 'bob');
    expect(await limiter.list('bob')).toHaveLength(1);
    expect(await bob.json('/logout', { method: 'POST' })).toMatchObject({
      status: 200,
      body: { closed: true },
    });
    expect(await limiter.list('bob')).toEqual([]);
    expect(await bob.json('/me')).toMatchObject({
      status: 401,
      body: { error: { code: 'UNAUTHENTICATED' } },
    });
  });
});
