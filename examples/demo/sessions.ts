import { Router, type Request, type Response } from 'express';
import type { SessionInfo } from '../../src/index.js';
import { HttpError, readCredentials, route, sendError } from './http.js';
import type { Accounts } from './passwords.js';
import type { DemoUser } from './users.js';

/** The signed-in user and session of a request, or a 401 `UNAUTHENTICATED`. */
export function requireSession(
  req: Request,
  accounts: Accounts,
): { user: DemoUser; session: SessionInfo } {
  const session = req.sessionLimit.session;
  const user = session ? accounts.find(session.userId) : undefined;
  if (!session || !user) throw new HttpError(401, 'UNAUTHENTICATED', 'Sign in first.');
  return { user, session };
}

/**
 * Reads a sign-in body and checks the password, before any limit is looked at: a refusal for
 * the limit says nothing to someone without it. Answers 401 and returns null when it is wrong.
 */
export async function checkCredentials(
  req: Request,
  res: Response,
  accounts: Accounts,
): Promise<{ user: DemoUser; replace: string | undefined } | null> {
  const { username, password, replace } = readCredentials(req);
  const user = await accounts.authenticate(username, password);
  if (!user) sendError(res, 401, 'INVALID_CREDENTIALS', 'Wrong username or password.');
  return user ? { user, replace } : null;
}

/** The 409 when an account is at its limit and its policy refuses new sign-ins. */
export function sendLimitReached(res: Response, user: DemoUser, active: SessionInfo[]): void {
  const message = `${user.name} is already signed in on ${active.length} devices, the most this account allows. Choose a device to sign out.`;
  sendError(res, 409, 'SESSION_LIMIT_REACHED', message, { active });
}

/** The cookie-session routes: sign in and out, who am I, and the "your sessions" list. */
export function sessionRoutes(accounts: Accounts): Router {
  const router = Router();

  router.post(
    '/login',
    route(async (req, res) => {
      const signIn = await checkCredentials(req, res, accounts);
      if (!signIn) return;
      const { user, replace } = signIn;
      const opened = await req.sessionLimit.login(user, { replace });
      if (!opened.ok) return sendLimitReached(res, user, opened.active);
      res.json({ user, session: opened.session });
    }),
  );

  router.get('/me', (req, res) => {
    res.json(requireSession(req, accounts));
  });

  router.get(
    '/sessions',
    route(async (req, res) => {
      const { session } = requireSession(req, accounts);
      res.json({ sessions: await req.sessionLimit.list(), current: session.id });
    }),
  );

  router.delete(
    '/sessions/:id',
    route(async (req, res) => {
      requireSession(req, accounts);
      res.json({ revoked: await req.sessionLimit.revoke(String(req.params.id)) });
    }),
  );

  router.post(
    '/sessions/revoke-others',
    route(async (req, res) => {
      requireSession(req, accounts);
      res.json({ revoked: await req.sessionLimit.revokeOthers() });
    }),
  );

  router.post(
    '/logout',
    route(async (req, res) => {
      res.json({ signedOut: await req.sessionLimit.logout() });
    }),
  );

  return router;
}
