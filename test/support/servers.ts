// Servers a test starts for itself, on spare ports, so it can stop, restart and freeze them
// without touching the shared ones.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { type AddressInfo, connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

/**
 * Whether every binary answers `--version`. Outside CI a missing one skips the suite that needs
 * it, loudly; under CI=true it fails the run instead.
 */
export function hasBinaries(suite: string, ...binaries: string[]): boolean {
  const missing = binaries.filter((binary) => spawnSync(binary, ['--version']).status !== 0);
  if (missing.length === 0) return true;
  const message = `${missing.join(', ')} not found`;
  if (process.env.CI === 'true') throw new Error(`${message}; CI needs it for ${suite}`);
  console.warn(`\n!!! ${message}: SKIPPING ${suite}. !!!\n`);
  return false;
}

/** A port nothing listens on (0: any the system picks). */
export function sparePort(port = 0): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(port, '127.0.0.1', () => {
      const { port: free } = probe.address() as AddressInfo;
      probe.close(() => resolve(free));
    });
  });
}

/** Whether something accepts TCP connections on 127.0.0.1:`port`. */
export function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

async function untilAccepts(port: number, what: string, ms = 10_000): Promise<void> {
  const deadline = performance.now() + ms;
  while (!(await accepts(port))) {
    if (performance.now() > deadline) throw new Error(`${what} did not start on ${port}`);
    await sleep(20);
  }
}

/** A redis-server of the test's own, on a spare port, with no persistence and its own directory. */
export interface RedisServer {
  port: number;
  url: string;
  /** Starts it (again, on the same port) and waits until it accepts connections. */
  start(): Promise<void>;
  /** Kills it (SIGKILL: a crash, not a shutdown) and waits until it is gone. */
  stop(): Promise<void>;
  /** Stops it for good and removes its directory. */
  destroy(): Promise<void>;
}

/**
 * A redis-server for one test file. `port` defaults to a spare one; `args` are more options
 * (`--cluster-enabled yes`, say; a later option overrides an earlier one).
 */
export async function redisServer(
  options: { port?: number; args?: string[] } = {},
): Promise<RedisServer> {
  const port = options.port ?? (await sparePort());
  const dir = await mkdtemp(join(tmpdir(), 'session-limiter-redis-'));
  let child: ChildProcess | undefined;
  const server: RedisServer = {
    port,
    url: `redis://127.0.0.1:${port}`,
    async start() {
      if (child) return;
      child = spawn(
        'redis-server',
        [
          ...['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
          ...(options.args ?? []),
        ],
        { cwd: dir, stdio: 'ignore' },
      );
      child.once('exit', () => (child = undefined));
      await untilAccepts(port, 'redis-server');
    },
    async stop() {
      const running = child;
      if (!running) return;
      const exited = once(running, 'exit');
      running.kill('SIGKILL');
      await exited;
    },
    async destroy() {
      await server.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
  return server;
}
