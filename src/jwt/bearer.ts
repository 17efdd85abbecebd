import type { InvalidSession, InvalidSessionCode } from '../results.js';
import { describeSessionEnd } from '../messages.js';
import type { SessionInfo } from '../session.js';
import type { JwtSessions, JwtVerifyResult } from './sessions.js';
import {
  type AccessTokenClaims,
  type InvalidToken,
  type InvalidTokenReason,
  MAX_TOKEN_LENGTH,
  invalidToken,
} from './tokens.js';

/**
 * What an `Authorization` header holds, as {@link readBearerToken} reads it.
 *
 * - `none`: no header, or a credential of another scheme (`Basic ...`): not ours, pass through.
 * - `token`: a well-formed `Bearer <token>`.
 * - `malformed`: says `Bearer` but is not `Bearer <token>`; `problem` says what is wrong.
 *
 * @example
 * ```ts
 * const h = readBearerToken(req.headers.authorization);
 * if (h.kind === 'token') await jwt.verify(h.token);
 * ```
 */
export type BearerHeader =
  { kind: 'none' } | { kind: 'token'; token: string } | { kind: 'malformed'; problem: string };

/**
 * The refusal {@link authenticateBearer} hands the adapter, ready to send: always HTTP 401, the
 * code and reason to match on, a sentence for a person, and the RFC 6750 `WWW-Authenticate`
 * value.
 *
 * @example
 * ```ts
 * res.status(r.status).set('WWW-Authenticate', r.wwwAuthenticate)
 *   .json({ error: { code: r.code, reason: r.reason, message: r.message } });
 * ```
 */
export interface BearerRefusal {
  kind: 'refused';
  status: 401;
  code: InvalidSessionCode | 'INVALID_TOKEN';
  /** `'evicted'`, `'logout'`, ... for an ended session; a token reason for `INVALID_TOKEN`. */
  reason?: string;
  message: string;
  wwwAuthenticate: string;
  /** The refusal itself, with `at` and `by` when a session ended. */
  result: InvalidSession | InvalidToken;
}

/**
 * The outcome of {@link authenticateBearer}: no bearer token (let the request through; the app
 * decides whether it needs one), a live session with the token's claims, or a refusal.
 *
 * @example
 * ```ts
 * const auth = await authenticateBearer(jwt, req.headers.authorization);
 * if (auth.kind === 'authenticated') console.log(auth.session.id, auth.claims.sub);
 * ```
 */
export type BearerAuthentication =
  | { kind: 'none' }
  | { kind: 'authenticated'; session: SessionInfo; claims: AccessTokenClaims }
  | BearerRefusal;

/** Room for `Bearer `, the longest token accepted, and nothing else. */
const MAX_HEADER_LENGTH = 'Bearer '.length + MAX_TOKEN_LENGTH;
/** The auth-scheme: everything up to the first whitespace. */
const SCHEME = /^[^\s]*/;
/** RFC 6750 b64token. */
const B64TOKEN = /^[A-Za-z0-9\-._~+/]+=*$/;
const NONE = Object.freeze({ kind: 'none' as const });
const SHAPE = 'must be "Bearer <token>": the scheme, one space, and the token';

/**
 * Reads an `Authorization` header strictly: the `Bearer` scheme (any case, as RFC 7235 says), one
 * space, and a token of RFC 6750 characters, bounded in length. Never throws.
 *
 * @param header the header value (`req.headers.authorization`), or undefined when absent
 * @example
 * ```ts
 * readBearerToken('Bearer eyJhbGciOi...'); // { kind: 'token', token: 'eyJhbGciOi...' }
 * readBearerToken(undefined);              // { kind: 'none' }
 * readBearerToken('Basic dTpw');           // { kind: 'none' }: another scheme
 * readBearerToken('Bearer');               // { kind: 'malformed', problem: '...' }
 * ```
 */
export function readBearerToken(header: string | undefined): BearerHeader {
  if (header === undefined || header === '') return NONE;
  if (typeof header !== 'string') return malformed('must be a single string');
  const scheme = SCHEME.exec(header)?.[0] ?? '';
  if (scheme.toLowerCase() !== 'bearer') return NONE;
  if (header.length > MAX_HEADER_LENGTH) {
    return malformed(`is too long (at most ${MAX_HEADER_LENGTH} characters)`);
  }
  const token = header.slice(scheme.length + 1);
  return header[scheme.length] === ' ' && B64TOKEN.test(token)
    ? { kind: 'token', token }
    : malformed(SHAPE);
}

/**
 * The one bearer step every framework adapter calls: reads the header, verifies the access
 * token, and answers in a form ready to send. A request without a bearer token is `none`, to
 * pass through untouched. Throws only what `verify` throws: `STORE_UNAVAILABLE` (answer 503,
 * never let the request through).
 *
 * @param jwt the `JwtSessions` the tokens were issued by
 * @param header the `Authorization` header value, or undefined
 * @example
 * ```ts
 * const auth = await authenticateBearer(jwt, req.headers.authorization);
 * if (auth.kind === 'none') return next();
 * if (auth.kind === 'refused') {
 *   return res.status(auth.status).set('WWW-Authenticate', auth.wwwAuthenticate)
 *     .json({ error: { code: auth.code, reason: auth.reason, message: auth.message } });
 * }
 * req.auth = { session: auth.session, claims: auth.claims };
 * next();
 * ```
 */
export async function authenticateBearer(
  jwt: Pick<JwtSessions, 'verify' | 'now'>,
  header: string | undefined,
): Promise<BearerAuthentication> {
  const read = readBearerToken(header);
  if (read.kind === 'none') return NONE;
  if (read.kind === 'malformed') {
    return refuse(invalidToken('malformed'), read.problem, 'invalid_request');
  }
  const verified: JwtVerifyResult = await jwt.verify(read.token);
  if (verified.ok) {
    return { kind: 'authenticated', session: verified.session, claims: verified.claims };
  }
  const message =
    verified.code === 'INVALID_TOKEN'
      ? describeInvalidToken(verified.reason)
      : describeSessionEnd(verified, jwt.now());
  return refuse(verified, message, 'invalid_token');
}

function refuse(
  result: InvalidSession | InvalidToken,
  message: string,
  error: 'invalid_request' | 'invalid_token',
): BearerRefusal {
  // Only fixed words (codes, reason words) go in the header: nothing to quote or escape.
  const description = result.reason === undefined ? result.code : `${result.code} ${result.reason}`;
  const refusal: BearerRefusal = {
    kind: 'refused',
    status: 401,
    code: result.code,
    message,
    wwwAuthenticate: `Bearer error="${error}", error_description="${description}"`,
    result,
  };
  if (result.reason !== undefined) refusal.reason = result.reason;
  return refusal;
}

/**
 * A sentence for a person about a token that is not a valid access (or refresh) token: the
 * `INVALID_TOKEN` counterpart of `describeSessionEnd`.
 *
 * @param reason the `reason` of an `INVALID_TOKEN` answer
 * @param kind which token the client sent where it was refused
 * @example
 * ```ts
 * const r = await jwt.refresh(token);
 * if (!r.ok && r.code === 'INVALID_TOKEN') res.status(401).json({ message: describeInvalidToken(r.reason, 'refresh') });
 * ```
 */
export function describeInvalidToken(
  reason: InvalidTokenReason,
  kind: 'access' | 'refresh' = 'access',
): string {
  const other = kind === 'access' ? 'refresh' : 'access';
  switch (reason) {
    case 'expired':
      return kind === 'access'
        ? 'Your access token has expired. Refresh it or sign in again.'
        : 'Your refresh token has expired. Please sign in again.';
    case 'type':
      return `This is not ${kind === 'access' ? 'an access' : 'a refresh'} token. Send the ${kind} token, not the ${other} token.`;
    default:
      return `Your ${kind} token is not valid. Please sign in again.`;
  }
}

function malformed(problem: string): BearerHeader {
  return { kind: 'malformed', problem: `The Authorization header ${problem}.` };
}
