// A store can fail without its push channel noticing (a crashed server whose LISTEN connection
// is only found dead when it reconnects; a frozen one): once a store call fails, the lookup cache
// is no longer trusted, so live sessions are refused with STORE_UNAVAILABLE like any other
// request instead of being accepted from memory while the store is down.
import { describe, expect, it } from 'vitest';
import {
  createSessionLimiter,
  MemoryStore,
  SessionLimiterError,
  type PushHandlers,
  type SessionEnd,
  type SessionStore,
  type UserChange,
} from '../../src/index.js';

/** MemoryStore behind a "network": lookups cacheable, a push channel that stays up, a switch. */
class FlakyStore implements SessionStore {
  readonly cacheLookups = true;
  finds = 0;
  failure: Error | undefined;
  readonly #inner = new MemoryStore();

  #call<T>(run: () => Promise<T>): Promise<T> {
    return this.failure ? Promise.reject(this.failure) : run();
  }

  subscribe(handlers: PushHandlers): Promise<() => Promise<void>> {
    handlers.status(true);
    return Promise.resolve(() => Promise.resolve());
  }
  find(id: string) {
    this.finds++;
    return this.#call(() => this.#inner.find(id));
  }
  loadUser(userId: string) {
    return this.#call(() => this.#inner.loadUser(userId));
  }
  commitUser(userId: string, version: number, change: UserChange) {
    return this.#call(() => this.#inner.commitUser(userId, version, change));
  }
  endSession(end: SessionEnd) {
    return this.#call(() => this.#inner.endSession(end));
  }
  touch(id: string, lastSeenAt: number, expiresAt: number | null) {
    return this.#call(() => this.#inner.touch(id, lastSeenAt, expiresAt));
  }
  lapsed(now: number, limit: number) {
    return this.#call(() => this.#inner.lapsed(now, limit));
  }
  prune(now: number) {
    return this.#call(() => this.#inner.prune(now));
  }
}

async function cachedSession() {
  const store = new FlakyStore();
  const limiter = createSessionLimiter({ store, pruneInterval: false });
  const opened = await limiter.open({ userId: 'u' });
  if (!opened.ok) throw new Error('setup');
  expect((await limiter.validate(opened.token)).ok).toBe(true);
  const finds = store.finds;
  expect((await limiter.validate(opened.token)).ok).toBe(true);
  expect(store.finds).toBe(finds); // answered from the cache
  return { store, limiter, token: opened.token };
}

describe('a failing store call', () => {
  it('stops the cache from answering: live sessions are refused while the store is down', async () => {
    const { store, limiter, token } = await cachedSession();
    store.failure = new Error('connect ECONNREFUSED');
    await expect(limiter.open({ userId: 'v' })).rejects.toMatchObject({
      code: 'STORE_UNAVAILABLE',
    });
    expect(limiter.validateNow(token)).toBeNull();
    await expect(limiter.validate(token)).rejects.toMatchObject({ code: 'STORE_UNAVAILABLE' });

    // Back: the store answers, and the cache (still switched on) fills again.
    store.failure = undefined;
    expect((await limiter.validate(token)).ok).toBe(true);
    const finds = store.finds;
    expect((await limiter.validate(token)).ok).toBe(true);
    expect(store.finds).toBe(finds);
    await limiter.dispose();
  });

  it('keeps the cache when the store refused the arguments rather than failed', async () => {
    const { store, limiter, token } = await cachedSession();
    store.failure = new SessionLimiterError('INVALID_ARGUMENT', 'userId cannot be stored');
    await expect(limiter.open({ userId: 'v' })).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
    });
    expect(limiter.validateNow(token)).toMatchObject({ ok: true });
    await limiter.dispose();
  });
});
