import * as crypto from 'node:crypto';
import { createHash, randomBytes } from 'node:crypto';

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
const BASE64URL = /^[A-Za-z0-9_-]+$/;
const TOKEN_PATTERN = new RegExp(`^[A-Za-z0-9_-]{${ID_LENGTH}}\\.[A-Za-z0-9_-]{${SECRET_LENGTH}}$`);

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

/**
 * The session id of a session another system owns: the user's tag and 132 bits of a hash of the
 * user and the external id, so the same external id always finds its session (in every process)
 * and no two users' external ids meet.
 */
export function externalSessionId(userId: string, externalId: string): string {
  const digest = createHash('sha256').update(`${userId}\u0000${externalId}`).digest('base64url');
  return userTag(userId) + digest.slice(0, ID_LENGTH - TAG_LENGTH);
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
  if (typeof token !== 'string' || !TOKEN_PATTERN.test(token)) return null;
  return { id: token.slice(0, ID_LENGTH), secret: token.slice(ID_LENGTH + 1) };
}

/** The stored form of a secret: SHA-256, base64url. */
export function hashSecret(secret: string): string {
  return sha256(secret);
}

/**
 * Compares a presented secret with a stored hash without stopping at the first difference.
 * (What leaks through timing would be a hash of a guess anyway, which helps no attacker.)
 */
export function secretMatches(secret: string, storedHash: string): boolean {
  return sameText(sha256(secret), storedHash);
}

/** String equality that reads every character, whatever the first difference. */
export function sameText(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let difference = 0;
  for (let i = 0; i < a.length; i++) difference |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return difference === 0;
}

// crypto.hash (Node >= 20.12) is a one-shot hash without a Hash object: cheaper per request.
// Looked up on the namespace, since a named import would fail to load on older Node 20.
const oneShot = (crypto as { hash?: typeof crypto.hash }).hash;
const sha256: (data: string) => string = oneShot
  ? (data) => oneShot('sha256', data, 'base64url')
  : (data) => createHash('sha256').update(data).digest('base64url');
