import { describe } from 'vitest';
import { describeStoreConformance } from '../conformance/suite.js';
import createStore, {
  type ClientKind,
  deleteKeys,
  randomPrefix,
} from '../support/factories/redis.js';
import { REDIS_URL, serviceAvailable } from '../support/services.js';

const available = await serviceAvailable('Redis', REDIS_URL, 6379);
const KINDS: ClientKind[] = ['ioredis', 'node-redis'];

describe.runIf(available)('RedisStore', () => {
  for (const kind of KINDS) {
    describeStoreConformance(
      `RedisStore (${kind})`,
      async () => {
        const prefix = randomPrefix();
        const opened = [await createStore({ client: kind, prefix })];
        return {
          store: opened[0]!.store,
          sibling: async () => {
            const next = await createStore({ client: kind, prefix });
            opened.push(next);
            return next.store;
          },
          close: async () => {
            await Promise.all(opened.map((o) => o.close()));
            await deleteKeys(prefix);
          },
        };
      },
      { push: true, cache: true, sibling: true },
    );
  }
});
