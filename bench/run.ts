// `npm run bench`: the benchmarks that need no server beyond this machine's own processes.
// The store benchmarks need Redis or PostgreSQL and run on their own:
//   npx tsx bench/race.ts --store redis --trials 10000
//   npx tsx bench/propagation.ts --store redis
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const extra = process.argv.slice(2);
const benches = ['express.ts', 'jwt.ts'].map((name) =>
  fileURLToPath(new URL(`./${name}`, import.meta.url)),
);
let failed = false;
for (const bench of benches.filter((file) => existsSync(file))) {
  console.log(`\n### ${bench.split('/').slice(-2).join('/')}\n`);
  const result = spawnSync(process.execPath, ['--import', 'tsx', bench, ...extra], {
    stdio: 'inherit',
  });
  if (result.status !== 0) failed = true;
}
process.exitCode = failed ? 1 : 0;
