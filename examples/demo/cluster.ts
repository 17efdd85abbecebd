// `npm run demo:cluster`: two demo processes on one store, to watch a sign-in on one port sign
// out a browser on the other. Ports from PORT and PORT2 (default 3000 and 3001); the store from
// the same environment as `npm start` (a shared SQLite file unless REDIS_URL or DATABASE_URL).
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const MAIN = fileURLToPath(new URL('./main.ts', import.meta.url));
const TSX = import.meta.resolve('tsx');
const ports = [process.env.PORT ?? '3000', process.env.PORT2 ?? '3001'];

let stopping = false;
const children: ChildProcess[] = [];

/** Copies a stream to ours line by line, each line prefixed with the process's port. */
function relay(stream: NodeJS.ReadableStream, prefix: string, out: NodeJS.WritableStream): void {
  createInterface({ input: stream }).on('line', (line) => out.write(`${prefix} ${line}\n`));
}

function start(port: string): ChildProcess {
  const child = spawn(process.execPath, ['--import', TSX, MAIN], {
    env: { ...process.env, PORT: port },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const prefix = `[${port}]`;
  relay(child.stdout, prefix, process.stdout);
  relay(child.stderr, prefix, process.stderr);
  child.on('exit', (code, signal) => {
    if (stopping) return;
    console.error(`${prefix} exited (${signal ?? `code ${String(code)}`}): stopping the other`);
    stop(1);
  });
  return child;
}

/** Stops both processes and exits once they are gone. */
function stop(exitCode: number): void {
  if (stopping) return;
  stopping = true;
  const running = children.filter((c) => c.exitCode === null && c.signalCode === null);
  if (running.length === 0) process.exit(exitCode);
  let left = running.length;
  for (const child of running) {
    child.once('exit', () => {
      if (--left === 0) process.exit(exitCode);
    });
    child.kill('SIGTERM');
  }
}

console.log(
  `Starting two demo processes on ports ${ports.join(' and ')}, sharing one store. ` +
    'Sign alice in on each: the first browser is signed out at once. Ctrl-C stops both.',
);
for (const port of ports) children.push(start(port));
process.on('SIGINT', () => stop(0));
process.on('SIGTERM', () => stop(0));
