import type {
  AuthContext,
  BetterAuthPlugin,
  GenericEndpointContext,
  HookEndpointContext,
  Session,
  User,
} from 'better-auth';
import { APIError, createAuthEndpoint, createAuthMiddleware } from 'better-auth/api';
import { deleteSessionCookie } from 'better-auth/cookies';
import { SessionLimiterError, configError } from '../errors.js';
import type { SessionLimiter } from '../limiter.js';
import { describeSessionEnd } from '../messages.js';
import type { InvalidSession, TrackResult } from '../results.js';
import { type OwnedSessionView, failureStatus, ownedSessionsView, standing } from './owned.js';

/**
 * A better-auth user row, with the app's additional fields: what the policy sees by default.
 *
 * @example
 * ```ts
 * const policy = (user: BetterAuthUser) => (user.role === 'staff' ? { max: 1 } : { max: 5 });
 * ```
 */
export type BetterAuthUser = User & Record<string, unknown>;

/**
 * Options of the better-auth plugin {@link sessionLimit}.
 *
 * @example
 * ```ts
 * const options: SessionLimitPluginOptions = { limiter, replaceHeader: 'x-replace-session' };
 * ```
 */
export interface SessionLimitPluginOptions<TUser = BetterAuthUser> {
  /** The limiter whose policy the sign-ins are held to. */
  limiter: SessionLimiter<TUser>;
  /**
   * The request header naming the session (its better-auth `id`) to sign out in the same step,
   * when a sign-in was refused with 409. Default `'x-session-limit-replace'`.
   */
  replaceHeader?: string;
  /** The user as the policy sees it; default: better-auth's user row (with additional fields). */
  user?: (user: BetterAuthUser) => TUser | Promise<TUser>;
  /** The sentence for an ended session, e.g. to translate it. Default `describeSessionEnd`. */
  message?: (ended: InvalidSession) => string;
}

/**
 * What a 409 answer lists: the live sessions, each by its better-auth id; never a token.
 *
 * @example
 * ```ts
 * const { error } = await authClient.signIn.email(body);
 * const active = (error as { active?: LiveSessionView[] }).active ?? [];
 * ```
 */
export type LiveSessionView = OwnedSessionView;

const ID = 'session-limit';
const OWNER = 'better-auth';
const REVOKE_PATHS = new Set(['/revoke-session', '/revoke-sessions', '/revoke-other-sessions']);
/**
 * A tracked session younger than this is never taken for an orphan: its row may not be visible
 * yet (the insert follows the hook, perhaps in a transaction).
 */
const ORPHAN_GRACE_MS = 30_000;

/**
 * better-auth plugin: holds every session better-auth creates to the limiter's policy. A
 * sign-in at the limit evicts older sessions (deleted through better-auth's own adapter, so its
 * `getSession` refuses them at once) or, in reject mode, is answered 409
 * `SESSION_LIMIT_REACHED` with the live sessions listed; the client retries with the
 * `x-session-limit-replace` header naming one. Sign-outs and revocations keep the registry in
 * step, and `GET /api/auth/session-limit/ended` tells a signed-out browser why.
 *
 * @param options the limiter; the replace header, the user the policy sees, the sentence
 * @throws SessionLimiterError `INVALID_CONFIG` for a bad option, or when better-auth is set to
 * let the database number sessions (`advanced.database.generateId: 'serial'` or `false`)
 * @example
 * ```ts
 * import { betterAuth } from 'better-auth';
 * import { createSessionLimiter } from 'session-limiter';
 * import { sessionLimit } from 'session-limiter/better-auth';
 *
 * const limiter = createSessionLimiter({
 *   policy: (user: { role?: string }) => (user.role === 'staff' ? { max: 1 } : { max: 3, onLimit: 'reject' }),
 * });
 * export const auth = betterAuth({
 *   database,
 *   emailAndPassword: { enabled: true },
 *   plugins: [sessionLimit({ limiter })],
 * });
 * ```
 */
export function sessionLimit<TUser = BetterAuthUser>(
  options: SessionLimitPluginOptions<TUser>,
): BetterAuthPlugin {
  const { limiter, replaceHeader, userOf, message } = checkOptions(options);
  let auth: AuthContext | undefined;
  // The context object of init: better-auth finishes its internalAdapter on it after every
  // plugin's init, so it is read at call time, never kept.
  const owner = (): AuthContext => {
    if (!auth)
      throw new APIError('INTERNAL_SERVER_ERROR', { message: `${ID} was not initialised` });
    return auth;
  };

  /** Deletes sessions through better-auth, which wants their tokens; it is given only ids. */
  async function deleteSessions(userId: string, ids: readonly string[]): Promise<void> {
    if (ids.length === 0) return;
    const { internalAdapter } = owner();
    for (const row of await internalAdapter.listSessions(userId)) {
      if (ids.includes(row.id)) await internalAdapter.deleteSession(row.token);
    }
  }

  /**
   * Untracks sessions better-auth no longer has (deleted where no hook fired, expired there, or
   * whose insert failed after the hook). True if any was.
   */
  async function reconcile(userId: string): Promise<boolean> {
    const kept = new Set((await owner().internalAdapter.listSessions(userId)).map((s) => s.id));
    let changed = false;
    for (const tracked of await limiter.list(userId)) {
      const id = tracked.externalId;
      if (id === undefined || kept.has(id) || !ownedByUs(tracked.data)) continue;
      if (limiter.now() - tracked.createdAt < ORPHAN_GRACE_MS) continue;
      changed = (await limiter.untrack(userId, id)) || changed;
    }
    return changed;
  }

  async function trackNew(
    session: Session & Record<string, unknown>,
    context: GenericEndpointContext | null,
  ): Promise<{ data: { id: string } }> {
    const ctx = owner();
    const id = typeof session.id === 'string' ? session.id : ctx.generateId({ model: 'session' });
    if (typeof id !== 'string') throw serialIds();
    const row = await ctx.internalAdapter.findUserById(session.userId);
    if (!row) throw new APIError('UNAUTHORIZED', { message: 'no such user' });
    const replace = context?.headers?.get(replaceHeader) ?? undefined;
    const track = () => trackSession({ ...session, id }, row, replace);
    try {
      let result = await track();
      // A refusal may count sessions better-auth no longer has: drop those, and ask once more.
      if (!result.ok && (await reconcile(session.userId))) result = await track();
      if (!result.ok) {
        throw new APIError('CONFLICT', {
          code: result.code,
          message:
            'This account is signed in on as many devices as it may be: sign one out to sign in here.',
          active: ownedSessionsView(result.active),
        });
      }
      await deleteSessions(session.userId, result.ended);
    } catch (error) {
      throw asApiError(error);
    }
    return { data: { id } };
  }

  /** Holds one better-auth session to the policy (`replace`: after a 409, the one to end). */
  async function trackSession(
    session: Pick<Session, 'id' | 'userId' | 'userAgent' | 'ipAddress'>,
    user: BetterAuthUser,
    replace?: string,
  ): Promise<TrackResult> {
    return limiter.track({
      userId: session.userId,
      user: await userOf(user),
      externalId: session.id,
      device: { userAgent: session.userAgent ?? undefined, ip: session.ipAddress || undefined },
      replace,
      data: { via: OWNER },
    });
  }

  /** The per-request check of a session better-auth returned: true to keep it. */
  function keeps(session: Session, user: BetterAuthUser): Promise<boolean> {
    return standing(limiter, {
      userId: session.userId,
      externalId: session.id,
      // Sessions from before the plugin was added are tracked at first sight.
      track: () => trackSession(session, user),
    });
  }

  const getSessionCheck = createAuthMiddleware(async (ctx) => {
    const found = ctx.context.returned;
    if (!isSessionAnswer(found)) return;
    try {
      if (await keeps(found.session, found.user)) return;
      await ctx.context.internalAdapter.deleteSession(found.session.token);
    } catch (error) {
      throw asApiError(error);
    }
    deleteSessionCookie(ctx);
    return ctx.json(null);
  });

  const listSessionsCheck = createAuthMiddleware(async (ctx) => {
    const listed = ctx.context.returned;
    const user = ctx.context.session?.user;
    if (!Array.isArray(listed) || !user) return;
    const kept: Session[] = [];
    try {
      for (const session of listed as Session[]) {
        if (await keeps(session, user)) kept.push(session);
        else await ctx.context.internalAdapter.deleteSession(session.token);
      }
      await reconcile(user.id);
    } catch (error) {
      throw asApiError(error);
    }
    return kept.length === listed.length ? undefined : ctx.json(kept);
  });

  const ended = createAuthEndpoint(
    `/${ID}/ended`,
    { method: 'GET', requireHeaders: true },
    async (ctx) => {
      const mark = await ctx.getSignedCookie(markCookie(ctx), ctx.context.secret);
      const [userId, sessionId] = splitMark(mark);
      if (!userId || !sessionId) return ctx.json({ ended: null });
      try {
        const why = await limiter.whyEnded(userId, sessionId);
        if (!why) return await ctx.json({ ended: null });
        const { code, reason, at, by } = why;
        return await ctx.json({
          ended: { code, reason, at, by: by?.device.label, message: message(why) },
        });
      } catch (error) {
        throw asApiError(error);
      }
    },
  );

  // Remembers which session this browser holds (its public ids, signed), so that after an
  // eviction, when the row is gone, the sign-in page can still ask why.
  const markNewSession = createAuthMiddleware(async (ctx) => {
    const created = ctx.context.newSession;
    if (!created) return;
    await ctx.setSignedCookie(
      markCookie(ctx),
      `${created.user.id} ${created.session.id}`,
      ctx.context.secret,
      {
        ...ctx.context.authCookies.sessionToken.attributes,
        maxAge: ctx.context.sessionConfig.expiresIn,
      },
    );
  });

  return {
    id: ID,
    init(ctx) {
      auth = ctx;
      if (ctx.generateId({ model: 'session' }) === false) throw serialIds();
      return {
        options: {
          session: {
            // Cached cookies are trusted only while the limiter says the session is live.
            cookieCache: {
              version: async (session: Session) =>
                (await limiter.isLive(session.userId, session.id)) ? '1' : 'ended',
            },
          },
          databaseHooks: {
            session: {
              create: { before: trackNew },
              delete: {
                after: async (session, context) => {
                  try {
                    const revoked = context?.path !== undefined && REVOKE_PATHS.has(context.path);
                    await limiter.untrack(
                      session.userId,
                      session.id,
                      revoked ? { reason: 'revoked' } : {},
                    );
                  } catch (error) {
                    // The row is gone already; the registry catches up at the next check.
                    ctx.logger.error(`[${ID}] could not untrack a deleted session`, error);
                  }
                },
              },
            },
          },
        },
      };
    },
    hooks: {
      after: [
        {
          matcher: (ctx: HookEndpointContext) => ctx.path === '/get-session',
          handler: getSessionCheck,
        },
        {
          matcher: (ctx: HookEndpointContext) => ctx.path === '/list-sessions',
          handler: listSessionsCheck,
        },
        {
          // Only answers that created a session: every other request skips the handler.
          matcher: (ctx: HookEndpointContext) => Boolean(ctx.context.newSession),
          handler: markNewSession,
        },
      ],
    },
    endpoints: { sessionLimitEnded: ended },
    $ERROR_CODES: {
      SESSION_LIMIT_REACHED: {
        code: 'SESSION_LIMIT_REACHED',
        message: 'This account is signed in on as many devices as it may be',
      },
    },
  } satisfies BetterAuthPlugin;
}

function checkOptions<TUser>(options: SessionLimitPluginOptions<TUser>) {
  if (typeof options !== 'object' || (options as unknown) === null) {
    throw configError('options', 'must be an object such as { limiter }');
  }
  const { limiter, replaceHeader = 'x-session-limit-replace', user, message } = options;
  if (
    typeof limiter !== 'object' ||
    (limiter as unknown) === null ||
    typeof limiter.track !== 'function'
  ) {
    throw configError('limiter', 'must be a limiter from createSessionLimiter');
  }
  if (!/^[a-z0-9-]+$/i.test(replaceHeader)) {
    throw configError('replaceHeader', 'must be a header name (letters, digits, -)');
  }
  for (const [name, value] of [
    ['user', user],
    ['message', message],
  ] as const) {
    if (value !== undefined && typeof value !== 'function')
      throw configError(name, 'must be a function');
  }
  return {
    limiter,
    replaceHeader,
    userOf: user ?? ((row: BetterAuthUser) => row as TUser),
    message: message ?? describeSessionEnd,
  };
}

/** A limiter failure as better-auth answers it: 503 for the store (fail closed), 400, 500. */
function asApiError(error: unknown): unknown {
  if (!(error instanceof SessionLimiterError)) return error;
  const status = failureStatus(error);
  return new APIError(
    status === 400
      ? 'BAD_REQUEST'
      : status === 500
        ? 'INTERNAL_SERVER_ERROR'
        : 'SERVICE_UNAVAILABLE',
    { code: error.code, message: error.message },
  );
}

function ownedByUs(data: unknown): boolean {
  return typeof data === 'object' && data !== null && (data as { via?: unknown }).via === OWNER;
}

function isSessionAnswer(value: unknown): value is { session: Session; user: BetterAuthUser } {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { session?: { id?: unknown } }).session?.id === 'string' &&
    typeof (value as { user?: { id?: unknown } }).user?.id === 'string'
  );
}

function markCookie(ctx: { context: AuthContext }): string {
  return ctx.context.createAuthCookie('session_limit').name;
}

function splitMark(mark: string | false | null): string[] {
  return typeof mark === 'string' ? mark.split(' ') : [];
}

function serialIds(): Error {
  return configError(
    'advanced.database.generateId',
    `${ID} needs better-auth to choose session ids ('serial' and false leave them to the database)`,
  );
}
