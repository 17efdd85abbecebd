// The cookie-session routes of every example, framework-free: each takes the request's
// SessionLimitContext (the same object in every adapter) and returns the JSON to send, or throws
// an HttpError. A framework only maps its routes onto these.
import type { SessionInfo } from '../../src/index.js';
import type { SessionLimitContext } from '../../src/http/context.js';
import type { Accounts } from '../demo/passwords.js';
import type { DemoUser } from '../demo/users.js';
import { HttpError } from './answers.js';
import { readCredentials } from './input.js';

/** The signed-in user and session of a request, or a 401 `UNAUTHENTICATED`. */
export function requireSession(
  context: SessionLimitContext,
  accounts: Accounts,
): { user: DemoUser; session: SessionInfo } {
  const { session } = context;
  const user = session ? accounts.find(session.userId) : undefined;
  if (!session || !user) throw new HttpError(401, 'UNAUTHENTICATED', 'Sign in first.');
  return { user, session };
}

/**
 * Reads a sign-in body and checks the password, before any limit is looked at: a refusal for
 * the limit says nothing to someone without it. Throws 401 when it is wrong.
 */
export async function signIn(
  accounts: Accounts,
  body: unknown,
): Promise<{ user: DemoUser; replace: string | undefined }> {
  const { username, password, replace } = readCredentials(body);
  const user = await accounts.authenticate(username, password);
  if (!user) throw new HttpError(401, 'INVALID_CREDENTIALS', 'Wrong username or password.');
  return { user, replace };
}

/** The 409 when an account is at its limit and its policy refuses new sign-ins. */
export function limitReached(user: DemoUser, active: SessionInfo[]): HttpError {
  const message = `${user.name} is already signed in on ${active.length} devices, the most this account allows. Choose a device to sign out.`;
  return new HttpError(409, 'SESSION_LIMIT_REACHED', message, { active });
}

/** `/api/login`, `/api/me`, `/api/sessions` and the rest, as answers to a request's context. */
export class SessionApi {
  constructor(readonly accounts: Accounts) {}

  /** `POST /api/login` `{username, password, replace?}`. */
  async login(context: SessionLimitContext, body: unknown) {
    const { user, replace } = await signIn(this.accounts, body);
    const opened = await context.login(user, { replace });
    if (!opened.ok) throw limitReached(user, opened.active);
    return { user, session: opened.session };
  }

  /** `GET /api/me`. */
  me(context: SessionLimitContext) {
    return requireSession(context, this.accounts);
  }

  /** `GET /api/sessions`. */
  async sessions(context: SessionLimitContext) {
    const { session } = requireSession(context, this.accounts);
    return { sessions: await context.list(), current: session.id };
  }

  /** `DELETE /api/sessions/:id`. */
  async revoke(context: SessionLimitContext, id: string) {
    requireSession(context, this.accounts);
    return { revoked: await context.revoke(id) };
  }

  /** `POST /api/sessions/revoke-others`. */
  async revokeOthers(context: SessionLimitContext) {
    requireSession(context, this.accounts);
    return { revoked: await context.revokeOthers() };
  }

  /** `POST /api/logout`. */
  async logout(context: SessionLimitContext) {
    return { signedOut: await context.logout() };
  }
}
