import { randomInt } from 'node:crypto';
import { type Duration, parseDuration } from '../../duration.js';
import {
  SessionLimiterError,
  describeValue,
  rejectUnknownKeys,
  storeUnavailable,
} from '../../errors.js';
import {
  type SessionEnd,
  type SessionRecord,
  type TombstoneRecord,
  noticeWithoutData,
} from '../../session.js';
import type {
  FoundRecord,
  PushHandlers,
  SessionStore,
  UserChange,
  UserSnapshot,
} from '../../store.js';
import { isSessionId, tagOfSessionId, userTag } from '../../token.js';
import { deliverNotice } from '../notice.js';
import { type Driver, type RedisClient, createDriver, redisConfigError } from './drivers.js';
import { packHead, packNumber, packTail, unpack, unpackNumber } from './packing.js';
import {
  COMMIT,
  DUE,
  END,
  FIND,
  FORGET,
  INDEX,
  KEPT,
  LOAD_USER,
  RANGE,
  type Script,
  SWEEP,
  TOUCH,
} from './scripts.js';

export type { IORedisClient, NodeRedisClient, RedisClient } from './drivers.js';

/**
 * Options of {@link RedisStore}.
 *
 * @example
 * ```ts
 * const options: RedisStoreOptions = { client: new Redis(), prefix: 'myapp:sessions:' };
 * ```
 */
export interface RedisStoreOptions {
  /**
   * An ioredis client (`Redis` or `Cluster`) or a connected node-redis client (`createClient()`
   * or `createCluster()`), v5 or v6. Yours: the store never closes it.
   */
  client: RedisClient;
  /**
   * A second connection of the same library for pub/sub (yours: the store never closes it).
   * Default: a `duplicate()` of `client` that the store opens on the first `subscribe` and closes
   * when the last subscriber leaves or in `close()`.
   */
  subscriber?: RedisClient;
  /**
   * Starts every key and the pub/sub channel. Must not contain `{` or `}` (the store's keys carry
   * Redis Cluster hash tags). Default `'session-limiter:'`.
   */
  prefix?: string;
  /**
   * The longest any store operation waits for Redis before it rejects (and the limiter answers
   * `STORE_UNAVAILABLE`). Default `'2s'`.
   */
  timeout?: Duration;
  /**
   * How long Redis keeps a user's sessions past the latest expiry among them when no limiter sweep
   * ended them first, so `validate` can still say a session expired. Default `'7d'` (the
   * limiter's default `tombstoneTtl`).
   */
  lapsedTtl?: Duration;
}

const DEFAULT_PREFIX = 'session-limiter:';
const PREFIX_PATTERN = /^[^{}\s]{1,100}$/;
const DEFAULT_TIMEOUT = 2_000;
const DEFAULT_LAPSED_TTL = 7 * 86_400_000;
const OPTION_KEYS = new Set(['client', 'subscriber', 'prefix', 'timeout', 'lapsedTtl']);
const PRUNE_BATCH = 500;
/** Tags the sweep visits at once (a tag has a few sessions; more would be read for nothing). */
const SWEEP_TAGS = 50;
/** The user id `ready()` reads: any id does, the read changes nothing. */
const READY_PROBE = 'session-limiter:ready';
/** A new user's first version: random, so no snapshot of a forgotten earlier user can match. */
const MAX_INITIAL_VERSION = 2 ** 48;

/** Where each record lives; see scripts.ts for what each key holds. */
class Keys {
  readonly expiry: string;
  readonly tombstones: string;
  readonly channel: string;

  constructor(readonly prefix: string) {
    this.expiry = `${prefix}expiry`;
    this.tombstones = `${prefix}tombstones`;
    this.channel = `${prefix}ended`;
  }

  /** The hash of the sessions of the users whose tag is `tag` (see scripts.ts). */
  sessions(tag: string): string {
    return `${this.prefix}{${tag}}:s`;
  }

  /** The user's sessions: found from the user id, or from any of its session ids. */
  ofUser(userId: string): string {
    return this.sessions(userTag(userId));
  }

  ofSession(id: string): string {
    return this.sessions(tagOfSessionId(id));
  }

  tombstone(id: string): string {
    return `${this.prefix}{${tagOfSessionId(id)}}:t:${id}`;
  }
}

/** Index changes: entries to add or move, ids to drop, entries to trim below `floor`. */
interface IndexChange {
  add: [score: number, id: string][];
  remove: string[];
  /** The TTL (ms) the index keeps at least: that of the longest-lived key it points to. */
  ttl: number;
  floor?: number;
  /** Only ever lower a score (a new member is added). */
  lower?: boolean;
}

/** What the sweep found in one tag. */
interface SweptTag {
  tag: string;
  /** The earliest expiry after now among the tag's sessions; null for none. */
  next: number | null;
  /** How many of its sessions have lapsed, of which `lapsed` holds up to the number asked. */
  count: number;
  lapsed: SessionRecord[];
}

/**
 * Keeps sessions in Redis, for many processes on many machines. Every operation is one Lua
 * script, one round trip, on keys of one hash slot (a user's sessions live in one hash named
 * after the user's tag, which every one of its session ids starts with), so each is atomic on one
 * server and on a Redis Cluster. Ended sessions are published on a channel under the prefix, so
 * every process's watchers fire and its lookup cache drops them at once.
 *
 * Every key has a TTL (a user's sessions until `lapsedTtl` past the latest expiry among them,
 * tombstones until they may be forgotten, the sweep's indexes as long as what they list), so
 * Redis stays bounded even if nobody prunes. The one exception: a session with no timeout at all
 * keeps its user's hash until the hash is empty.
 *
 * The store uses the client you give it and never closes it. For pub/sub it uses `subscriber`,
 * or else a `duplicate()` of the client that it owns: opened on the first `subscribe`, closed
 * when the last subscriber leaves (`limiter.dispose()`) and in `close()`.
 *
 * @example
 * ```ts
 * import { Redis } from 'ioredis';
 * import { createSessionLimiter } from 'session-limiter';
 * import { RedisStore } from 'session-limiter/redis';
 *
 * const client = new Redis(process.env.REDIS_URL!, { enableOfflineQueue: false, maxRetriesPerRequest: 0 });
 * const limiter = createSessionLimiter({ store: new RedisStore({ client }), policy: { max: 1 } });
 * ```
 */
export class RedisStore implements SessionStore {
  /** Redis reads cross the network: the limiter caches lookups while the channel is up. */
  readonly cacheLookups = true;
  readonly #driver: Driver;
  readonly #keys: Keys;
  readonly #timeout: number;
  readonly #lapsedTtl: number;
  readonly #handlers = new Set<PushHandlers>();
  /** Index writes not yet answered; a sweep waits for them (see #settleIndexes). */
  readonly #indexing = new Set<Promise<unknown>>();
  /** Stops the channel listener while one runs. */
  #unlisten: (() => Promise<void>) | undefined;
  #up = false;
  #closed = false;

  /**
   * Checks the options and picks the driver for the client; sends nothing to Redis yet.
   *
   * @throws SessionLimiterError `INVALID_CONFIG`, naming the field, for a bad option
   */
  constructor(options: RedisStoreOptions) {
    if (typeof options !== 'object' || (options as unknown) === null) {
      throw redisConfigError('options', 'must be an object such as { client }');
    }
    rejectUnknownKeys(options, OPTION_KEYS, 'RedisStore');
    this.#driver = createDriver(options.client, options.subscriber);
    this.#keys = new Keys(checkPrefix(options.prefix));
    this.#timeout = parseDuration(options.timeout ?? DEFAULT_TIMEOUT, 'timeout', false);
    this.#lapsedTtl = parseDuration(options.lapsedTtl ?? DEFAULT_LAPSED_TTL, 'lapsedTtl', false);
  }

  /** The key prefix in use (every key and the channel start with it). */
  get prefix(): string {
    return this.#keys.prefix;
  }

  /**
   * Checks that Redis answers and runs the store's scripts: runs one read-only script (loading
   * it on the server), within `timeout`.
   *
   * @throws SessionLimiterError `STORE_UNAVAILABLE`, with the client's error as the cause
   * @example
   * ```ts
   * await store.ready(); // or limiter.ready()
   * ```
   */
  ready(): Promise<void> {
    return this.#op('ready', async () => {
      await this.#run(LOAD_USER, [this.#keys.ofUser(READY_PROBE)], [READY_PROBE]);
    });
  }

  /** One read of the user's version and sessions. */
  loadUser(userId: string): Promise<UserSnapshot> {
    return this.#op('loadUser', async () => {
      const reply = strings(await this.#run(LOAD_USER, [this.#keys.ofUser(userId)], [userId]));
      const tag = userTag(userId);
      const sessions: SessionRecord[] = [];
      for (let i = 1; i < reply.length; i += 2) {
        sessions.push(unpack(reply[i + 1] ?? '', `${tag}${reply[i] ?? ''}`, userId));
      }
      return { version: Number(reply[0]), sessions };
    });
  }

  async commitUser(userId: string, version: number, change: UserChange): Promise<boolean> {
    const tag = userTag(userId);
    for (const record of change.put) {
      checkOwned(record.id, record.userId, userId, tag, 'change.put');
    }
    for (const end of change.end) {
      checkOwned(end.session.id, end.session.userId, userId, tag, 'change.end');
    }
    return this.#op('commitUser', async () => {
      const keys = [this.#keys.ofUser(userId)];
      const args = [
        String(version),
        initialVersion(),
        userId,
        this.#keys.channel,
        String(change.end.length),
        String(change.put.length),
      ];
      for (const end of change.end) {
        keys.push(this.#keys.tombstone(end.session.id));
        args.push(end.session.id, ...this.#tombstoneArgs(end));
      }
      for (const record of change.put) {
        args.push(
          record.id,
          packHead(record),
          packTail(record),
          this.#sessionTtl(record.lastSeenAt, record.expiresAt),
        );
      }
      if (Number(await this.#run(COMMIT, keys, args)) !== 1) return false;

      const expiring = change.put.filter((r) => r.expiresAt !== null);
      if (expiring.length > 0) {
        this.#index(this.#keys.expiry, {
          add: [[Math.min(...expiring.map((r) => r.expiresAt ?? 0)), tag]],
          remove: [],
          ttl: Math.max(...expiring.map((r) => this.#ttlOf(r.lastSeenAt, r.expiresAt))),
          lower: true,
          ...floor(
            expiring.map((r) => r.lastSeenAt),
            this.#lapsedTtl,
          ),
        });
      }
      this.#indexTombstones(change.end);
      return true;
    });
  }

  endSession(end: SessionEnd): Promise<SessionRecord | null> {
    const { id, userId } = end.session;
    // Every session id starts with its user's tag: any other id is not this user's.
    if (!isSessionId(id) || tagOfSessionId(id) !== userTag(userId)) return Promise.resolve(null);
    return this.#op('endSession', async () => {
      const reply = strings(
        await this.#run(
          END,
          [this.#keys.ofUser(userId), this.#keys.tombstone(id)],
          [userId, id, ...this.#tombstoneArgs(end), this.#keys.channel, initialVersion()],
        ),
      );
      if (reply.length === 0) return null;
      // The tag keeps its expiry entry: the sweep moves it on when its time comes.
      this.#indexTombstones([end]);
      return unpack(reply[0] ?? '', id, userId);
    });
  }

  find(id: string): Promise<FoundRecord | null> {
    if (!isSessionId(id)) return Promise.resolve(null);
    return this.#op('find', () => this.#find(id));
  }

  touch(id: string, lastSeenAt: number, expiresAt: number | null): Promise<void> {
    if (!isSessionId(id)) return Promise.resolve();
    return this.#op('touch', async () => {
      const touched = await this.#run(
        TOUCH,
        [this.#keys.ofSession(id)],
        [
          id,
          packNumber(expiresAt),
          packNumber(lastSeenAt),
          this.#sessionTtl(lastSeenAt, expiresAt),
        ],
      );
      if (Number(touched) === 2 && expiresAt !== null) {
        this.#index(this.#keys.expiry, {
          add: [[expiresAt, tagOfSessionId(id)]],
          remove: [],
          ttl: this.#ttlOf(lastSeenAt, expiresAt),
          lower: true,
        });
      }
    });
  }

  /**
   * Visits the user tags whose time has come in the expiry index and returns their lapsed
   * sessions. A tag whose lapsed sessions were all handed out comes due again a moment after
   * `now` (so a session the caller fails to end is handed out by the next sweep); any other tag
   * moves to its next expiry, or leaves the index when nothing in it expires.
   */
  lapsed(now: number, limit: number): Promise<SessionRecord[]> {
    return this.#op('lapsed', async () => {
      await this.#settleIndexes();
      const found: SessionRecord[] = [];
      while (found.length < limit) {
        const count = String(Math.min(limit - found.length, SWEEP_TAGS));
        const tags = strings(await this.#run(DUE, [this.#keys.expiry], [String(now), count]));
        if (tags.length === 0) break;
        const want = limit - found.length;
        const swept = await Promise.all(tags.map((tag) => this.#sweepTag(tag, now, want)));
        const moves: IndexChange = { add: [], remove: [], ttl: 0 };
        const raised: [tag: string, score: number | null][] = [];
        for (const { tag, next, count: lapsed, lapsed: records } of swept) {
          const room = limit - found.length;
          found.push(...records.slice(0, room));
          // Not all handed out: the tag stays due for the next call.
          if (records.length > room || records.length < lapsed) break;
          const score = records.length > 0 ? Math.min(next ?? Infinity, now + 1) : next;
          if (score === null) moves.remove.push(tag);
          else moves.add.push([score, tag]);
          moves.ttl = Math.max(moves.ttl, (score ?? now) - now + this.#lapsedTtl);
          if (records.length === 0) raised.push([tag, score]);
        }
        if (moves.add.length + moves.remove.length === 0) break;
        await this.#writeIndex(this.#keys.expiry, moves);
        await this.#recheck(raised, now);
      }
      return found;
    });
  }

  /** Forgets tombstones whose keepUntil has passed; their index entries go with them. */
  prune(now: number): Promise<number> {
    return this.#op('prune', async () => {
      await this.#settleIndexes();
      let forgotten = 0;
      for (;;) {
        const ids = strings(
          await this.#run(RANGE, [this.#keys.tombstones], [String(now), '0', String(PRUNE_BATCH)]),
        );
        const results = await Promise.all(
          ids.map((id) => this.#run(FORGET, [this.#keys.tombstone(id)], [String(now)])),
        );
        const fix: IndexChange = { add: [], remove: [], ttl: 0 };
        ids.forEach((id, i) => {
          const result = String(results[i]);
          if (result === 'forgotten' || result === 'gone') {
            if (result === 'forgotten') forgotten++;
            fix.remove.push(id);
          } else {
            // The entry disagrees with its tombstone: move it to the tombstone's time.
            fix.add.push([Number(result), id]);
            fix.ttl = Math.max(fix.ttl, Number(result) - now);
          }
        });
        this.#index(this.#keys.tombstones, fix);
        if (ids.length < PRUNE_BATCH) return forgotten;
      }
    });
  }

  /**
   * Listens for ended sessions on the channel `<prefix>ended`. Calls `status(true)` once
   * subscribed and after every reconnect, `status(false)` the moment the connection drops.
   * Notices carry no `data` (of the session or of `by`).
   */
  subscribe(handlers: PushHandlers): Promise<() => Promise<void>> {
    if (this.#closed) return Promise.reject(closedError());
    this.#handlers.add(handlers);
    if (!this.#unlisten) {
      this.#unlisten = this.#driver.listen(this.#keys.channel, {
        message: (text) => this.#deliver(text),
        status: (up) => this.#status(up),
      });
    } else if (this.#up) {
      handlers.status(true);
    }
    return Promise.resolve(async () => {
      this.#handlers.delete(handlers);
      if (this.#handlers.size === 0) await this.#stopListening();
    });
  }

  /**
   * Stops listening and closes the subscriber connection the store opened (a `subscriber` you
   * passed stays open). The client stays open: it is yours to close. Later calls reject.
   *
   * @example
   * ```ts
   * await limiter.dispose();
   * await store.close();
   * await client.quit();
   * ```
   */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#handlers.clear();
    await this.#stopListening();
  }

  async #stopListening(): Promise<void> {
    const unlisten = this.#unlisten;
    this.#unlisten = undefined;
    this.#up = false;
    await unlisten?.();
  }

  #status(up: boolean): void {
    if (up === this.#up) return;
    this.#up = up;
    for (const handlers of this.#handlers) handlers.status(up);
  }

  #deliver(text: string): void {
    for (const handlers of this.#handlers) deliverNotice(handlers, text);
  }

  async #sweepTag(tag: string, now: number, want: number): Promise<SweptTag> {
    const reply = strings(
      await this.#run(SWEEP, [this.#keys.sessions(tag)], [String(now), String(want)]),
    );
    const lapsed: SessionRecord[] = [];
    for (let i = 2; i < reply.length; i += 3) {
      lapsed.push(unpack(reply[i + 2] ?? '', `${tag}${reply[i] ?? ''}`, reply[i + 1] ?? ''));
    }
    return { tag, next: unpackNumber(reply[0] ?? ''), count: Number(reply[1]), lapsed };
  }

  /**
   * A put may have lowered a tag's entry between the sweep's read of the tag and its move of the
   * entry, which the move undid. Reading the tag again after the move sees every such put (a later
   * put lowers the moved entry itself), and lowers the entry back where one did.
   */
  async #recheck(raised: [tag: string, score: number | null][], now: number): Promise<void> {
    const swept = await Promise.all(
      raised.map(async ([tag, score]) => ({ score, ...(await this.#sweepTag(tag, now, 0)) })),
    );
    const lower: IndexChange = { add: [], remove: [], ttl: 0, lower: true };
    for (const { tag, score, next } of swept) {
      if (next !== null && (score === null || next < score)) {
        lower.add.push([next, tag]);
        lower.ttl = Math.max(lower.ttl, next - now + this.#lapsedTtl);
      }
    }
    await this.#writeIndex(this.#keys.expiry, lower);
  }

  async #find(id: string): Promise<FoundRecord | null> {
    const reply = strings(
      await this.#run(FIND, [this.#keys.ofSession(id), this.#keys.tombstone(id)], [id]),
    );
    switch (reply[0]) {
      case 's':
        return { kind: 'session', record: unpack(reply[1] ?? '', id, reply[2] ?? '') };
      case 't':
        return { kind: 'tombstone', record: toTombstone(reply[1], reply[2]) };
      default:
        return null;
    }
  }

  /** ARGV of one end: tombstone JSON, keepUntil, tombstone TTL, notice JSON. */
  #tombstoneArgs(end: SessionEnd): string[] {
    const { id, userId } = end.session;
    const tombstone: Omit<TombstoneRecord, 'tokenHash'> = {
      id,
      userId,
      reason: end.reason,
      at: end.at,
      keepUntil: end.keepUntil,
    };
    if (end.by) tombstone.by = end.by;
    return [
      JSON.stringify(tombstone),
      String(end.keepUntil),
      String(tombstoneTtl(end)),
      JSON.stringify(noticeWithoutData(end)),
    ];
  }

  #indexTombstones(ends: SessionEnd[]): void {
    this.#index(this.#keys.tombstones, {
      add: ends.map((e) => [e.keepUntil, e.session.id]),
      remove: [],
      ttl: Math.max(0, ...ends.map(tombstoneTtl)),
      ...floor(
        ends.map((e) => e.at),
        this.#lapsedTtl,
      ),
    });
  }

  /**
   * Updates an index after the change it describes. Not atomic with it (the index lives in
   * another hash slot) and not awaited: later commands on the same connection see it, and a
   * failure leaves an entry missing or stale, which the sweep and the keys' own TTLs make up for.
   * Tags the expiry index drops below its floor are put back at their next expiry after it, and
   * tombstones the tombstone index drops that Redis still holds, at their keepUntil.
   */
  #index(key: string, change: IndexChange): void {
    if (isEmpty(change)) return;
    const { floor } = change;
    const write = this.#run(INDEX, [key], indexArgs(change)).then(async (trimmed) => {
      if (floor === undefined) return;
      if (key === this.#keys.expiry) await this.#restore(trimmed, floor);
      else await this.#keepTombstones(trimmed);
    });
    const settled = write.catch(() => undefined);
    this.#indexing.add(settled);
    void settled.then(() => this.#indexing.delete(settled));
  }

  /** Writes an index change and waits for it; an empty one sends nothing. */
  async #writeIndex(key: string, change: IndexChange): Promise<void> {
    if (!isEmpty(change)) await this.#run(INDEX, [key], indexArgs(change));
  }

  /**
   * A tag's entry is its earliest expiry, yet its hash lives until `lapsedTtl` past its latest:
   * a tag the floor dropped may still hold sessions. One that holds sessions lapsed before the
   * floor goes back due at the put's time, so the next sweep ends them; any other, at its
   * earliest expiry after the floor. (An entry of the earlier layout, a session id, as its tag's.)
   */
  async #restore(trimmed: unknown, floor: number): Promise<void> {
    const tags = [...new Set(strings(trimmed).map(tagOfSessionId))];
    const swept = await Promise.all(tags.map((tag) => this.#sweepTag(tag, floor, 0)));
    const back: IndexChange = { add: [], remove: [], ttl: 0, lower: true };
    for (const { tag, next, count } of swept) {
      const score = count > 0 ? Math.min(next ?? Infinity, floor + this.#lapsedTtl) : next;
      if (score === null) continue;
      back.add.push([score, tag]);
      back.ttl = Math.max(back.ttl, score - floor);
    }
    await this.#writeIndex(this.#keys.expiry, back);
  }

  /**
   * The floor takes a tombstone below it for one Redis has expired. Yet its TTL runs on Redis's
   * clock from its end, counted from its `at`: with an app clock ahead of Redis's (a fake one),
   * or a session ended long after it lapsed, Redis still holds it. Such a tombstone goes back in
   * the index at its keepUntil, so prune forgets it, and the index lives at least as long.
   */
  async #keepTombstones(trimmed: unknown): Promise<void> {
    const ids = strings(trimmed);
    const kept = await Promise.all(
      ids.map(async (id) => strings(await this.#run(KEPT, [this.#keys.tombstone(id)], []))),
    );
    const back: IndexChange = { add: [], remove: [], ttl: 1 };
    ids.forEach((id, i) => {
      const [keepUntil, ttl] = kept[i] ?? [];
      if (keepUntil === undefined) return;
      back.add.push([Number(keepUntil), id]);
      back.ttl = Math.max(back.ttl, Number(ttl));
    });
    await this.#writeIndex(this.#keys.tombstones, back);
  }

  /**
   * Index writes follow a commit without holding it up. A sweep in this process waits for the
   * ones it started, so it sees every session it opened: on a Cluster the index lives on another
   * node, and a write retried after NOSCRIPT could otherwise land after the sweep's read.
   */
  async #settleIndexes(): Promise<void> {
    if (this.#indexing.size > 0) await Promise.all(this.#indexing);
  }

  /** The TTL of a session key: until `lapsedTtl` past its expiry; '' (none) if it never expires. */
  #sessionTtl(lastSeenAt: number, expiresAt: number | null): string {
    return expiresAt === null ? '' : String(this.#ttlOf(lastSeenAt, expiresAt));
  }

  /**
   * TTLs are relative to the record's own clock (its lastSeenAt), never Redis's: the app's clock
   * and Redis's may differ, and tests run on a fake one.
   */
  #ttlOf(lastSeenAt: number, expiresAt: number | null): number {
    return expiresAt === null ? 0 : Math.max(1, expiresAt - lastSeenAt + this.#lapsedTtl);
  }

  #run(script: Script, keys: string[], args: string[]): Promise<unknown> {
    return this.#driver.run(script, keys, args);
  }

  /**
   * Runs one store operation, failing closed: it rejects with `STORE_UNAVAILABLE` if Redis
   * errs or has not answered within the timeout, so a caller never waits on a queued command.
   */
  async #op<T>(operation: string, work: () => Promise<T>): Promise<T> {
    if (this.#closed) throw closedError();
    let timer: NodeJS.Timeout | undefined;
    const running = work();
    // If the timeout wins, a later failure of the abandoned work must not go unhandled.
    running.catch(() => undefined);
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        reject(
          new SessionLimiterError(
            'STORE_UNAVAILABLE',
            `RedisStore.${operation} got no answer from Redis within ${this.#timeout} ms`,
          ),
        );
      }, this.#timeout);
    });
    try {
      return await Promise.race([running, timeout]);
    } catch (error) {
      throw storeUnavailable(`RedisStore.${operation}`, error);
    } finally {
      clearTimeout(timer);
    }
  }
}

function closedError(): SessionLimiterError {
  return new SessionLimiterError('STORE_UNAVAILABLE', 'this RedisStore was closed');
}

function checkPrefix(prefix: unknown): string {
  if (prefix === undefined) return DEFAULT_PREFIX;
  if (typeof prefix === 'string' && PREFIX_PATTERN.test(prefix)) return prefix;
  throw redisConfigError(
    'prefix',
    `must be 1 to 100 characters with no '{', '}' or whitespace (got ${describeValue(prefix)})`,
  );
}

/** A write for a user must only touch that user's sessions (and so that user's hash slot). */
function checkOwned(id: string, owner: string, userId: string, tag: string, field: string): void {
  if (owner !== userId || !isSessionId(id) || tagOfSessionId(id) !== tag) {
    throw new SessionLimiterError(
      'INVALID_ARGUMENT',
      `commitUser for ${describeValue(userId)} cannot change session ${describeValue(id)}: it is not that user's`,
      { field },
    );
  }
}

function initialVersion(): string {
  return String(randomInt(1, MAX_INITIAL_VERSION));
}

/** Whether an index change would change nothing: nothing to add or remove, no floor to trim. */
function isEmpty(change: IndexChange): boolean {
  return change.add.length === 0 && change.remove.length === 0 && change.floor === undefined;
}

/** ARGV of the INDEX script for a change. */
function indexArgs(change: IndexChange): string[] {
  const args = [
    change.floor === undefined ? '' : String(change.floor),
    String(change.ttl),
    change.lower ? 'LT' : '',
    String(change.add.length),
  ];
  for (const [score, id] of change.add) args.push(String(score), id);
  args.push(...change.remove);
  return args;
}

/** A tombstone lives until keepUntil, counted from when its session ended. */
function tombstoneTtl(end: SessionEnd): number {
  return Math.max(1, end.keepUntil - end.at);
}

/** Trims an index below `lapsedTtl` before the latest of `times` (none when there is no time). */
function floor(times: number[], lapsedTtl: number): { floor?: number } {
  return times.length === 0 ? {} : { floor: Math.max(...times) - lapsedTtl };
}

/** A script's list reply as strings (RESP3 clients hand integers back as numbers). */
function strings(reply: unknown): string[] {
  if (!Array.isArray(reply)) {
    throw new Error(`unexpected reply from Redis: ${describeValue(reply)}`);
  }
  return reply.map((item) => (typeof item === 'string' ? item : String(item)));
}

function toTombstone(json: string | undefined, tokenHash: string | undefined): TombstoneRecord {
  return {
    ...(JSON.parse(json ?? '') as Omit<TombstoneRecord, 'tokenHash'>),
    tokenHash: tokenHash ?? '',
  };
}
