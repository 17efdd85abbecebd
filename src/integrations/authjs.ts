import { createHash, randomBytes } from 'node:crypto';
import type { Adapter, AdapterSession, AdapterUser } from '@auth/core/adapters';
import { AccessDenied } from '@auth/core/errors';
import type { JWT } from '@auth/core/jwt';
import type { Session, User } from '@auth/core/types';
import type { DeviceInput } from '../device.js';
import { configError } from '../errors.js';
import type { SessionLimiter } from '../limiter.js';
import type { TrackResult } from '../results.js';
import { standing } from './owned.js';

/**
 * Options of {@link sessionLimitCallbacks} and {@link limitAdapter}.
 *
 * @example
 * ```ts
 * const options: AuthjsLimitOptions<User> = { user: (u) => ({ id: u.id, role: u.role }) };
 * ```
 */
export interface AuthjsLimitOptions<TUser = User> {
  /** The user as the policy sees it; default: Auth.js's user as given at sign-in. */
  user?: (user: User | AdapterUser) => TUser | Promise<TUser>;
  /**
   * The device signing in. Auth.js passes its callbacks no request, so the label reads "Unknown"
   * unless the app can say (Next.js: `() => ({ userAgent: (await headers()).get('user-agent') })`).
   */
  device?: () => DeviceInput | undefined | Promise<DeviceInput | undefined>;
}

/**
 * The `jwt` and `session` callbacks of {@link sessionLimitCallbacks}.
 *
 * @example
 * ```ts
 * const limit: SessionLimitCallbacks = sessionLimitCallbacks(limiter);
 * ```
 */
export interface SessionLimitCallbacks {
  /**
   * At sign-in, tracks a new session and puts its id in the token (`sid`); afterwards, returns
   * null once that session was evicted or revoked, which makes Auth.js clear the cookie.
   */
  jwt: (params: { token: JWT; user?: User | AdapterUser | undefined }) => Promise<JWT | null>;
  /** Adds the session id (`sessionId`) to the session the app sees, e.g. to mark "this device". */
  session: <S extends Session>(params: { session: S; token: JWT }) => S & { sessionId?: string };
}

/**
 * Auth.js, JWT strategy: callbacks that hold each sign-in to the limiter's policy. The session
 * is tracked at sign-in under a new id kept in the token (`sid`); an evicted or revoked session
 * is refused on its next request that reaches the server (the `jwt` callback returns null and
 * Auth.js clears the cookie). A sign-in refused in reject mode throws `AccessDenied`. Call them
 * from your own callbacks to add more.
 *
 * @example
 * ```ts
 * import { Auth } from '@auth/core';
 * import Credentials from '@auth/core/providers/credentials';
 * import { sessionLimitCallbacks } from 'session-limiter/authjs';
 *
 * const limit = sessionLimitCallbacks(limiter);
 * const config = {
 *   providers: [Credentials({ authorize: checkPassword })],
 *   session: { strategy: 'jwt' },
 *   callbacks: { jwt: limit.jwt, session: limit.session },
 * } satisfies AuthConfig;
 * const response = await Auth(request, config);
 * ```
 */
export function sessionLimitCallbacks<TUser = User>(
  limiter: SessionLimiter<TUser>,
  options: AuthjsLimitOptions<TUser> = {},
): SessionLimitCallbacks {
  const track = tracker(limiter, options);
  return {
    jwt: async ({ token, user }) => {
      if (user) {
        const userId = user.id ?? token.sub;
        if (!userId)
          throw configError('user.id', 'is needed to track the session (authorize must return it)');
        const sid = newSessionId();
        refuseAtLimit(await track(userId, sid, user));
        return { ...token, sid };
      }
      const { sid, sub } = token;
      if (typeof sub !== 'string') return token;
      if (typeof sid !== 'string') {
        // A token from before the limit was added: tracked at first sight, under a new id.
        const fresh = newSessionId();
        return (await track(sub, fresh)).ok ? { ...token, sid: fresh } : null;
      }
      const ok = await standing(limiter, {
        userId: sub,
        externalId: sid,
        track: () => track(sub, sid),
      });
      return ok ? token : null;
    },
    session: ({ session, token }) => {
      return typeof token.sid === 'string' ? { ...session, sessionId: token.sid } : session;
    },
  };
}

/**
 * Auth.js, database strategy: wraps the adapter so that `createSession` holds each new session to
 * the limiter's policy, `getSessionAndUser` refuses (and deletes) a session the limiter ended,
 * and `deleteSession` (sign-out) untracks it. The session token is a secret, so the limiter keeps
 * only a SHA-256 handle of it. A sign-in refused in reject mode throws `AccessDenied`.
 *
 * @example
 * ```ts
 * import { limitAdapter } from 'session-limiter/authjs';
 *
 * const config = {
 *   adapter: limitAdapter(PrismaAdapter(prisma), limiter),
 *   session: { strategy: 'database' },
 *   providers: [GitHub],
 * } satisfies AuthConfig;
 * ```
 */
export function limitAdapter<TAdapter extends Adapter, TUser = User>(
  adapter: TAdapter,
  limiter: SessionLimiter<TUser>,
  options: AuthjsLimitOptions<TUser> = {},
): TAdapter {
  if (
    !adapter.createSession ||
    !adapter.getSessionAndUser ||
    !adapter.deleteSession ||
    !adapter.getUser
  ) {
    throw configError(
      'adapter',
      'must implement createSession, getSessionAndUser, deleteSession and getUser (the database strategy)',
    );
  }
  // Bound: an adapter may be a class instance that uses `this`.
  const createSession = adapter.createSession.bind(adapter);
  const getSessionAndUser = adapter.getSessionAndUser.bind(adapter);
  const deleteSession = adapter.deleteSession.bind(adapter);
  const getUser = adapter.getUser.bind(adapter);
  const track = tracker(limiter, options);
  return {
    ...adapter,
    async createSession(session: AdapterSession) {
      const user = (await getUser(session.userId)) ?? undefined;
      refuseAtLimit(await track(session.userId, handleOf(session.sessionToken), user));
      return createSession(session);
    },
    async getSessionAndUser(sessionToken: string) {
      const found = await getSessionAndUser(sessionToken);
      if (!found) return null;
      const userId = found.session.userId;
      const handle = handleOf(sessionToken);
      const ok = await standing(limiter, {
        userId,
        externalId: handle,
        track: () => track(userId, handle, found.user),
      });
      if (ok) return found;
      await deleteSession(sessionToken);
      return null;
    },
    async deleteSession(sessionToken: string) {
      const found = await getSessionAndUser(sessionToken);
      const deleted = await deleteSession(sessionToken);
      if (found) await limiter.untrack(found.session.userId, handleOf(sessionToken));
      return deleted;
    },
  };
}

/**
 * The limiter's handle of an Auth.js database session: a SHA-256 of its token, so the registry
 * never holds the secret. Use it with `limiter.whyEnded(userId, handle)`.
 *
 * @example
 * ```ts
 * const why = await limiter.whyEnded(userId, sessionHandle(cookies['authjs.session-token']));
 * ```
 */
export function sessionHandle(sessionToken: string): string {
  return handleOf(sessionToken);
}

function tracker<TUser>(limiter: SessionLimiter<TUser>, options: AuthjsLimitOptions<TUser>) {
  const { user: userOf, device } = options;
  for (const [name, value] of [
    ['user', userOf],
    ['device', device],
  ] as const) {
    if (value !== undefined && typeof value !== 'function') {
      throw configError(name, 'must be a function');
    }
  }
  return async (userId: string, externalId: string, user?: User | AdapterUser) => {
    const given = user ?? { id: userId };
    return limiter.track({
      userId,
      user: userOf ? await userOf(given) : (given as TUser),
      externalId,
      device: (await device?.()) ?? {},
    });
  };
}

function refuseAtLimit(result: TrackResult): void {
  if (!result.ok) throw new AccessDenied('SESSION_LIMIT_REACHED');
}

function newSessionId(): string {
  return randomBytes(18).toString('base64url');
}

function handleOf(sessionToken: string): string {
  return createHash('sha256').update(sessionToken).digest('base64url');
}
