// Shared helpers of the demo's end-to-end tests: start the demo on a free port, real User-Agents,
// and a Server-Sent Events reader.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { MemoryStore } from '../../src/index.js';
import { startDemo, type RunningDemo } from '../../examples/demo/server.js';
import { openStore, type OpenedStore } from '../../examples/demo/store.js';

interface UserAgentCase {
  ua: string;
  kind: string;
  browser?: string;
  os?: string;
}

const fixtures = JSON.parse(
  readFileSync(new URL('../fixtures/user-agents.json', import.meta.url), 'utf8'),
) as { cases: UserAgentCase[] };

/** A real User-Agent from the fixtures. */
function userAgent(kind: string, browser: string, os: string): string {
  const found = fixtures.cases.find((c) => c.kind === kind && c.browser === browser && c.os === os);
  if (!found) throw new Error(`no ${kind} ${browser} on ${os} in user-agents.json`);
  return found.ua;
}

export const IPHONE = userAgent('mobile', 'Safari', 'iOS');
export const ANDROID = userAgent('mobile', 'Chrome', 'Android');
export const CHROME_MAC = userAgent('desktop', 'Chrome', 'macOS');
export const FIREFOX_WINDOWS = userAgent('desktop', 'Firefox', 'Windows');
export const EDGE_WINDOWS = userAgent('desktop', 'Edge', 'Windows');

/** A fresh temporary directory, removed by the returned function. */
export function tempDirectory(): { path: string; remove: () => void } {
  const path = mkdtempSync(join(tmpdir(), 'session-limiter-demo-'));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}

/**
 * Starts the demo in this process on a free port: on a temporary SQLite file (the default
 * store), or on the memory store where the store is beside the point.
 */
export async function startTestDemo(
  kind: 'sqlite' | 'memory' = 'sqlite',
): Promise<{ url: string; close: () => Promise<void> }> {
  const dir = tempDirectory();
  const store: OpenedStore =
    kind === 'sqlite'
      ? await openStore({ directory: dir.path })
      : { store: new MemoryStore(), description: 'memory', close: () => Promise.resolve() };
  let demo: RunningDemo;
  try {
    demo = await startDemo({
      port: 0,
      host: '127.0.0.1',
      store,
      jwtSecret: randomBytes(32).toString('base64url'),
    });
  } catch (error) {
    await store.close();
    dir.remove();
    throw error;
  }
  return {
    url: demo.url,
    close: async () => {
      await demo.close();
      dir.remove();
    },
  };
}

export { openEvents, type EventStream, type ServerEvent } from '../support/events.js';

/** A demo started as its own process (`node --import tsx examples/demo/main.ts`). */
export interface DemoProcess {
  url: string;
  /** Everything it printed, for failure messages. */
  output: () => string;
  stop(): Promise<void>;
}

/** The environment minus the variables that pick a store: each test picks its own. */
function withoutStoreUrls(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const { REDIS_URL: _redis, DATABASE_URL: _database, JWT_SECRET: _secret, ...rest } = env;
  return rest;
}

const MAIN = fileURLToPath(new URL('../../examples/demo/main.ts', import.meta.url));

/**
 * Starts the demo (or another example's `main`) on a free port with `DEMO_DIR` set (and `env`: a
 * store URL); resolves once it says where it listens. `runner` runs the TypeScript file: Node
 * with tsx by default, or another runtime's command (`['bun']`, `['deno', 'run', ...]`).
 */
export function startDemoProcess(
  directory: string,
  env: Record<string, string> = {},
  main = MAIN,
  {
    runner = [process.execPath, '--import', import.meta.resolve('tsx')],
    startupMs = 15_000,
  }: {
    runner?: readonly string[] | undefined;
    startupMs?: number | undefined;
  } = {},
): Promise<DemoProcess> {
  const [command = process.execPath, ...args] = runner;
  const child = spawn(command, [...args, main], {
    env: { ...withoutStoreUrls(process.env), PORT: '0', DEMO_DIR: directory, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await exited;
  };
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      void stop();
      reject(new Error(`${main} did not start within ${String(startupMs)} ms:\n${output}`));
    }, startupMs);
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const url = /listening on (http:\/\/\S+)/.exec(output)?.[1];
      if (url) {
        clearTimeout(timer);
        resolve({ url, output: () => output, stop });
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the demo exited with code ${String(code)}:\n${output}`));
    });
    // The runner itself is missing (bun or deno not on the PATH, say).
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(new Error(`${command} could not run ${main}: ${error.message}`));
    });
  });
}
