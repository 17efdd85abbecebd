import { describe, expect, it } from 'vitest';
import { createSessionLimiter, MemoryStore, type MemoryStoreOptions } from '../../src/index.js';
import { describeStoreConformance } from '../conformance/suite.js';

describeStoreConformance('MemoryStore', () =>
  Promise.resolve({ store: new MemoryStore(), close: () => Promise.resolve() }),
);

describe('MemoryStore tombstones stay bounded', () => {
  /** `cycles` sign-ins and sign-outs spread over `users`; the last token of each user. */
  async function cycles(store: MemoryStore, users: number, count: number) {
    const limiter = createSessionLimiter({ store, pruneInterval: false });
    const tokens: string[][] = Array.from({ length: users }, () => []);
    for (let i = 0; i < count; i++) {
      const opened = await limiter.open({ userId: `user-${i % users}` });
      if (!opened.ok) throw new Error('setup');
      await limiter.close(opened.token);
      tokens[i % users]!.push(opened.token);
    }
    return { limiter, tokens };
  }

  it('keeps the newest 50 per user by default, and says why those ended', async () => {
    const store = new MemoryStore();
    const { limiter, tokens } = await cycles(store, 1, 120);
    expect(store.tombstones).toBe(50);
    expect(store.size).toBe(0);
    const mine = tokens[0]!;
    expect(await limiter.validate(mine.at(-1))).toMatchObject({ reason: 'logout' });
    expect(await limiter.validate(mine.at(-50))).toMatchObject({ reason: 'logout' });
    expect(await limiter.validate(mine.at(-51))).toEqual({ ok: false, code: 'SESSION_UNKNOWN' });
  });

  it('keeps the newest per user and in all, as configured', async () => {
    const store = new MemoryStore({ maxTombstonesPerUser: 3, maxTombstones: 10 });
    const { limiter, tokens } = await cycles(store, 5, 100);
    expect(store.tombstones).toBe(10);
    // The newest two of each of the five users are the newest ten.
    for (const mine of tokens) {
      expect(await limiter.validate(mine.at(-1))).toMatchObject({ reason: 'logout' });
      expect(await limiter.validate(mine.at(-2))).toMatchObject({ reason: 'logout' });
      expect(await limiter.validate(mine.at(-3))).toEqual({ ok: false, code: 'SESSION_UNKNOWN' });
    }
  });

  it('a busy process holds at most 50 tombstones per user however many cycles it serves', async () => {
    const store = new MemoryStore();
    await cycles(store, 100, 6_000);
    expect(store.tombstones).toBe(50 * 100);
    await cycles(store, 100, 6_000);
    expect(store.tombstones).toBe(50 * 100);
  });

  it('refuses bad options with INVALID_CONFIG naming the field', () => {
    const cases: [unknown, string][] = [
      [{ maxTombstonesPerUser: 0 }, 'maxTombstonesPerUser'],
      [{ maxTombstones: 1.5 }, 'maxTombstones'],
      [{ maxTombstones: Infinity }, 'maxTombstones'],
      [{ maxTombstone: 5 }, 'maxTombstone'],
      [null, 'options'],
    ];
    for (const [options, field] of cases) {
      expect(() => new MemoryStore(options as MemoryStoreOptions), field).toThrow(
        expect.objectContaining({ code: 'INVALID_CONFIG', field }),
      );
    }
  });
});
