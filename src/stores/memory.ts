import { configError, rejectUnknownKeys } from '../errors.js';
import { parseCount } from '../options.js';
import type { SessionEnd, SessionRecord, TombstoneRecord } from '../session.js';
import type { FoundRecord, SessionStore, UserChange, UserSnapshot } from '../store.js';

interface UserEntry {
  version: number;
  ids: Set<string>;
}

/**
 * Options of {@link MemoryStore}: how many tombstones (the reasons kept for signed-out devices)
 * it holds at most. Past a bound the oldest is forgotten early, and its token then reads
 * `SESSION_UNKNOWN` instead of saying why it ended: never a session accepted.
 *
 * @example
 * ```ts
 * const store = new MemoryStore({ maxTombstonesPerUser: 20, maxTombstones: 50_000 });
 * ```
 */
export interface MemoryStoreOptions {
  /** The newest tombstones kept per user. Default 50. */
  maxTombstonesPerUser?: number;
  /** The newest tombstones kept in all. Default 100,000 (a logout's takes about 300 bytes). */
  maxTombstones?: number;
}

const OPTION_KEYS = ['maxTombstonesPerUser', 'maxTombstones'];

/**
 * Keeps sessions in this process's memory: the default store, for one process (tests, a single
 * server, development). Every operation runs to completion without awaiting, so each is atomic.
 * Bounded: the limiter's sweep ends lapsed sessions and forgets old tombstones, and tombstones
 * are capped per user and in all (see {@link MemoryStoreOptions}), so a busy process stays flat
 * however many sign-ins and sign-outs it serves within the tombstones' time to live.
 *
 * @example
 * ```ts
 * import { createSessionLimiter, MemoryStore } from 'session-limiter';
 * const limiter = createSessionLimiter({ store: new MemoryStore(), policy: { max: 1 } });
 * ```
 */
export class MemoryStore implements SessionStore {
  readonly #sessions = new Map<string, SessionRecord>();
  // Both in the order they were made, oldest first: the first entry is the one to forget.
  readonly #tombstones = new Map<string, TombstoneRecord>();
  readonly #userTombstones = new Map<string, Set<string>>();
  readonly #users = new Map<string, UserEntry>();
  readonly #maxTombstonesPerUser: number;
  readonly #maxTombstones: number;
  // One counter for every user: a user entry pruned and created again never repeats a version
  // that a slow compare-and-set may still hold.
  #versions = 0;

  /** @throws SessionLimiterError `INVALID_CONFIG`, naming the field, for a bad option */
  constructor(options: MemoryStoreOptions = {}) {
    if (typeof options !== 'object' || (options as unknown) === null) {
      throw configError('options', 'must be an object such as { maxTombstonesPerUser: 50 }');
    }
    rejectUnknownKeys(options, OPTION_KEYS, 'MemoryStore');
    this.#maxTombstonesPerUser = parseCount(
      options.maxTombstonesPerUser,
      'maxTombstonesPerUser',
      50,
    );
    this.#maxTombstones = parseCount(options.maxTombstones, 'maxTombstones', 100_000);
  }

  /** Number of live or lapsed sessions held (for tests and metrics). */
  get size(): number {
    return this.#sessions.size;
  }

  /** Number of tombstones held (for tests and metrics). */
  get tombstones(): number {
    return this.#tombstones.size;
  }

  /**
   * Number of users with an entry (their sessions' ids and version), for tests and metrics. A user
   * left with no session keeps one until the next `prune`.
   */
  get users(): number {
    return this.#users.size;
  }

  /** Nothing to open: always ready. */
  ready(): Promise<void> {
    return Promise.resolve();
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
    for (const tombstone of this.#tombstones.values()) {
      if (tombstone.keepUntil <= now) {
        this.#forget(tombstone);
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
    let mine = this.#userTombstones.get(record.userId);
    if (!mine) this.#userTombstones.set(record.userId, (mine = new Set()));
    mine.add(record.id);
    if (mine.size > this.#maxTombstonesPerUser) this.#forgetOldest(mine.values());
    if (this.#tombstones.size > this.#maxTombstones) this.#forgetOldest(this.#tombstones.keys());
  }

  #forgetOldest(ids: Iterator<string>): void {
    const oldest = ids.next();
    const tombstone = oldest.done ? undefined : this.#tombstones.get(oldest.value);
    if (tombstone) this.#forget(tombstone);
  }

  #forget(tombstone: TombstoneRecord): void {
    this.#tombstones.delete(tombstone.id);
    const mine = this.#userTombstones.get(tombstone.userId);
    mine?.delete(tombstone.id);
    if (mine?.size === 0) this.#userTombstones.delete(tombstone.userId);
  }
}
