// The per-request cost of session checks on an Express 5 route, measured with wrk against
// three apps in their own processes: bare, a hand-written floor, and sessionLimit (cookie
// mode, memory store). The apps take turns in short rounds, so machine noise hits them alike;
// the script prints each app's median requests/s and its median ratio to the bare app.
//
//   npx tsx bench/express.ts [--rounds 10] [--seconds 3] [--connections 32] [--check]
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { median } from './stats.js';

const { values } = parseArgs({
  options: {
    rounds: { type: 'string', default: '10' },
    seconds: { type: 'string', default: '3' },
    connections: { type: 'string', default: '32' },
    check: { type: 'boolean', default: false },
  },
});
const TARGET = 0.92;
const APPS = ['bare', 'floor', 'limited'] as const;
type App = (typeof APPS)[number];

if (spawnSync('wrk', ['--version']).error) {
  console.error('bench/express.ts needs wrk (Debian: apt-get install -y wrk).');
  process.exit(2);
}

const SERVER = fileURLToPath(new URL('./servers/http.ts', import.meta.url));
const servers = new Map<App, { child: ChildProcess; port: number; cookie: string }>();
for (const app of APPS) servers.set(app, await start(app));

try {
  const rps: Record<App, number[]> = { bare: [], floor: [], limited: [] };
  const ratios: Record<App, number[]> = { bare: [], floor: [], limited: [] };
  for (const app of APPS) wrk(app, 1); // warm-up
  for (let round = 0; round < Number(values.rounds); round++) {
    // Rotate the order each round so no app always runs first or last.
    const order = APPS.map((_, i) => APPS[(i + round) % APPS.length]!);
    const results = {} as Record<App, number>;
    for (const app of order) results[app] = wrk(app, Number(values.seconds));
    for (const app of APPS) {
      rps[app].push(results[app]);
      ratios[app].push(results[app] / results.bare);
    }
    console.log(
      `round ${round + 1}: ${APPS.map((a) => `${a} ${results[a].toFixed(0)}/s`).join(', ')}`,
    );
  }
  console.log('\napp      median req/s  median ratio to bare');
  for (const app of APPS) {
    console.log(
      `${app.padEnd(8)} ${median(rps[app]).toFixed(0).padStart(12)}  ${median(ratios[app]).toFixed(3)}`,
    );
  }
  const limited = median(ratios.limited);
  console.log(
    `\nsessionLimit keeps ${(limited * 100).toFixed(1)}% of the bare app's throughput (target >= ${TARGET * 100}%)`,
  );
  if (values.check && limited < TARGET) process.exitCode = 1;
} finally {
  for (const { child } of servers.values()) child.kill();
}

function wrk(app: App, seconds: number): number {
  const { port, cookie } = servers.get(app)!;
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
  const match = /Requests\/sec:\s+([\d.]+)/.exec(result.stdout);
  if (!match || /Non-2xx/.test(result.stdout))
    throw new Error(`wrk failed for ${app}:\n${result.stdout}${result.stderr}`);
  return Number(match[1]);
}

function start(app: App): Promise<{ child: ChildProcess; port: number; cookie: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', SERVER, app, '0'], {
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
