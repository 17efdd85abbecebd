// Cross-process login races: N trials of 4 processes x 50 parallel logins for one fresh user at
// limit 1, in evict and in reject mode. Prints every violation found (the expected count is 0).
//
//   npx tsx bench/race.ts --store redis --trials 10000
//   npx tsx bench/race.ts --store postgres --trials 1000 --processes 4 --parallel 50
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { createSessionLimiter, type LimitAction, type SessionStore } from '../src/index.js';
import { startRace } from '../test/support/race.js';

const { values } = parseArgs({
  options: {
    store: { type: 'string', default: 'sqlite' },
    trials: { type: 'string', default: '1000' },
    processes: { type: 'string', default: '4' },
    parallel: { type: 'string', default: '50' },
    options: { type: 'string' },
  },
});

type Factory = (options: unknown) => Promise<{ store: SessionStore; close: () => Promise<void> }>;

const factory = fileURLToPath(
  new URL(`../test/support/factories/${values.store}.ts`, import.meta.url),
);
const factoryOptions: unknown = values.options
  ? JSON.parse(values.options)
  : { prefix: `race-${randomBytes(4).toString('hex')}` };
const trials = Number(values.trials);
const processes = Number(values.processes);
const parallel = Number(values.parallel);

const { store, close } = await ((await import(factory)) as { default: Factory }).default(
  factoryOptions,
);
const checker = createSessionLimiter({ store, pruneInterval: false });
let violations = 0;
let errors = 0;

for (const onLimit of ['evict', 'reject'] as LimitAction[]) {
  const race = await startRace({ factory, factoryOptions, processes, parallel, max: 1, onLimit });
  const started = performance.now();
  for (let i = 0; i < trials; i++) {
    const userId = `race-${onLimit}-${i}-${randomBytes(4).toString('hex')}`;
    const result = await race.trial(userId);
    const live = (await checker.list(userId)).length;
    errors += result.errors.length;
    const bad =
      live > 1 ||
      (onLimit === 'reject' ? result.successes !== 1 : result.successes !== processes * parallel);
    if (bad) {
      violations++;
      console.log(
        `VIOLATION ${onLimit} trial ${i}: ${result.successes} logins succeeded, ${live} live`,
      );
    }
    if (result.errors.length > 0)
      console.log(`errors in trial ${i}: ${result.errors.slice(0, 3).join('; ')}`);
    if ((i + 1) % 500 === 0) console.log(`${onLimit}: ${i + 1}/${trials} trials`);
  }
  const seconds = (performance.now() - started) / 1000;
  console.log(
    `${onLimit}: ${trials} trials x ${processes} processes x ${parallel} logins in ${seconds.toFixed(1)} s`,
  );
  await race.close();
}

console.log(
  `store=${values.store} trials=${trials} per mode; violations=${violations}; errors=${errors}`,
);
await checker.dispose();
await close();
process.exitCode = violations > 0 || errors > 0 ? 1 : 0;
