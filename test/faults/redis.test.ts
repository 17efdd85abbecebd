// Redis under real faults while a load runs through the Express adapter: killed and restarted,
// CLIENT PAUSE, DEBUG SLEEP, its pub/sub connection killed. Each client library runs the
// scenario in a process of its own, which must end by itself once it has closed everything.
// `npm run test:faults` runs longer outages under more load.
import { describe } from 'vitest';
import { hasBinaries } from '../support/servers.js';
import { itSurvivesFaults } from './suite.js';

const available = hasBinaries('the Redis fault scenarios', 'redis-server');

describe.runIf(available)('Redis under faults, through the Express adapter', () => {
  itSurvivesFaults(
    'redis',
    ['ioredis', 'node-redis'],
    ['redis killed and restarted', 'CLIENT PAUSE ALL', 'DEBUG SLEEP', 'pub/sub connection killed'],
    80_000,
  );
});
