import { type Duration, parseDuration } from '../duration.js';
import { configError, describeValue, rejectUnknownKeys } from '../errors.js';
import {
  ALGORITHMS_FOR,
  type AsymmetricKeyInput,
  type JwtAlgorithm,
  type KeyMaterial,
  type SecretInput,
  readKeys,
} from './keys.js';

/**
 * Options of `createJwtSessions`. Give either `secret` (HS256) or `privateKey` (with or without
 * `publicKey`: Ed25519 for EdDSA, P-256 for ES256).
 *
 * @example
 * ```ts
 * const options: JwtSessionsOptions = {
 *   secret: process.env.JWT_SECRET!,
 *   issuer: 'https://auth.example.com',
 *   audience: 'https://api.example.com',
 *   accessTtl: '5m',
 *   refreshTtl: '30d',
 * };
 * ```
 */
export interface JwtSessionsOptions {
  /**
   * An HS256 secret of at least 32 bytes: string (UTF-8), bytes, `KeyObject`, or an HMAC SHA-256
   * `CryptoKey` with usages `sign` and `verify` (non-extractable is fine: it is used as given).
   */
  secret?: SecretInput | undefined;
  /**
   * An Ed25519 or P-256 private key: `KeyObject`, `CryptoKey` (Ed25519 or ECDSA P-256, usage
   * `sign`, non-extractable is fine), PKCS#8 PEM or JWK.
   */
  privateKey?: AsymmetricKeyInput | undefined;
  /**
   * Its public key; derived from `privateKey` when omitted, and checked to match when given.
   * Required when `privateKey` is a non-extractable `CryptoKey`, whose public half cannot be
   * derived: pass the `publicKey` of its `CryptoKeyPair` (usage `verify`). Such a pair is
   * checked by the first call that signs or verifies.
   */
  publicKey?: AsymmetricKeyInput | undefined;
  /** The `iss` claim written and required. */
  issuer: string;
  /** The `aud` claim written and required. */
  audience: string;
  /** How long an access token lives. Default `'5m'`. */
  accessTtl?: Duration;
  /** How long a refresh token lives (never past the session's absolute timeout). Default `'30d'`. */
  refreshTtl?: Duration;
  /**
   * The algorithms accepted; the first one signs. Default: the one the key implies (`HS256`,
   * `EdDSA` or `ES256`). Each must fit the key; `none` is never accepted.
   */
  algorithms?: readonly JwtAlgorithm[];
  /**
   * The clock, in epoch milliseconds. Default `Date.now`. Pass the same clock as the limiter's
   * `now`, so token expiry and session expiry agree (tests pass a fake one to both).
   */
  now?: () => number;
}

/** The options after checking: what the token layer runs on. */
export interface ResolvedJwtOptions {
  keys: KeyMaterial;
  algorithms: readonly JwtAlgorithm[];
  issuer: string;
  audience: string;
  accessTtl: number;
  refreshTtl: number;
  now: () => number;
}

const OPTION_KEYS = new Set([
  'secret',
  'privateKey',
  'publicKey',
  'issuer',
  'audience',
  'accessTtl',
  'refreshTtl',
  'algorithms',
  'now',
]);
const MIN_TTL = 1000;
const MAX_CLAIM_LENGTH = 1024;

/** Checks every option up front; throws `INVALID_CONFIG` naming the field. */
export function resolveJwtOptions(options: unknown): ResolvedJwtOptions {
  if (typeof options !== 'object' || options === null) {
    throw configError('options', 'must be an object such as { secret, issuer, audience }');
  }
  const given = options as Record<string, unknown>;
  rejectUnknownKeys(given, OPTION_KEYS, 'createJwtSessions');
  const keys = readKeys(given);
  const now = given.now ?? Date.now;
  if (typeof now !== 'function') throw configError('now', 'must be a function');
  return {
    keys,
    algorithms: readAlgorithms(given.algorithms, ALGORITHMS_FOR[keys.family]),
    issuer: requiredString(given.issuer, 'issuer', "'https://auth.example.com'"),
    audience: requiredString(given.audience, 'audience', "'https://api.example.com'"),
    accessTtl: readTtl(given.accessTtl ?? '5m', 'accessTtl'),
    refreshTtl: readTtl(given.refreshTtl ?? '30d', 'refreshTtl'),
    now: now as () => number,
  };
}

function readAlgorithms(value: unknown, fit: readonly JwtAlgorithm[]): readonly JwtAlgorithm[] {
  if (value === undefined) return [fit[0] as JwtAlgorithm];
  if (!Array.isArray(value) || value.length === 0) {
    throw configError('algorithms', `must be a non-empty array such as ['${fit.join("', '")}']`);
  }
  for (const alg of value as unknown[]) {
    if (typeof alg === 'string' && alg.toLowerCase() === 'none') {
      throw configError(
        'algorithms',
        "must not contain 'none': unsigned tokens are never accepted",
      );
    }
    if (!fit.includes(alg as JwtAlgorithm)) {
      throw configError(
        'algorithms',
        `contains ${describeValue(alg)}, which does not match the key (it allows ${fit.join(', ')})`,
      );
    }
  }
  return Object.freeze([...new Set(value as JwtAlgorithm[])]);
}

function requiredString(value: unknown, field: string, example: string): string {
  if (typeof value !== 'string' || value.trim().length === 0 || value.length > MAX_CLAIM_LENGTH) {
    throw configError(
      field,
      `is required: a non-empty string of at most ${MAX_CLAIM_LENGTH} characters such as ${example}`,
    );
  }
  return value;
}

function readTtl(value: unknown, field: string): number {
  const ms = parseDuration(value, field, false);
  if (ms < MIN_TTL) throw configError(field, 'must be at least one second (JWT times are seconds)');
  return ms;
}
