import type { SessionEnd, SessionRecord, TombstoneRecord } from '../session.js';
import type { FoundRecord, SessionStore, UserChange, UserSnapshot } from '../store.js';

interface UserEntry {
  version: number;
  ids: Set<string>;
}

/**
 * Keeps sessions in this process's memory: the default store, for one process (tests, a single
 * server, development). Every operation runs to completion without awaiting, so each is atomic.
 * Bounded: the limiter's sweep ends lapsed sessions and forgets old tombstones.
 *
 * @example
 * ```ts
 * import { createSessionLimiter, MemoryStore } from 'session-limiter';
 * const limiter = createSessionLimiter({ store: new MemoryStore(), policy: { max: 1 } });
 * ```
 */
export class MemoryStore implements SessionStore {
  readonly #sessions = new Map<string, SessionRecord>();
  readonly #tombstones = new Map<string, TombstoneRecord>();
  readonly #users = new Map<string, UserEntry>();
  // One counter for every user: a user entry pruned and created again never repeats a version
  // that a slow compare-and-set may still hold.
  #versions = 0;

  /** Number of live or lapsed sessions held (for tests and metrics). */
  get size(): number {
    return this.#sessions.size;
  }

  /** Number of tombstones held (for tests and metrics). */
  get tombstones(): number {
    return this.#tombstones.size;
  }

  loadUser(userId: string): Promise<UserSnapshot> {
    const entry = this.#users.get(userId);
    const sessions: SessionRecord[] = [];
    for (const id of entry?.ids ?? []) {
      const record = this.#sessions.get(id);
      if (record) sessions.push(record);
    }
    return Promise.resolve({ version: entry?.version ?? 0, sessions });
  }

  commitUser(userId: string, version: number, change: UserChange): Promise<boolean> {
    const entry = this.#users.get(userId);
    if ((entry?.version ?? 0) !== version) return Promise.resolve(false);
    const user = entry ?? { version: 0, ids: new Set<string>() };
    this.#users.set(userId, user);
    user.version = ++this.#versions;
    for (const end of change.end) this.#remove(user, end);
    for (const record of change.put) {
      this.#sessions.set(record.id, record);
      user.ids.add(record.id);
    }
    return Promise.resolve(true);
  }

  endSession(end: SessionEnd): Promise<SessionRecord | null> {
    const record = this.#sessions.get(end.session.id);
    const user = this.#users.get(end.session.userId);
    if (!record || !user || record.userId !== end.session.userId) return Promise.resolve(null);
    user.version = ++this.#versions;
    this.#remove(user, end);
    return Promise.resolve(record);
  }

  find(id: string): Promise<FoundRecord | null> {
    return Promise.resolve(this.findNow(id));
  }

  findNow(id: string): FoundRecord | null {
    const session = this.#sessions.get(id);
    if (session) return { kind: 'session', record: session };
    const tombstone = this.#tombstones.get(id);
    return tombstone ? { kind: 'tombstone', record: tombstone } : null;
  }

  touch(id: string, lastSeenAt: number, expiresAt: number | null): Promise<void> {
    const record = this.#sessions.get(id);
    // Records are immutable: readers may still hold the old one.
    if (record) this.#sessions.set(id, { ...record, lastSeenAt, expiresAt });
    return Promise.resolve();
  }

  lapsed(now: number, limit: number): Promise<SessionRecord[]> {
    const found: SessionRecord[] = [];
    for (const record of this.#sessions.values()) {
      if (found.length >= limit) break;
      if (record.expiresAt !== null && record.expiresAt <= now) found.push(record);
    }
    return Promise.resolve(found);
  }

  prune(now: number): Promise<number> {
    let forgotten = 0;
    for (const [id, tombstone] of this.#tombstones) {
      if (tombstone.keepUntil <= now) {
        this.#tombstones.delete(id);
        forgotten++;
      }
    }
    for (const [userId, user] of this.#users) {
      if (user.ids.size === 0) this.#users.delete(userId);
    }
    return Promise.resolve(forgotten);
  }

  #remove(user: UserEntry, end: SessionEnd): void {
    const record = this.#sessions.get(end.session.id);
    if (!record) return;
    this.#sessions.delete(record.id);
    user.ids.delete(record.id);
    const tombstone: TombstoneRecord = {
      id: record.id,
      userId: record.userId,
      tokenHash: record.tokenHash,
      reason: end.reason,
      at: end.at,
      keepUntil: end.keepUntil,
    };
    if (end.by) tombstone.by = end.by;
    this.#tombstones.set(record.id, tombstone);
  }
}
