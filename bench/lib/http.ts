// HTTP comparisons: each app runs in a process of its own (bench/servers/http.js, on the built
// package), wrk loads one app at a time from another process, and the apps take turns in rounds
// (the order rotates each round) so that machine noise hits them alike. Per round and app it
// records requests per second and the server's CPU time per request.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { ratioFigure, type Figure, type RowContext, type Target } from '../row.js';
import { summarize } from '../stats.js';
import { ensureBuilt } from './build.js';

/** One app of a comparison: its name in the row, which app, its options. */
export interface AppSpec {
  name: string;
  /** The app, as the server script's first argument. */
  app: string;
  /** JSON-able options, the script's third argument. */
  options?: object;
  /**
   * The server script, default servers/http.js (Express). Another framework's script keeps its
   * protocol: print `ready <port> <cookie header>`, answer GET / with 200 only when signed in,
   * and GET /__cpu with the process's CPU microseconds.
   */
  server?: string;
}

/** One app's measurement in one round. */
export interface HttpRun {
  rps: number;
  /** Server CPU time (user + system, every thread) per request, in microseconds. */
  cpuPerRequest: number;
}

export interface LoadSettings {
  rounds: number;
  /** Seconds of load per app per round. */
  seconds: number;
  /** Seconds of load per app before the first round (JIT warm-up, caches). */
  warmup: number;
  connections: number;
}

/** The load settings of a quick and of a full run. */
export function loadSettings(quick: boolean): LoadSettings {
  return quick
    ? { rounds: 4, seconds: 1, warmup: 1, connections: 16 }
    : { rounds: 15, seconds: 3, warmup: 2, connections: 16 };
}

interface Server {
  child: ChildProcess;
  port: number;
  cookie: string;
}

/** A script of bench/servers/ by name, for {@link AppSpec.server}: `serverScript('koa')`. */
export function serverScript(name: string): string {
  return fileURLToPath(new URL(`../servers/${name}.js`, import.meta.url));
}

const SERVER = serverScript('http');
/** BENCH_CPU_PROF=<dir>: every app writes a CPU profile (node --cpu-prof) there when it stops. */
const PROFILE_DIR = process.env.BENCH_CPU_PROF;
const START_TIMEOUT_MS = 30_000;

/** Fails early, and readably, when wrk is not installed. */
export function requireWrk(): void {
  if (spawnSync('wrk', ['--version']).error) {
    throw new Error('the HTTP rows need wrk (Debian: apt-get install -y wrk)');
  }
}

/**
 * Runs the apps in interleaved rounds; returns each app's runs, one per round, in round order.
 */
export async function interleaveApps(
  context: RowContext,
  apps: readonly AppSpec[],
  settings: LoadSettings,
): Promise<Map<string, HttpRun[]>> {
  requireWrk();
  ensureBuilt(context);
  const servers = new Map<string, Server>();
  try {
    const started = await Promise.allSettled(apps.map((spec) => start(spec)));
    for (const [i, result] of started.entries()) {
      if (result.status === 'fulfilled') servers.set(apps[i]!.name, result.value);
    }
    const failed = started.find((result) => result.status === 'rejected');
    if (failed) throw failed.reason;

    const load = (spec: AppSpec, seconds: number) =>
      measure(servers.get(spec.name)!, spec.name, seconds, settings.connections);
    for (const spec of apps) await load(spec, settings.warmup);
    const runs = new Map<string, HttpRun[]>(apps.map((spec) => [spec.name, []]));
    for (let round = 0; round < settings.rounds; round++) {
      const order = apps.map((_, i) => apps[(i + round) % apps.length]!);
      const line: string[] = [];
      for (const spec of order) {
        const run = await load(spec, settings.seconds);
        runs.get(spec.name)!.push(run);
        line.push(`${spec.name} ${run.rps.toFixed(0)}/s ${run.cpuPerRequest.toFixed(1)}µs`);
      }
      context.log(`round ${round + 1}/${settings.rounds}: ${line.join(', ')}`);
    }
    return runs;
  } finally {
    await Promise.all([...servers.values()].map(({ child }) => stop(child)));
  }
}

/**
 * How `app` compares with `base`, round by round: requests per CPU-second of the server (the
 * figure judged: a saturated server's throughput tends to it, and a busy machine moves it far
 * less than wall-clock throughput) and requests per second (shown beside it).
 */
export function compareRuns(
  runs: Map<string, HttpRun[]>,
  app: string,
  base: string,
  label: string,
  target?: Target,
): Figure {
  const a = runs.get(app)!;
  const b = runs.get(base)!;
  const byCpu = summarize(a.map((run, i) => b[i]!.cpuPerRequest / run.cpuPerRequest));
  const byThroughput = summarize(a.map((run, i) => run.rps / b[i]!.rps));
  const detail =
    `requests per second: ${byThroughput.median.toFixed(3)} ` +
    `(${byThroughput.min.toFixed(3)}-${byThroughput.max.toFixed(3)})`;
  return ratioFigure(label, byCpu, target, detail);
}

async function measure(
  server: Server,
  name: string,
  seconds: number,
  connections: number,
): Promise<HttpRun> {
  const before = await cpuOf(server.port);
  const result = spawnSync(
    'wrk',
    [
      '-t1',
      `-c${connections}`,
      `-d${seconds}s`,
      '-H',
      `Cookie: ${server.cookie}`,
      `http://127.0.0.1:${server.port}/`,
    ],
    { encoding: 'utf8', timeout: (seconds + 30) * 1000 },
  );
  const after = await cpuOf(server.port);
  const perSecond = /Requests\/sec:\s+([\d.]+)/.exec(result.stdout);
  const total = /(\d+) requests in/.exec(result.stdout);
  if (!perSecond || !total || /Non-2xx|Socket errors/.test(result.stdout)) {
    throw new Error(`wrk against ${name} failed:\n${result.stdout}${result.stderr}`);
  }
  return { rps: Number(perSecond[1]), cpuPerRequest: (after - before) / Number(total[1]) };
}

async function cpuOf(port: number): Promise<number> {
  const response = await fetch(`http://127.0.0.1:${port}/__cpu`, {
    signal: AbortSignal.timeout(10_000),
  });
  return Number(await response.text());
}

function start(spec: AppSpec): Promise<Server> {
  const child = spawn(
    process.execPath,
    [
      ...(PROFILE_DIR
        ? ['--cpu-prof', `--cpu-prof-dir=${PROFILE_DIR}`, `--cpu-prof-name=${spec.name}.cpuprofile`]
        : []),
      spec.server ?? SERVER,
      spec.app,
      '0',
      JSON.stringify(spec.options ?? {}),
    ],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, NODE_ENV: 'production' },
    },
  );
  let errors = '';
  child.stderr.on('data', (chunk: Buffer) => (errors += chunk.toString()));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill();
      reject(new Error(`${spec.name} did not start within ${START_TIMEOUT_MS} ms\n${errors}`));
    }, START_TIMEOUT_MS);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${spec.name} exited with ${code} before it was ready\n${errors}`));
    });
    createInterface({ input: child.stdout }).once('line', (line) => {
      clearTimeout(timer);
      const [, port, ...cookie] = line.split(' ');
      resolve({ child, port: Number(port), cookie: cookie.join(' ') });
    });
  });
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill();
  await exited;
}
