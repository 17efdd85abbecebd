import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { createSessionLimiter, type LimitAction } from '../../src/index.js';
import { startRace } from '../support/race.js';
import createStore, {
  type ClientKind,
  deleteKeys,
  randomPrefix,
} from '../support/factories/redis.js';
import { REDIS_URL, serviceAvailable } from '../support/services.js';

const available = await serviceAvailable('Redis', REDIS_URL, 6379);
const FACTORY = fileURLToPath(new URL('../support/factories/redis.ts', import.meta.url));
const PROCESSES = 4;
const PARALLEL = 50;
/**
 * Each trial is 200 logins at once for a fresh user, so a lost race shows in the first few; this
 * many keeps the file under 20 s in CI. bench/race.ts runs thousands.
 */
const TRIALS = Number(process.env.REDIS_RACE_TRIALS ?? 10);

// Each client library in one mode: the store's code is the same for both but for the driver.
const MODES: { onLimit: LimitAction; client: ClientKind }[] = [
  { onLimit: 'evict', client: 'ioredis' },
  { onLimit: 'reject', client: 'node-redis' },
];

describe.runIf(available)('RedisStore: logins raced from several processes', () => {
  for (const { onLimit, client } of MODES) {
    it(`${PROCESSES} processes x ${PARALLEL} logins at limit 1 (${onLimit}, ${client}) leave exactly one session`, async () => {
      const prefix = randomPrefix('race');
      const factoryOptions = { url: REDIS_URL, prefix, client };
      const race = await startRace({
        factory: FACTORY,
        factoryOptions,
        processes: PROCESSES,
        parallel: PARALLEL,
        max: 1,
        onLimit,
      });
      const checker = await createStore(factoryOptions);
      const limiter = createSessionLimiter({ store: checker.store, pruneInterval: false });
      try {
        for (let i = 0; i < TRIALS; i++) {
          const userId = `racer-${i}-${randomBytes(4).toString('hex')}`;
          const result = await race.trial(userId);
          expect(result.errors).toEqual([]);
          if (onLimit === 'reject') expect(result.successes).toBe(1);
          else expect(result.successes).toBe(PROCESSES * PARALLEL);
          expect(await limiter.list(userId)).toHaveLength(1);
        }
      } finally {
        await race.close();
        await limiter.dispose();
        await checker.close();
        await deleteKeys(prefix);
      }
    }, 60_000);
  }
});
