// `npm run test:model -- --runs N [--seed S] [vitest arguments]`: the model-based tests with N runs
// per store instead of CI's few hundred (MODEL_RUNS), or replaying the seed fast-check printed for
// a failure (MODEL_SEED). Other arguments go to vitest, e.g. `-t PostgresStore` for one store.
import { spawnSync } from 'node:child_process';

const USAGE = 'usage: npm run test:model -- --runs N [--seed S] [vitest arguments]';
const env: Record<string, string> = {};
const rest: string[] = [];
const args = process.argv.slice(2);
for (let i = 0; i < args.length; i++) {
  const arg = args[i]!;
  const variable = arg === '--runs' ? 'MODEL_RUNS' : arg === '--seed' ? 'MODEL_SEED' : undefined;
  if (variable === undefined) {
    rest.push(arg);
    continue;
  }
  const value = args[++i] ?? '';
  const valid = variable === 'MODEL_RUNS' ? /^[1-9]\d*$/.test(value) : /^-?\d+$/.test(value);
  if (!valid) {
    console.error(`${arg} needs a whole number (got '${value}')\n${USAGE}`);
    process.exit(2);
  }
  env[variable] = value;
}

const result = spawnSync('vitest', ['run', 'test/model/', ...rest], {
  stdio: 'inherit',
  env: { ...process.env, ...env },
});
if (result.error) console.error(`could not start vitest: ${result.error.message}\n${USAGE}`);
process.exit(result.status ?? 1);
