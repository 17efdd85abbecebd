import type { DeviceInput } from '../device.js';
import { argumentError } from '../errors.js';
import type { SessionLimiter } from '../limiter.js';
import { describeSessionEnd } from '../messages.js';
import type { InvalidSession } from '../results.js';
import { type OwnedSessionView, ownedSessionsView, standingOf } from './owned.js';

/**
 * The claims {@link checkIdpSession} reads from an access token the app has verified: the
 * subject, and the identity provider's session id (`sid` for OpenID Connect providers such as
 * Auth0, Keycloak, Clerk; `session_id` for Supabase).
 *
 * @example
 * ```ts
 * const { payload } = await jwtVerify(token, jwks, { issuer, audience });
 * const claims: IdpClaims = payload;
 * ```
 */
export interface IdpClaims {
  sub?: string | undefined;
  sid?: unknown;
  session_id?: unknown;
  [claim: string]: unknown;
}

/**
 * Options of {@link checkIdpSession}.
 *
 * @example
 * ```ts
 * const options: IdpSessionOptions<User> = { user, device: { userAgent: req.get('user-agent') } };
 * ```
 */
export interface IdpSessionOptions<TUser = unknown> {
  /** The user, for a policy that is a function of it (needed the first time a session is seen). */
  user?: TUser;
  /** The device presenting the token (read the first time the session is seen). */
  device?: DeviceInput;
  /** The claim naming the session; default: `sid`, else `session_id`. */
  claim?: string;
}

/**
 * The answer of {@link checkIdpSession}.
 *
 * @example
 * ```ts
 * const r: IdpSessionResult = await checkIdpSession(limiter, payload);
 * if (!r.ok) return res.status(r.code === 'SESSION_LIMIT_REACHED' ? 409 : 401).json(r);
 * ```
 */
export type IdpSessionResult =
  | {
      ok: true;
      userId: string;
      sessionId: string;
      /** Sessions of this user the limit just ended (their ids): revoke them at the provider. */
      ended: string[];
    }
  | (InvalidSession & { message: string })
  | { ok: false; code: 'SESSION_LIMIT_REACHED'; active: OwnedSessionView[] };

/**
 * For apps that verify an identity provider's JWT themselves (with jose): holds the provider's
 * session (the token's `sid`, or Supabase's `session_id`) to the limiter's policy. A session is
 * tracked the first time one of its tokens is seen, which may end older sessions of the user
 * (`ended`: revoke them at the provider too, or let them be refused here); a token of a session
 * the limiter ended is refused with the reason, until it expires and after, even when the
 * provider refreshes it (the session id stays). The check costs what `validate` does.
 *
 * @param limiter the limiter
 * @param claims the verified token's payload (verify the signature, `iss`, `aud` and `exp` first)
 * @param options the user (for a policy function), the device, the claim naming the session
 * @throws SessionLimiterError `INVALID_ARGUMENT` when the claims carry no subject or session id
 * @example
 * ```ts
 * import { createRemoteJWKSet, jwtVerify } from 'jose';
 * import { checkIdpSession } from 'session-limiter/idp';
 *
 * const jwks = createRemoteJWKSet(new URL('https://example.supabase.co/auth/v1/.well-known/jwks.json'));
 * app.use(async (req, res, next) => {
 *   const { payload } = await jwtVerify(bearerToken(req), jwks, { audience: 'authenticated' });
 *   const r = await checkIdpSession(limiter, payload, { device: { userAgent: req.get('user-agent') } });
 *   if (!r.ok) return res.status(r.code === 'SESSION_LIMIT_REACHED' ? 409 : 401).json({ error: r });
 *   next();
 * });
 * ```
 */
export async function checkIdpSession<TUser>(
  limiter: SessionLimiter<TUser>,
  claims: IdpClaims,
  options: IdpSessionOptions<TUser> = {},
): Promise<IdpSessionResult> {
  const userId = claims.sub;
  if (typeof userId !== 'string' || userId === '') {
    throw argumentError('claims.sub', 'must name the user (the token has no subject)');
  }
  const sessionId = sessionIdOf(claims, options.claim);
  const standing = await standingOf(limiter, {
    userId,
    externalId: sessionId,
    track: () =>
      limiter.track({
        userId,
        externalId: sessionId,
        ...(options.user === undefined ? {} : { user: options.user }),
        ...(options.device === undefined ? {} : { device: options.device }),
      }),
  });
  switch (standing.kind) {
    case 'live':
      return { ok: true, userId, sessionId, ended: standing.ended };
    case 'ended':
      return { ...standing.ended, message: describeSessionEnd(standing.ended) };
    case 'refused':
      return {
        ok: false,
        code: 'SESSION_LIMIT_REACHED',
        active: ownedSessionsView(standing.active),
      };
  }
}

function sessionIdOf(claims: IdpClaims, claim: string | undefined): string {
  const names = claim === undefined ? ['sid', 'session_id'] : [claim];
  for (const name of names) {
    const value = claims[name];
    if (typeof value === 'string' && value !== '') return value;
  }
  throw argumentError(
    `claims.${names[0] ?? 'sid'}`,
    `must carry the provider's session id (looked for ${names.join(', ')})`,
  );
}
