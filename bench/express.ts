// The per-request cost of session checks on an Express 5 route, measured with wrk against four
// apps, each in its own process on the built package: bare, one no-op middleware (what any
// middleware costs), a hand-written floor (read the cookie, SHA-256 it, look it up in a Map)
// and sessionLimit (cookie mode, memory store). The apps take turns in short rounds so machine
// noise hits them alike. Two measures, each as the median over rounds of the ratio to the bare
// app measured in the same round:
//   - throughput: requests per second (what the target is about);
//   - CPU per request: the server's CPU time divided by requests served, which a busy machine
//     disturbs far less; a throughput ratio at saturation tends to it.
//
//   npx tsx bench/express.ts [--rounds 15] [--seconds 3] [--connections 16] [--check]
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { median } from './stats.js';

const { values } = parseArgs({
  options: {
    rounds: { type: 'string', default: '15' },
    seconds: { type: 'string', default: '3' },
    connections: { type: 'string', default: '16' },
    check: { type: 'boolean', default: false },
  },
});
const TARGET = 0.92;
const APPS = ['bare', 'noop', 'floor', 'limited'] as const;
type App = (typeof APPS)[number];
interface Server {
  child: ChildProcess;
  port: number;
  cookie: string;
}
interface Run {
  rps: number;
  cpuPerRequest: number;
}

if (spawnSync('wrk', ['--version']).error) {
  console.error('bench/express.ts needs wrk (Debian: apt-get install -y wrk).');
  process.exit(2);
}
// The apps run the built package, as an application would.
if (spawnSync('npm', ['run', 'build'], { stdio: 'inherit' }).status !== 0) process.exit(2);

const SERVER = fileURLToPath(new URL('./servers/http.js', import.meta.url));
const servers = new Map<App, Server>();
for (const app of APPS) servers.set(app, await start(app));

try {
  const throughput = new Map<App, number[]>(APPS.map((a) => [a, []]));
  const cpu = new Map<App, number[]>(APPS.map((a) => [a, []]));
  const rps = new Map<App, number[]>(APPS.map((a) => [a, []]));
  for (const app of APPS) await measure(app, 1); // warm-up
  for (let round = 0; round < Number(values.rounds); round++) {
    // Rotate the order each round so no app always runs first or last.
    const order = APPS.map((_, i) => APPS[(i + round) % APPS.length]!);
    const runs = new Map<App, Run>();
    for (const app of order) runs.set(app, await measure(app, Number(values.seconds)));
    const bare = runs.get('bare')!;
    for (const app of APPS) {
      const run = runs.get(app)!;
      rps.get(app)!.push(run.rps);
      throughput.get(app)!.push(run.rps / bare.rps);
      cpu.get(app)!.push(bare.cpuPerRequest / run.cpuPerRequest);
    }
    console.log(
      `round ${round + 1}: ${APPS.map((a) => `${a} ${runs.get(a)!.rps.toFixed(0)}/s ${runs.get(a)!.cpuPerRequest.toFixed(0)}µs`).join(', ')}`,
    );
  }
  console.log(`\nNode ${process.version}, ${values.rounds} rounds of ${values.seconds} s per app`);
  console.log('app      median req/s  throughput ratio  CPU-per-request ratio (bare / app)');
  for (const app of APPS) {
    console.log(
      `${app.padEnd(8)} ${median(rps.get(app)!).toFixed(0).padStart(12)}  ${median(throughput.get(app)!).toFixed(3).padStart(16)}  ${median(cpu.get(app)!).toFixed(3).padStart(10)}`,
    );
  }
  const limited = median(throughput.get('limited')!);
  const limitedCpu = median(cpu.get('limited')!);
  console.log(
    `\nsessionLimit keeps ${(limited * 100).toFixed(1)}% of the bare app's throughput ` +
      `(${(limitedCpu * 100).toFixed(1)}% by CPU per request; target >= ${TARGET * 100}%)`,
  );
  if (values.check && limited < TARGET) process.exitCode = 1;
} finally {
  for (const { child } of servers.values()) child.kill();
}

async function measure(app: App, seconds: number): Promise<Run> {
  const { port, cookie } = servers.get(app)!;
  const before = await cpuOf(port);
  const result = spawnSync(
    'wrk',
    [
      '-t1',
      `-c${values.connections}`,
      `-d${seconds}s`,
      '-H',
      `Cookie: ${cookie}`,
      `http://127.0.0.1:${port}/`,
    ],
    { encoding: 'utf8' },
  );
  const after = await cpuOf(port);
  const perSecond = /Requests\/sec:\s+([\d.]+)/.exec(result.stdout);
  const total = /(\d+) requests in/.exec(result.stdout);
  if (!perSecond || !total || /Non-2xx/.test(result.stdout)) {
    throw new Error(`wrk failed for ${app}:\n${result.stdout}${result.stderr}`);
  }
  return { rps: Number(perSecond[1]), cpuPerRequest: (after - before) / Number(total[1]) };
}

async function cpuOf(port: number): Promise<number> {
  const response = await fetch(`http://127.0.0.1:${port}/__cpu`);
  return Number(await response.text());
}

function start(app: App): Promise<Server> {
  const child = spawn(process.execPath, [SERVER, app, '0'], {
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, NODE_ENV: 'production' },
  });
  return new Promise((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`${app} server exited with ${code}`)));
    createInterface({ input: child.stdout }).once('line', (line) => {
      const [, port, cookie] = line.split(' ');
      resolve({ child, port: Number(port), cookie: cookie! });
    });
  });
}
