// Logins racing from several processes on one PostgreSQL schema never exceed the limit.
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { createSessionLimiter, type LimitAction } from '../../src/index.js';
import createStore, { type ClientKind, dropSchema } from '../support/factories/postgres.js';
import { startRace } from '../support/race.js';
import { DATABASE_URL, serviceAvailable } from '../support/services.js';

const available = await serviceAvailable('PostgreSQL', DATABASE_URL, 5432);
const FACTORY = fileURLToPath(new URL('../support/factories/postgres.ts', import.meta.url));
const PROCESSES = 4;
const PARALLEL = 50;
// Evict trials commit every login (200 commits in a row for one user, each waiting for the
// previous one's WAL flush), reject trials stop at the first. Each mode uses the other client
// library, so both drivers race. bench/race.ts runs many more trials.
const TRIALS: Record<LimitAction, number> = { evict: 5, reject: 30 };
const TIMEOUT = 60_000;
const CLIENT: Record<LimitAction, ClientKind> = { evict: 'pg', reject: 'postgres' };

describe.runIf(available)('PostgresStore across processes', () => {
  const schema = `sl_race_${randomBytes(6).toString('hex')}`;
  afterAll(() => dropSchema(schema));

  for (const onLimit of ['evict', 'reject'] as const) {
    it(
      `${PROCESSES} processes x ${PARALLEL} logins at limit 1 (${onLimit}, ${CLIENT[onLimit]}) leave exactly 1 live`,
      async () => {
        const factoryOptions = { schema, client: CLIENT[onLimit], url: DATABASE_URL, max: 3 };
        const race = await startRace({
          factory: FACTORY,
          factoryOptions,
          processes: PROCESSES,
          parallel: PARALLEL,
          max: 1,
          onLimit,
        });
        const { store, close } = await createStore(factoryOptions);
        const checker = createSessionLimiter({ store, pruneInterval: false });
        try {
          for (let trial = 0; trial < TRIALS[onLimit]; trial++) {
            const userId = `${onLimit}-${trial}`;
            const result = await race.trial(userId);
            expect(result.errors, userId).toEqual([]);
            expect(result.successes, userId).toBe(onLimit === 'reject' ? 1 : PROCESSES * PARALLEL);
            expect(await checker.list(userId), userId).toHaveLength(1);
          }
        } finally {
          await race.close();
          await checker.dispose();
          await close();
        }
      },
      TIMEOUT,
    );
  }
});
