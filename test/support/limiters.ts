import { afterEach } from 'vitest';
import { MemoryStore, type SessionLimiter, type SessionStore } from '../../src/index.js';
import { suiteLimiter, type SuiteUser } from '../conformance/adapters.js';

/**
 * For an adapter's own tests: limiters with the suite's policy, and servers, that are disposed
 * and closed after each test.
 */
export function adapterTestKit() {
  const closers: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const close of closers.splice(0).reverse()) await close();
  });
  return {
    /** Runs `close` after the current test. */
    closeLater: (close: () => Promise<void>) => closers.push(close),
    newLimiter: (store: SessionStore = new MemoryStore()): SessionLimiter<SuiteUser> => {
      const limiter = suiteLimiter(store);
      closers.push(() => limiter.dispose());
      return limiter;
    },
  };
}
