// `npm run test:faults`: every fault scenario, on every store and client library, with longer
// outages, more load and three rounds; prints what each fault did and any property broken.
//   npm run test:faults [-- --profile quick] [-- --only redis|postgres]
import { parseArgs } from 'node:util';
import type { ClientName, StoreName } from './backends.js';
import { EXIT_MS, runScenario } from './child.js';
import { PROFILES, type ProfileName } from './profiles.js';
import { summary, violations } from './report.js';

const { values } = parseArgs({
  options: { profile: { type: 'string', default: 'long' }, only: { type: 'string' } },
});
const profile = values.profile as ProfileName;
if (!(profile in PROFILES))
  throw new Error(`--profile must be one of ${Object.keys(PROFILES).join(', ')}`);
const runs: [StoreName, ClientName][] = [
  ['redis', 'ioredis'],
  ['redis', 'node-redis'],
  ['postgres', 'pg'],
  ['postgres', 'postgres'],
];

let failed = false;
for (const [store, client] of runs.filter(([store]) => !values.only || store === values.only)) {
  const started = performance.now();
  const run = await runScenario(store, client, profile, 30 * 60_000);
  const problems = run.report ? violations(run.report) : ['no report'];
  if (run.code !== 0) problems.push(`exited with ${run.code}:\n${run.output}`);
  if (!(run.exitMs < EXIT_MS)) problems.push(`did not end by itself (${run.exitMs} ms)`);
  const seconds = ((performance.now() - started) / 1000).toFixed(0);
  const requests = run.report?.samples.length ?? 0;
  console.log(
    `\n${store}/${client}: ${requests} requests in ${seconds} s, ended ${Math.round(run.exitMs)} ms after closing`,
  );
  for (const line of run.report ? summary(run.report) : []) console.log(`  ${line}`);
  for (const problem of problems) console.log(`  BROKEN: ${problem}`);
  failed ||= problems.length > 0;
}
process.exitCode = failed ? 1 : 0;
