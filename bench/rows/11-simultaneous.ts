// Row 11: 1,000 simultaneous logins for one user at limit 1, per store, in evict and in reject
// mode: how long until every one has answered (settled), and whether the limit held (after
// settling, at most one live session; in reject mode exactly one login accepted, in evict mode
// all of them). SQLite, Redis and PostgreSQL take the logins from several processes at once
// (test/support/race.ts), the memory store from one.
import { randomBytes } from 'node:crypto';
import { createSessionLimiter, type LimitAction, type SessionLimiter } from '../../src/index.js';
import { startRace, type TrialResult } from '../../test/support/race.js';
import {
  factoryPath,
  openStore,
  withPlaces,
  type StoreKind,
  type StorePlace,
} from '../lib/stores.js';
import type { Figure, Row, RowContext } from '../row.js';
import { median } from '../stats.js';

const LOGINS = 1000;
const STORES: readonly StoreKind[] = ['memory', 'sqlite', 'redis', 'postgres'];
const MODES: readonly LimitAction[] = ['evict', 'reject'];

interface Outcome {
  /** Milliseconds from firing the logins until the last one answered, per trial. */
  settle: number[];
  /** The same, per mode. */
  settleIn: Record<LimitAction, number[]>;
  violations: number;
  failedLogins: number;
}

export const row: Row = {
  id: '11',
  name: 'simultaneous',
  title: '1,000 simultaneous opens for one user at limit 1, per store: time to settle, violations',
  async run(context) {
    const trials = context.quick ? 1 : 10;
    const processes = context.quick ? 2 : 4;
    const figures: Figure[] = [];
    for (const kind of STORES) {
      const outcome = await withPlaces([kind], 'simultaneous', ([place]) =>
        measure(context, place!, trials, processes),
      );
      figures.push(
        {
          label: `${kind}: time to settle`,
          value: median(outcome.settle),
          unit: 'ms',
          spread: {
            min: Math.min(...outcome.settle),
            max: Math.max(...outcome.settle),
            n: outcome.settle.length,
          },
          target: { atMost: 1000, timing: true },
          detail:
            `${trials} trials per mode${kind === 'memory' ? ', one process' : `, ${processes} processes x ${LOGINS / processes} logins`}; ` +
            `median evict ${median(outcome.settleIn.evict).toFixed(0)} ms, reject ${median(outcome.settleIn.reject).toFixed(0)} ms`,
        },
        {
          label: `${kind}: violations and failed logins`,
          value: outcome.violations + outcome.failedLogins,
          unit: '',
          target: { atMost: 0, timing: false },
          detail: `${outcome.violations} trials broke the limit, ${outcome.failedLogins} logins failed`,
        },
      );
    }
    return figures;
  },
};

async function measure(
  context: RowContext,
  place: StorePlace,
  trials: number,
  processes: number,
): Promise<Outcome> {
  const outcome: Outcome = {
    settle: [],
    settleIn: { evict: [], reject: [] },
    violations: 0,
    failedLogins: 0,
  };
  const opened = await openStore(place);
  const checker = createSessionLimiter({ store: opened.store, pruneInterval: false });
  try {
    for (const onLimit of MODES) {
      const fire = await racer(place, onLimit, processes, checker);
      try {
        for (let i = 0; i < trials; i++) {
          const userId = `simultaneous-${onLimit}-${i}-${randomBytes(4).toString('hex')}`;
          const started = performance.now();
          const result = await fire.trial(userId);
          const settled = performance.now() - started;
          outcome.settle.push(settled);
          outcome.settleIn[onLimit].push(settled);
          const live = (await checker.list(userId)).length;
          const accepted =
            onLimit === 'reject'
              ? result.successes === 1
              : result.successes === LOGINS - result.errors.length;
          if (live > 1 || !accepted) {
            outcome.violations++;
            context.log(
              `VIOLATION ${place.store} ${onLimit}: ${result.successes} accepted, ${live} live`,
            );
          }
          outcome.failedLogins += result.errors.length;
          if (result.errors.length > 0) context.log(`${place.store}: ${result.errors[0]!}`);
        }
      } finally {
        await fire.close();
      }
    }
  } finally {
    await checker.dispose();
    await opened.close();
  }
  return outcome;
}

/** Fires LOGINS logins at once: from child processes, or (memory store) from this one. */
async function racer(
  place: StorePlace,
  onLimit: LimitAction,
  processes: number,
  checker: SessionLimiter,
): Promise<{ trial(userId: string): Promise<TrialResult>; close(): Promise<void> }> {
  if (place.store !== 'memory') {
    return startRace({
      factory: factoryPath(place.store),
      factoryOptions: place,
      processes,
      parallel: LOGINS / processes,
      max: 1,
      onLimit,
    });
  }
  // One process: the logins go through a limiter on the checker's own store.
  const limiter = createSessionLimiter({
    store: checker.store,
    policy: { max: 1, onLimit },
    pruneInterval: false,
  });
  return {
    async trial(userId) {
      const results = await Promise.allSettled(
        Array.from({ length: LOGINS }, () => limiter.open({ userId })),
      );
      return {
        userId,
        successes: results.filter((r) => r.status === 'fulfilled' && r.value.ok).length,
        errors: results.flatMap((r) => (r.status === 'rejected' ? [String(r.reason)] : [])),
      };
    },
    close: () => limiter.dispose(),
  };
}
