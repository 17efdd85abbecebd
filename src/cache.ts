import type { FoundRecord } from './store.js';

/** How many recent invalidations are remembered to stop late fills. */
const RECENT_LIMIT = 10_000;

/**
 * A per-process cache of session lookups, used only while the store's push channel is up: every
 * ended session anywhere invalidates its entry here within the push delay.
 *
 * A store call that started before an invalidation must not put the old answer back (a revoked
 * session "resurrected" by a slow read or a slow last-seen write). Every invalidation takes a
 * sequence number; a fill or update carries the number current when its store call began and
 * is dropped if its id was invalidated since, or if that is too long ago to know. And session
 * ids are never reused, so nothing replaces a cached tombstone with a live record.
 */
export class LookupCache {
  readonly #entries = new Map<string, { found: FoundRecord; expires: number }>();
  readonly #recent = new Map<string, number>();
  readonly #maxEntries: number;
  readonly #ttl: number;
  readonly #now: () => number;
  #sequence = 0;
  #floor = 0;
  #enabled = false;

  constructor(options: { maxEntries: number; ttl: number; now: () => number }) {
    this.#maxEntries = options.maxEntries;
    this.#ttl = options.ttl;
    this.#now = options.now;
  }

  /** Whether answers may come from the cache (the push channel is up). */
  get enabled(): boolean {
    return this.#enabled;
  }

  /** Number of cached lookups. */
  get size(): number {
    return this.#entries.size;
  }

  /** The push channel came up (true) or went down (false: forget everything). */
  setEnabled(enabled: boolean): void {
    this.#enabled = enabled;
    this.clear();
  }

  get(id: string): FoundRecord | undefined {
    if (!this.#enabled) return undefined;
    const entry = this.#entries.get(id);
    if (!entry) return undefined;
    if (entry.expires <= this.#now()) {
      this.#entries.delete(id);
      return undefined;
    }
    return entry.found;
  }

  /** Call before every store call whose answer goes into the cache; pass it to `fill`/`update`. */
  mark(): number {
    return this.#sequence;
  }

  /** Caches a store answer unless the id was invalidated after the read began. */
  fill(id: string, found: FoundRecord, mark: number): void {
    if (!this.#enabled || !this.#admits(id, found, mark)) return;
    this.#entries.delete(id);
    this.#entries.set(id, { found, expires: this.#now() + this.#ttl });
    if (this.#entries.size > this.#maxEntries) {
      // Maps iterate in insertion order: the first key is the least recently filled.
      const oldest = this.#entries.keys().next();
      if (!oldest.done) this.#entries.delete(oldest.value);
    }
  }

  /**
   * Replaces a cached entry after this process itself changed it (a last-seen write), unless the
   * id was invalidated after the write began.
   */
  update(id: string, found: FoundRecord, mark: number): void {
    if (this.#entries.has(id) && this.#admits(id, found, mark)) {
      this.#entries.set(id, { found, expires: this.#now() + this.#ttl });
    }
  }

  /** The session changed or ended somewhere: drop it, and refuse fills that started earlier. */
  invalidate(id: string): void {
    this.#sequence++;
    this.#entries.delete(id);
    this.#recent.delete(id);
    this.#recent.set(id, this.#sequence);
    if (this.#recent.size > RECENT_LIMIT) {
      const oldest = this.#recent.entries().next();
      if (!oldest.done) {
        this.#recent.delete(oldest.value[0]);
        this.#floor = oldest.value[1];
      }
    }
  }

  /** Whether an answer from a store call that began at `mark` may go into the cache. */
  #admits(id: string, found: FoundRecord, mark: number): boolean {
    if (mark < this.#floor) return false;
    const invalidatedAt = this.#recent.get(id);
    if (invalidatedAt !== undefined && invalidatedAt > mark) return false;
    return found.kind === 'tombstone' || this.#entries.get(id)?.found.kind !== 'tombstone';
  }

  clear(): void {
    this.#sequence++;
    this.#floor = this.#sequence;
    this.#entries.clear();
    this.#recent.clear();
  }
}
