// The lookup cache against a slow last-seen write, staged step by step on a store with a push
// channel: the store is a MemoryStore that publishes every end to every subscribed limiter.
import { afterEach, describe, expect, it } from 'vitest';
import {
  createSessionLimiter,
  MemoryStore,
  type FoundRecord,
  type PushHandlers,
  type SessionEnd,
  type SessionLimiter,
  type SessionStore,
  type UserChange,
} from '../../src/index.js';

class PushMemoryStore implements SessionStore {
  readonly cacheLookups = true;
  heldTouches = 0;
  readonly #inner = new MemoryStore();
  readonly #subscribers = new Set<PushHandlers>();
  #hold: Promise<void> | undefined;

  /** The next touch waits, before it writes, until the returned function is called. */
  holdNextTouch(): () => void {
    let release!: () => void;
    this.#hold = new Promise((resolve) => (release = resolve));
    return release;
  }

  async touch(id: string, lastSeenAt: number, expiresAt: number | null): Promise<void> {
    const hold = this.#hold;
    this.#hold = undefined;
    if (hold) {
      this.heldTouches++;
      await hold;
    }
    return this.#inner.touch(id, lastSeenAt, expiresAt);
  }

  subscribe(handlers: PushHandlers): Promise<() => Promise<void>> {
    this.#subscribers.add(handlers);
    handlers.status(true);
    return Promise.resolve(() => {
      this.#subscribers.delete(handlers);
      return Promise.resolve();
    });
  }

  async commitUser(userId: string, version: number, change: UserChange): Promise<boolean> {
    const committed = await this.#inner.commitUser(userId, version, change);
    if (committed) this.#publish(change.end);
    return committed;
  }

  async endSession(end: SessionEnd) {
    const removed = await this.#inner.endSession(end);
    if (removed) this.#publish([end]);
    return removed;
  }

  find(id: string): Promise<FoundRecord | null> {
    return this.#inner.find(id);
  }
  loadUser(userId: string) {
    return this.#inner.loadUser(userId);
  }
  lapsed(now: number, limit: number) {
    return this.#inner.lapsed(now, limit);
  }
  prune(now: number) {
    return this.#inner.prune(now);
  }

  #publish(ends: readonly SessionEnd[]): void {
    for (const end of ends) for (const handlers of this.#subscribers) handlers.ended(end);
  }
}

async function until(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 1_000 && !condition(); i++) await new Promise(setImmediate);
  if (!condition()) throw new Error('timed out');
}

describe('the lookup cache and a slow last-seen write', () => {
  let clock = Date.UTC(2026, 0, 1);
  const limiters: SessionLimiter[] = [];
  const limiter = (store: SessionStore) => {
    const created = createSessionLimiter({ store, now: () => clock, pruneInterval: false });
    limiters.push(created);
    return created;
  };
  afterEach(() => Promise.all(limiters.splice(0).map((l) => l.dispose())));

  /** Caches a live session, then starts a validate whose last-seen write is held. */
  async function slowTouch() {
    const store = new PushMemoryStore();
    const here = limiter(store);
    const there = limiter(store); // another process on the same store
    const a = await here.open({ userId: 'u' });
    if (!a.ok) throw new Error('setup');
    expect((await here.validate(a.token)).ok).toBe(true); // cached
    clock += 2 * 60_000; // a last-seen write is due
    const release = store.holdNextTouch();
    const slow = here.validate(a.token);
    await until(() => store.heldTouches === 1);
    return { here, there, token: a.token, id: a.session.id, release, slow };
  }

  it('a touch that finishes after a revoke was cached never brings the session back', async () => {
    const { here, there, token, id, release, slow } = await slowTouch();
    await there.revoke('u', id);
    // A later request reads and caches the tombstone.
    expect(await here.validate(token)).toMatchObject({ code: 'SESSION_REVOKED' });
    release();
    expect((await slow).ok).toBe(true); // its answer predates the revoke
    expect(here.validateNow(token)).toMatchObject({ code: 'SESSION_REVOKED' });
    expect(await here.validate(token)).toMatchObject({ code: 'SESSION_REVOKED' });
  });

  it('a touch that finishes after a revoke leaves no live copy, even before a new read', async () => {
    const { here, there, token, id, release, slow } = await slowTouch();
    await there.revoke('u', id);
    release();
    await slow;
    expect(here.validateNow(token)).not.toMatchObject({ ok: true });
    expect(await here.validate(token)).toMatchObject({ code: 'SESSION_REVOKED' });
  });
});
