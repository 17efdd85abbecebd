// Runs a fault scenario in a child process and watches it end: the report it wrote, its exit
// code, and how long it lived on after saying it had closed everything.
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ClientName, StoreName } from './backends.js';
import { DONE, type ProfileName } from './profiles.js';
import type { FaultReport } from './report.js';

const SCENARIO = fileURLToPath(new URL('./scenario.ts', import.meta.url));
/** How long a scenario may live on after closing everything before it counts as stuck. */
export const EXIT_MS = 5_000;

export interface ScenarioRun {
  report: FaultReport | undefined;
  /** The exit code; null if it had to be killed. */
  code: number | null;
  /** From "everything closed" to the process's exit; Infinity if it never said so or stayed. */
  exitMs: number;
  output: string;
}

export async function runScenario(
  store: StoreName,
  client: ClientName,
  profile: ProfileName,
  limitMs: number,
): Promise<ScenarioRun> {
  const dir = await mkdtemp(join(tmpdir(), 'session-limiter-faults-'));
  const reportPath = join(dir, 'report.json');
  const child = spawn(
    process.execPath,
    ['--import', import.meta.resolve('tsx'), SCENARIO, store, client, profile, reportPath],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  let doneAt: number | undefined;
  let exitedAt: number | undefined;
  const kill = () => child.kill('SIGKILL');
  const overall = setTimeout(kill, limitMs);
  let stuck: NodeJS.Timeout | undefined;
  child.stdout.on('data', (chunk: Buffer) => {
    output += chunk.toString();
    if (doneAt === undefined && output.includes(DONE)) {
      doneAt = performance.now();
      stuck = setTimeout(kill, EXIT_MS);
    }
  });
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.once('exit', () => (exitedAt = performance.now()));
  const code = await new Promise<number | null>((resolve) =>
    child.once('close', (exitCode) => resolve(exitCode)),
  );
  clearTimeout(overall);
  clearTimeout(stuck);
  let report: FaultReport | undefined;
  try {
    report = JSON.parse(await readFile(reportPath, 'utf8')) as FaultReport;
  } catch {
    report = undefined;
  }
  await rm(dir, { recursive: true, force: true });
  const exitMs =
    doneAt === undefined || exitedAt === undefined || code === null
      ? Infinity
      : Math.max(0, exitedAt - doneAt);
  return { report, code, exitMs, output };
}
