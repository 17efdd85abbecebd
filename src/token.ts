import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * A session token is `<id>.<secret>`. The id is the session's public handle: a 6-character tag
 * of the user (see `userTag`) and 128 random bits, 28 base64url characters in all. The secret is
 * 256 random bits. The store keeps the id and a SHA-256 hash of the secret, never the secret,
 * so a dump of the store cannot be replayed.
 */
const TAG_LENGTH = 6;
const RANDOM_BYTES = 16;
const SECRET_BYTES = 32;
const ID_LENGTH = TAG_LENGTH + 22;
const SECRET_LENGTH = 43;
const TOKEN_LENGTH = ID_LENGTH + 1 + SECRET_LENGTH;
const BASE64URL = /^[A-Za-z0-9_-]+$/;

/**
 * A short, stable tag of a user id that every one of the user's session ids starts with. A
 * store can find a user's shard (a Redis Cluster hash slot, say) from a session id alone.
 *
 * @example
 * ```ts
 * newSessionId('alice').startsWith(userTag('alice')); // true
 * ```
 */
export function userTag(userId: string): string {
  return createHash('sha256').update(userId).digest('base64url').slice(0, TAG_LENGTH);
}

/** The user tag a session id starts with. */
export function tagOfSessionId(sessionId: string): string {
  return sessionId.slice(0, TAG_LENGTH);
}

/** A new random session id for a user: a public handle, safe to show and to pass to `revoke`. */
export function newSessionId(userId: string): string {
  return userTag(userId) + randomBytes(RANDOM_BYTES).toString('base64url');
}

/** True when `value` has the shape of a session id (used to refuse junk before a store read). */
export function isSessionId(value: unknown): value is string {
  return typeof value === 'string' && value.length === ID_LENGTH && BASE64URL.test(value);
}

/** A new secret token for session `id`, with the hash the store keeps instead of it. */
export function newToken(id: string): { token: string; tokenHash: string } {
  const secret = randomBytes(SECRET_BYTES).toString('base64url');
  return { token: `${id}.${secret}`, tokenHash: hashSecret(secret) };
}

/** Splits a token into id and secret, or returns null for anything that is not a token. */
export function parseToken(token: unknown): { id: string; secret: string } | null {
  if (typeof token !== 'string' || token.length !== TOKEN_LENGTH) return null;
  if (token.charCodeAt(ID_LENGTH) !== 46 /* '.' */ || !BASE64URL.test(token.replace('.', ''))) {
    return null;
  }
  return { id: token.slice(0, ID_LENGTH), secret: token.slice(ID_LENGTH + 1) };
}

/** The stored form of a secret: SHA-256, base64url. */
export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret).digest('base64url');
}

/** Compares a presented secret with a stored hash in constant time. */
export function secretMatches(secret: string, storedHash: string): boolean {
  const presented = Buffer.from(hashSecret(secret));
  const stored = Buffer.from(storedHash);
  return presented.length === stored.length && timingSafeEqual(presented, stored);
}
