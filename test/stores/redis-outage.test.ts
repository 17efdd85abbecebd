import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createSessionLimiter, type OpenResult, type SessionLimiter } from '../../src/index.js';
import { RedisStore } from '../../src/stores/redis/index.js';
import { InstrumentedStore, waitFor } from '../conformance/suite.js';
import { type ClientKind, type OpenedClient, openClient } from '../support/factories/redis.js';
import { hasBinaries, type RedisServer, redisServer } from '../support/servers.js';

// This suite runs its own redis-server (it stops and restarts it), so it needs the binary, not
// REDIS_URL. Outside CI a missing binary skips it loudly; under CI=true it fails.
const hasRedisServer = hasBinaries('the Redis outage suite', 'redis-server');

const KINDS: ClientKind[] = ['ioredis', 'node-redis'];
/** The store's `timeout` in these tests: the documented bound on any wait. */
const TIMEOUT = 1_000;

function token(result: OpenResult): string {
  if (!result.ok) throw new Error(`expected the login to succeed, got ${result.code}`);
  return result.token;
}

/** Runs `attempt` until it resolves, for at most `ms`. */
async function eventually<T>(attempt: () => Promise<T>, ms: number): Promise<T> {
  const deadline = performance.now() + ms;
  for (;;) {
    try {
      return await attempt();
    } catch (error) {
      if (performance.now() > deadline) throw error;
      await sleep(50);
    }
  }
}

/** How long `call` takes to reject, and with what. */
async function rejection(call: () => Promise<unknown>): Promise<{ ms: number; error: unknown }> {
  const started = performance.now();
  try {
    await call();
  } catch (error) {
    return { ms: performance.now() - started, error };
  }
  throw new Error('expected the call to reject while Redis is down');
}

describe.runIf(hasRedisServer)('RedisStore while Redis is down', () => {
  let server: RedisServer;
  const unexpected: unknown[] = [];
  const record = (reason: unknown) => unexpected.push(reason);
  let cleanups: (() => Promise<void>)[] = [];

  beforeAll(async () => {
    server = await redisServer();
    process.on('unhandledRejection', record);
    process.on('uncaughtException', record);
  });

  afterEach(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
    cleanups = [];
  });

  afterAll(async () => {
    process.off('unhandledRejection', record);
    process.off('uncaughtException', record);
    await server.destroy();
  });

  /** A client, store and limiter on the test's server, closed after the test. */
  async function setUp(kind: ClientKind, options: 'recommended' | 'defaults') {
    await server.start();
    const opened: OpenedClient = await openClient(kind, server.url, options);
    const redis = new RedisStore({ client: opened.client, timeout: TIMEOUT });
    const store = new InstrumentedStore(redis);
    const limiter: SessionLimiter = createSessionLimiter({ store, pruneInterval: false });
    cleanups.push(
      () => limiter.dispose(),
      () => redis.close(),
      () => opened.close(),
    );
    await waitFor(() => store.pushUp, 2_000, 'the push channel to come up');
    return { store, limiter };
  }

  for (const kind of KINDS) {
    for (const options of ['recommended', 'defaults'] as const) {
      it(`${kind} with the ${options} client options: fails closed in time, then recovers`, async () => {
        const { store, limiter } = await setUp(kind, options);
        const before = token(await limiter.open({ userId: 'alice' }));
        expect((await limiter.validate(before)).ok).toBe(true);
        const finds = store.finds;
        expect((await limiter.validate(before)).ok).toBe(true);
        expect(store.finds).toBe(finds); // answered from the warm cache

        await server.stop();
        await waitFor(() => !store.pushUp, 1_000, 'the push channel to report the drop');
        const bound = options === 'recommended' ? 200 : TIMEOUT + 250;
        for (const call of [
          () => limiter.validate(before),
          () => limiter.open({ userId: 'alice' }),
        ]) {
          const { ms, error } = await rejection(call);
          expect(error).toMatchObject({ code: 'STORE_UNAVAILABLE' });
          expect(ms).toBeLessThan(bound);
        }

        await server.start();
        // The same client, store and limiter work again: nothing is recreated.
        const after = token(await eventually(() => limiter.open({ userId: 'alice' }), 10_000));
        expect((await limiter.validate(after)).ok).toBe(true);
        await waitFor(() => store.pushUp, 5_000, 'the push channel to come back');
        await sleep(100);
        expect(unexpected).toEqual([]);
      });
    }
  }
});
