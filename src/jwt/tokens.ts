import { randomBytes } from 'node:crypto';
import { type JWTPayload, type JWTVerifyOptions, SignJWT, errors, jwtVerify } from 'jose';
import { SessionLimiterError } from '../errors.js';
import { isSessionId } from '../token.js';
import { type ImportedKeys, importKeys } from './keys.js';
import type { ResolvedJwtOptions } from './options.js';

/**
 * Why a token was refused before any session was looked up. Stable words, safe to log and to
 * show: `'malformed'` (not a JWT, or too long), `'algorithm'` (not on the allow-list, `none`
 * included), `'signature'` (forged, tampered, or another key), `'expired'`, `'not-yet-valid'`,
 * `'issuer'`, `'audience'`, `'type'` (a refresh token where an access token belongs, or the
 * reverse), `'claims'` (a required claim missing or of the wrong shape).
 *
 * @example
 * ```ts
 * const v = await jwt.verify(token);
 * if (!v.ok && v.code === 'INVALID_TOKEN' && v.reason === 'expired') await refreshAndRetry();
 * ```
 */
export type InvalidTokenReason =
  | 'malformed'
  | 'algorithm'
  | 'signature'
  | 'expired'
  | 'not-yet-valid'
  | 'issuer'
  | 'audience'
  | 'type'
  | 'claims';

/**
 * The answer for a token that is not a valid token of the expected kind.
 *
 * @example
 * ```ts
 * const bad: InvalidToken = { ok: false, code: 'INVALID_TOKEN', reason: 'signature' };
 * ```
 */
export interface InvalidToken {
  ok: false;
  code: 'INVALID_TOKEN';
  reason: InvalidTokenReason;
}

/**
 * The claims of a verified access token, as `verify` returns them.
 *
 * @example
 * ```ts
 * const v = await jwt.verify(token);
 * if (v.ok) console.log(v.claims.sub, v.claims.sid, new Date(v.claims.exp * 1000));
 * ```
 */
export interface AccessTokenClaims extends JWTPayload {
  /** The user id. */
  sub: string;
  /** The session id: the registry entry this token lives and dies with. */
  sid: string;
  /** A unique id of this token (random; not stored). */
  jti: string;
  /** Issued at, in epoch seconds. */
  iat: number;
  /** Expires at, in epoch seconds. */
  exp: number;
  iss: string;
  aud: string | string[];
}

/**
 * The claims of a verified refresh token: an access token's, plus the session's credential
 * generation it was issued for.
 *
 * @example
 * ```ts
 * const claims: RefreshTokenClaims = { ...accessClaims, gen: 3 };
 * ```
 */
export interface RefreshTokenClaims extends AccessTokenClaims {
  /** The generation `limiter.rotate` must find current; an older one is a replay. */
  gen: number;
}

/** Which kind of token a call expects. */
export type TokenKind = 'access' | 'refresh';

/** The `typ` header of each kind (RFC 9068 for access tokens; refresh tokens get their own). */
export const TOKEN_TYPES: Readonly<Record<TokenKind, string>> = {
  access: 'at+jwt',
  refresh: 'rt+jwt',
};

/** A verified token of one of the kinds asked for, its claims typed by its kind. */
type Verified<K extends TokenKind> = K extends TokenKind
  ? { ok: true; kind: K; claims: K extends 'refresh' ? RefreshTokenClaims : AccessTokenClaims }
  : never;

/** Longer than any token this module issues, short enough that junk is refused cheaply. */
export const MAX_TOKEN_LENGTH = 4096;
const MAX_USER_ID = 256;
const JTI_BYTES = 16;

/** The refusal for a token that failed its own checks. */
export function invalidToken(reason: InvalidTokenReason): InvalidToken {
  return { ok: false, code: 'INVALID_TOKEN', reason };
}

/**
 * Signs and verifies this module's tokens: one key import, one set of verifier options, the
 * claims checked for shape so the rest of the module can trust them.
 */
export class TokenCodec {
  readonly #options: ResolvedJwtOptions;
  readonly #keysReady: Promise<ImportedKeys>;
  readonly #verifyOptions: JWTVerifyOptions;
  readonly #usesDefaultClock: boolean;
  #keys: ImportedKeys | undefined;

  constructor(options: ResolvedJwtOptions) {
    this.#options = options;
    this.#usesDefaultClock = options.now === Date.now;
    this.#verifyOptions = Object.freeze({
      algorithms: [...options.algorithms],
      issuer: options.issuer,
      audience: options.audience,
      requiredClaims: ['exp', 'iat'],
    });
    this.#keysReady = importKeys(options.keys).then(
      (keys) => (this.#keys = keys),
      (cause: unknown) => {
        // A key pair found not to match is already the INVALID_CONFIG naming its field.
        if (cause instanceof SessionLimiterError) throw cause;
        throw new SessionLimiterError('INVALID_CONFIG', 'the JWT key could not be imported', {
          cause,
        });
      },
    );
    // A failed import is reported by the first call that needs the key, not as an unhandled
    // rejection at startup.
    this.#keysReady.catch(() => undefined);
  }

  /** Signs a token of `kind` for a session, expiring after `ttl` or at `notAfter`, if sooner. */
  async sign(
    kind: TokenKind,
    claims: { sub: string; sid: string; gen?: number },
    notAfter: number | null,
  ): Promise<string> {
    const { issuer, audience, accessTtl, refreshTtl, algorithms, now } = this.#options;
    const at = now();
    const ttl = kind === 'access' ? accessTtl : refreshTtl;
    const expiresAt = notAfter === null ? at + ttl : Math.min(at + ttl, notAfter);
    const payload: JWTPayload = {
      ...claims,
      jti: randomBytes(JTI_BYTES).toString('base64url'),
      iat: Math.floor(at / 1000),
      exp: Math.floor(expiresAt / 1000),
      iss: issuer,
      aud: audience,
    };
    const keys = this.#keys ?? (await this.#keysReady);
    return new SignJWT(payload)
      .setProtectedHeader({ alg: algorithms[0] as string, typ: TOKEN_TYPES[kind] })
      .sign(keys.sign);
  }

  /**
   * Verifies a token of one of `kinds`: length, signature with an allowed algorithm,
   * `exp`/`nbf`/`iss`/`aud`, the `typ` header, then the claims' shape. Never throws for bad
   * input.
   */
  async verify<K extends TokenKind>(
    token: unknown,
    kinds: readonly K[],
  ): Promise<Verified<K> | InvalidToken> {
    if (typeof token !== 'string' || token.length === 0 || token.length > MAX_TOKEN_LENGTH) {
      return invalidToken('malformed');
    }
    const keys = this.#keys ?? (await this.#keysReady);
    // With the default clock jose reads the time itself, and the options object is shared.
    const options = this.#usesDefaultClock
      ? this.#verifyOptions
      : { ...this.#verifyOptions, currentDate: new Date(this.#options.now()) };
    let payload: JWTPayload;
    let typ: unknown;
    try {
      const verified = await jwtVerify(token, keys.verify, options);
      payload = verified.payload;
      typ = verified.protectedHeader.typ;
    } catch (error) {
      return invalidToken(reasonOf(error));
    }
    const kind = kinds.find((k) => sameType(typ, TOKEN_TYPES[k]));
    if (kind === undefined) return invalidToken('type');
    if (!hasSessionClaims(payload, kind)) return invalidToken('claims');
    return { ok: true, kind, claims: payload } as Verified<K>;
  }
}

/** Maps what jose threw to a reason word. Anything unexpected counts as malformed input. */
function reasonOf(error: unknown): InvalidTokenReason {
  if (error instanceof errors.JOSEAlgNotAllowed) return 'algorithm';
  if (error instanceof errors.JWSSignatureVerificationFailed) return 'signature';
  if (error instanceof errors.JWTExpired) return 'expired';
  if (error instanceof errors.JWTClaimValidationFailed) return claimReason(error.claim);
  return 'malformed';
}

function claimReason(claim: string): InvalidTokenReason {
  switch (claim) {
    case 'iss':
      return 'issuer';
    case 'aud':
      return 'audience';
    case 'nbf':
      return 'not-yet-valid';
    default:
      return 'claims';
  }
}

/** Compares `typ` values as RFC 7515 says: case-insensitively, `application/` optional. */
function sameType(typ: unknown, expected: string): boolean {
  if (typeof typ !== 'string') return false;
  const normalised = typ.toLowerCase();
  return normalised === expected || normalised === `application/${expected}`;
}

function hasSessionClaims(payload: JWTPayload, kind: TokenKind): boolean {
  const { sub, sid, jti, gen } = payload;
  return (
    typeof sub === 'string' &&
    sub.length > 0 &&
    sub.length <= MAX_USER_ID &&
    isSessionId(sid) &&
    typeof jti === 'string' &&
    jti.length > 0 &&
    (kind === 'access' || (Number.isSafeInteger(gen) && (gen as number) >= 0))
  );
}
