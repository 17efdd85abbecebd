// Servers a test starts for itself, on spare ports, so it can stop, restart and freeze them
// without touching the shared ones: a redis-server, and a throwaway PostgreSQL cluster made with
// initdb and run with pg_ctl.
import { type ChildProcess, execFile, spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { chown, mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { type AddressInfo, connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';

const run = promisify(execFile);

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

/** Whether a Redis on 127.0.0.1:`port` answers PING (not `-LOADING` while it reads its data). */
function pongs(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.setTimeout(1_000, () => socket.destroy());
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.once('data', (data: Buffer) => {
      socket.destroy();
      resolve(data.toString().startsWith('+PONG'));
    });
    socket.once('error', () => resolve(false));
    socket.once('close', () => resolve(false));
  });
}

async function until(ready: () => Promise<boolean>, what: string, ms = 10_000): Promise<void> {
  const deadline = performance.now() + ms;
  while (!(await ready())) {
    if (performance.now() > deadline) throw new Error(`${what} did not start`);
    await sleep(20);
  }
}

/** A redis-server of the test's own, on a spare port, with no persistence and its own directory. */
export interface RedisServer {
  port: number;
  url: string;
  /** Starts it (again, on the same port) and waits until it answers (its data read back). */
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
      await until(() => pongs(port), `redis-server on ${port}`);
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

/** A throwaway PostgreSQL cluster on a spare port: user `postgres`, database `postgres`, trust. */
export interface PostgresServer {
  port: number;
  url: string;
  /** Starts it (again, on the same port) and waits until it accepts connections. */
  start(): Promise<void>;
  /** Stops it: `immediate` (default) is a crash, every connection cut; `fast` a clean shutdown. */
  stop(mode?: 'immediate' | 'fast'): Promise<void>;
  /** Freezes every process of the server (SIGSTOP): connections stay open and nothing answers. */
  pause(): Promise<void>;
  /** Lets a paused server run again (SIGCONT). */
  resume(): Promise<void>;
  /** Stops it for good and removes its directory. */
  destroy(): Promise<void>;
}

/** The newest PostgreSQL's bin directory under /usr/lib/postgresql, or undefined. */
export async function postgresBinaries(): Promise<string | undefined> {
  const root = '/usr/lib/postgresql';
  const versions = await readdir(root).catch(() => [] as string[]);
  const newest = versions.filter((v) => /^\d+$/.test(v)).sort((a, b) => Number(b) - Number(a))[0];
  return newest === undefined ? undefined : join(root, newest, 'bin');
}

/** Whether initdb and pg_ctl exist; outside CI their absence skips `suite` loudly. */
export async function hasPostgresBinaries(suite: string): Promise<boolean> {
  const bin = await postgresBinaries();
  return bin !== undefined && hasBinaries(suite, join(bin, 'initdb'), join(bin, 'pg_ctl'));
}

/**
 * Makes and starts a PostgreSQL cluster for one test file. PostgreSQL refuses to run as root, so
 * under root its directory is given to the `postgres` user and its tools run as that user.
 */
export async function postgresServer(options: { port?: number } = {}): Promise<PostgresServer> {
  const bin = await postgresBinaries();
  if (!bin) throw new Error('no PostgreSQL under /usr/lib/postgresql');
  const port = options.port ?? (await sparePort());
  const dir = await mkdtemp(join(tmpdir(), 'session-limiter-pg-'));
  const data = join(dir, 'data');
  const asRoot = process.getuid?.() === 0;
  if (asRoot) {
    const { stdout } = await run('id', ['-u', 'postgres']);
    const { stdout: group } = await run('id', ['-g', 'postgres']);
    await chown(dir, Number(stdout), Number(group));
  }
  const tool = (name: string, args: string[]) =>
    asRoot
      ? run('runuser', ['-u', 'postgres', '--', join(bin, name), ...args])
      : run(join(bin, name), args);
  await tool('initdb', ['-D', data, '-A', 'trust', '-U', 'postgres', '--no-sync', '-E', 'UTF8']);

  const signal = async (name: 'SIGSTOP' | 'SIGCONT') => {
    const postmaster = Number(
      (await readFile(join(data, 'postmaster.pid'), 'utf8')).split('\n')[0],
    );
    // The postmaster first, so it starts no new backend while the others are being stopped.
    for (const pid of [postmaster, ...(await childrenOf(postmaster))]) process.kill(pid, name);
  };
  const server: PostgresServer = {
    port,
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    async start() {
      const settings = [
        `-p ${port}`,
        `-k ${dir}`,
        '-c listen_addresses=127.0.0.1',
        '-c fsync=off',
        '-c full_page_writes=off',
        '-c max_connections=50',
      ];
      await tool('pg_ctl', [
        '-D',
        data,
        '-o',
        settings.join(' '),
        '-l',
        join(dir, 'log'),
        '-w',
        'start',
      ]);
      await until(() => accepts(port), `PostgreSQL on ${port}`);
    },
    async stop(mode = 'immediate') {
      await tool('pg_ctl', ['-D', data, '-m', mode, '-w', 'stop']);
    },
    pause: () => signal('SIGSTOP'),
    resume: () => signal('SIGCONT'),
    async destroy() {
      await server.resume().catch(() => undefined);
      await server.stop().catch(() => undefined); // not running
      await rm(dir, { recursive: true, force: true });
    },
  };
  return server;
}

/** The ids of the processes whose parent is `pid`. */
async function childrenOf(pid: number): Promise<number[]> {
  const { stdout } = await run('ps', ['-o', 'pid=', '--ppid', String(pid)]).catch(() => ({
    stdout: '',
  }));
  return stdout
    .split('\n')
    .map((line) => Number(line.trim()))
    .filter((child) => child > 0);
}
