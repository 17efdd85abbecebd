import type { SessionEnd, SessionRecord, TombstoneRecord } from './session.js';

/**
 * One user's sessions as read, with the version a later commit must match.
 *
 * @example
 * ```ts
 * const { version, sessions }: UserSnapshot = await store.loadUser('alice');
 * ```
 */
export interface UserSnapshot {
  version: number;
  sessions: SessionRecord[];
}

/**
 * What one atomic commit does to one user: sessions to write (insert, or replace the record
 * with the same id) and sessions to end with a tombstone.
 *
 * @example
 * ```ts
 * const change: UserChange = { put: [newRecord], end: [endOfOldest] };
 * const committed = await store.commitUser('alice', snapshot.version, change);
 * ```
 */
export interface UserChange {
  put: SessionRecord[];
  end: SessionEnd[];
}

/**
 * The result of looking up a session id: a live (or lapsed) session, or a tombstone.
 *
 * @example
 * ```ts
 * const found: FoundRecord | null = await store.find(sessionId);
 * if (found?.kind === 'session') console.log(found.record.device.label);
 * ```
 */
export type FoundRecord =
  { kind: 'session'; record: SessionRecord } | { kind: 'tombstone'; record: TombstoneRecord };

/**
 * Handlers a store's push channel calls, in every process, when any process ends a session.
 *
 * @example
 * ```ts
 * const unsubscribe = await store.subscribe?.({
 *   ended: (notice) => console.log(notice.session.id, notice.reason),
 *   status: (up) => console.log(up ? 'push channel up' : 'push channel down'),
 * });
 * ```
 */
export interface PushHandlers {
  /** A session ended somewhere. The process's own ends come back too; `origin` tells them apart. */
  ended(notice: SessionEnd): void;
  /**
   * The channel is listening (`true`: call it once subscribed, and again after every
   * reconnect) or went down (`false`: notices may be lost, so caches must not be used).
   */
  status(up: boolean): void;
}

/**
 * The storage contract. Stores hold no policy: they offer an atomic per-user
 * compare-and-set (`loadUser` then `commitUser`) and a few single-record operations, and the
 * core decides who is evicted. Every operation on one user must be atomic against every other
 * operation on that user, in every process that shares the store.
 *
 * Records handed to and returned by a store are treated as immutable by both sides.
 *
 * @example
 * ```ts
 * // A custom store passes the same conformance suite as the built-in ones.
 * class MyStore implements SessionStore { ... }
 * const limiter = createSessionLimiter({ store: new MyStore() });
 * ```
 */
export interface SessionStore {
  /** Reads every session record of a user (lapsed ones included) and the user's version. */
  loadUser(userId: string): Promise<UserSnapshot>;
  /**
   * Applies `change` only if the user's version still equals `version`, bumping it; returns
   * false (and changes nothing) otherwise. Ended sessions become tombstones carrying their
   * token hash, and are published on the push channel (if any) as part of the same step.
   */
  commitUser(userId: string, version: number, change: UserChange): Promise<boolean>;
  /**
   * Ends session `end.session.id` (tombstone, version bump, publish) if it exists and belongs
   * to `end.session.userId`. Returns the removed record, or null when there was none.
   */
  endSession(end: SessionEnd): Promise<SessionRecord | null>;
  /** Looks a session id up: live or lapsed session, tombstone, or null. */
  find(id: string): Promise<FoundRecord | null>;
  /**
   * Optional: `find` answered synchronously, for stores that hold their records in this
   * process's memory or read them synchronously (SQLite). Lets `limiter.validateNow` answer
   * without a promise. Undefined when it cannot answer without waiting (not open yet).
   */
  findNow?(id: string): FoundRecord | null | undefined;
  /** Records activity; a no-op for a session that no longer exists. Does not bump the version. */
  touch(id: string, lastSeenAt: number, expiresAt: number | null): Promise<void>;
  /** Up to `limit` sessions whose `expiresAt` is at or before `now`. */
  lapsed(now: number, limit: number): Promise<SessionRecord[]>;
  /** Forgets tombstones whose `keepUntil` has passed (and any other garbage); returns a count. */
  prune(now: number): Promise<number>;
  /**
   * Optional: opens what the store needs (its file, schema or scripts) and checks that it
   * answers, so that an app can stop at startup rather than fail its first request. Rejects with
   * a `STORE_UNAVAILABLE` SessionLimiterError whose `cause` is the underlying error. Stores
   * still open on first use without it.
   */
  ready?(): Promise<void>;
  /**
   * Optional push channel: delivers every ended session to every process. Stores that offer it
   * let the limiter cache `validate` answers. Returns a function that unsubscribes.
   */
  subscribe?(handlers: PushHandlers): Promise<() => Promise<void>>;
  /**
   * Set by stores whose reads cross a network (Redis, PostgreSQL): while the push channel is up,
   * the limiter may answer `validate` from a per-process cache that the push invalidates.
   */
  readonly cacheLookups?: boolean;
}
