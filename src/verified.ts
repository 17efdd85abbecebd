import { sameText, secretMatches } from './token.js';

/**
 * Secrets this process has already checked against their stored hash, by session id, so the
 * next request of the same session compares two strings instead of hashing again: a SHA-256 of
 * a cold request is the largest cost of the per-request check. The secrets stay in this
 * process's memory only (never in a store), the oldest is dropped past `maxEntries`, and an
 * entry counts only while the session's stored hash is the one it was checked against.
 */
export class VerifiedSecrets {
  readonly #entries = new Map<string, { hash: string; secret: string }>();
  readonly #maxEntries: number;

  constructor(maxEntries: number) {
    this.#maxEntries = maxEntries;
  }

  /** Number of remembered secrets. */
  get size(): number {
    return this.#entries.size;
  }

  /** Whether `secret` hashes to `storedHash`; the same answer as `secretMatches`, often cheaper. */
  matches(id: string, secret: string, storedHash: string): boolean {
    const known = this.#entries.get(id);
    if (known !== undefined && known.hash === storedHash && sameText(known.secret, secret)) {
      return true;
    }
    // A wrong secret is hashed like any other, so its answer takes no less time than without
    // this memory.
    if (!secretMatches(secret, storedHash)) return false;
    if (known === undefined && this.#entries.size >= this.#maxEntries) {
      const oldest = this.#entries.keys().next();
      if (!oldest.done) this.#entries.delete(oldest.value);
    }
    // A copy: the presented secret is a slice of the whole Cookie header, which must not be kept.
    this.#entries.set(id, {
      hash: storedHash,
      secret: Buffer.from(secret, 'latin1').toString('latin1'),
    });
    return true;
  }

  /** The session ended: its secret is no longer worth keeping. */
  forget(id: string): void {
    this.#entries.delete(id);
  }
}
