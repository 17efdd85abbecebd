// PostgreSQL under real faults while a load runs through the Express adapter: crashed and
// restarted, the app's connections terminated, its tables locked by another transaction, the
// server frozen, its LISTEN connection terminated. Each client library runs the scenario in a
// process of its own, which must end by itself once it has closed everything.
// `npm run test:faults` runs longer outages under more load.
import { describe } from 'vitest';
import { hasPostgresBinaries } from '../support/servers.js';
import { itSurvivesFaults } from './suite.js';

const available = await hasPostgresBinaries('the PostgreSQL fault scenarios');

describe.runIf(available)('PostgreSQL under faults, through the Express adapter', () => {
  itSurvivesFaults(
    'postgres',
    ['pg', 'postgres'],
    [
      'PostgreSQL crashed (immediate stop) and restarted',
      "the app's connections terminated (pg_terminate_backend)",
      'tables locked by another transaction',
      'server frozen (SIGSTOP)',
      'LISTEN connection terminated',
    ],
    100_000,
  );
});
