// Model-based tests: random sequences of logins (every policy shape, with `replace`), checks,
// logouts, revokes, sweeps and clock jumps, run on the real limiter over every store and on the
// reference model in reference.ts; every answer must agree. MODEL_RUNS (set by
// `npm run test:model -- --runs N`) raises the number of runs; MODEL_SEED replays a failure.
import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MemoryStore, type SessionStore, createSessionLimiter } from '../../src/index.js';
import {
  type FreshStore,
  freshPostgres,
  freshRedis,
  freshSqlite,
} from '../support/fresh-stores.js';
import { DATABASE_URL, REDIS_URL, serviceAvailable } from '../support/services.js';
import { type Real, commandArbitraries, config } from './commands.js';
import { type Coverage, type ModelConfig, ReferenceModel, emptyCoverage } from './reference.js';

const START = Date.UTC(2026, 10, 25, 14, 2);
const DAY = 86_400_000;
const runsWanted = Number(process.env.MODEL_RUNS) || undefined;
const seed = Number(process.env.MODEL_SEED) || undefined;
/** Below this many runs, a run may well miss some behaviour: coverage is not checked. */
const COVERAGE_RUNS = 100;

interface StoreCase {
  name: string;
  available: boolean;
  /** Runs in CI, and commands per run (fewer on stores across the network, to keep CI short). */
  runs: number;
  maxCommands: number;
  answersNow: boolean;
  open(): Promise<FreshStore>;
}

const CASES: StoreCase[] = [
  {
    name: 'MemoryStore',
    available: true,
    runs: 400,
    // At most 50 logins, so no user passes MemoryStore's 50 tombstones (which the model ignores).
    maxCommands: 50,
    answersNow: true,
    open: () => Promise.resolve({ store: new MemoryStore(), close: () => Promise.resolve() }),
  },
  {
    name: 'SqliteStore',
    available: true,
    runs: 300,
    maxCommands: 50,
    answersNow: false,
    open: () => freshSqlite('model'),
  },
  {
    name: 'RedisStore',
    available: await serviceAvailable('Redis', REDIS_URL, 6379),
    runs: 200,
    maxCommands: 30,
    answersNow: false,
    open: () => freshRedis('model'),
  },
  {
    name: 'PostgresStore',
    available: await serviceAvailable('PostgreSQL', DATABASE_URL, 5432),
    runs: 200,
    maxCommands: 30,
    answersNow: false,
    open: () => freshPostgres('model'),
  },
];

/** The limiter of one run, on a clock of its own, and the model it must agree with. */
function setUp(c: StoreCase, store: SessionStore, cfg: ModelConfig, start: number, run: number) {
  const tag = `${run}-${randomBytes(4).toString('hex')}`;
  const userIds = [`model-${tag}-a`, `model-${tag}-b`] as const;
  const clock = { now: start };
  const limiter = createSessionLimiter<{ ix: 0 | 1 }>({
    store,
    policy: cfg.shared ? cfg.policies[0] : (user) => cfg.policies[user.ix],
    idleTimeout: cfg.idleTimeout,
    absoluteTimeout: cfg.absoluteTimeout,
    touchInterval: cfg.touchInterval,
    tombstoneTtl: cfg.tombstoneTtl,
    pruneInterval: false,
    now: () => clock.now,
    ...(cfg.ceiling === undefined ? {} : { maxSessionsPerUser: cfg.ceiling }),
  });
  const real: Real = { limiter, userIds, clock, answersNow: c.answersNow };
  return { model: new ReferenceModel(cfg, userIds, start), real };
}

for (const c of CASES) {
  describe.runIf(c.available)(`model: ${c.name}`, () => {
    const runs = runsWanted ?? c.runs;
    it(
      `agrees with the reference model over ${runs} random runs`,
      async () => {
        const fresh = await c.open();
        const { store } = fresh;
        // Runs share the store: each has users of its own, and a clock past every earlier run's.
        let start = START;
        let run = 0;
        const reached = emptyCoverage();
        try {
          await fc.assert(
            fc.asyncProperty(
              config,
              fc.commands(commandArbitraries, { maxCommands: c.maxCommands, size: 'max' }),
              async (cfg, cmds) => {
                const { model, real } = setUp(c, store, cfg, start, run++);
                try {
                  await fc.asyncModelRun(() => ({ model, real }), cmds);
                } finally {
                  start = real.clock.now + 30 * DAY;
                  await real.limiter.dispose();
                  for (const key of Object.keys(reached) as (keyof Coverage)[]) {
                    reached[key] += model.coverage[key];
                  }
                }
              },
            ),
            { numRuns: runs, ...(seed === undefined ? {} : { seed }) },
          );
        } finally {
          await fresh.close();
        }
        // The runs must reach every behaviour, or agreeing would prove little.
        if (runs >= COVERAGE_RUNS) {
          for (const [behaviour, count] of Object.entries(reached)) {
            expect(count, `runs that reached '${behaviour}'`).toBeGreaterThan(0);
          }
        }
      },
      60_000 + runs * 1_000,
    );
  });
}
