// Shared helpers of the demo's end-to-end tests: start the demo on a free port, real User-Agents,
// and a Server-Sent Events reader.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request, type IncomingMessage } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { MemoryStore } from '../../src/index.js';
import { startDemo, type RunningDemo } from '../../examples/demo/server.js';
import { openStore, type OpenedStore } from '../../examples/demo/store.js';
import type { Browser } from '../support/browser.js';

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

/** One Server-Sent Event. */
export interface ServerEvent {
  event: string;
  data: string;
}

/** An open `GET /api/events` stream: its status, and the events as they come. */
export interface EventStream {
  status: number;
  /** Resolves with the next event named `name`, or rejects after `timeoutMs`. */
  next(name: string, timeoutMs?: number): Promise<ServerEvent>;
  close(): void;
}

/** Opens the event stream with the browser's cookies, as an EventSource would. */
export function openEvents(browser: Browser, path = '/api/events'): Promise<EventStream> {
  const cookie = [...browser.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  return new Promise((resolve, reject) => {
    const req = request(
      browser.baseUrl + path,
      {
        headers: {
          accept: 'text/event-stream',
          'user-agent': browser.userAgent,
          ...(cookie ? { cookie } : {}),
        },
      },
      (res) => resolve(eventStream(res, () => req.destroy())),
    );
    req.on('error', reject);
    req.end();
  });
}

function eventStream(res: IncomingMessage, close: () => void): EventStream {
  const received: ServerEvent[] = [];
  const waiting: { name: string; resolve: (e: ServerEvent) => void }[] = [];
  let buffer = '';
  res.setEncoding('utf8');
  res.on('data', (chunk: string) => {
    buffer += chunk;
    let end;
    while ((end = buffer.indexOf('\n\n')) !== -1) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const event = parseEvent(block);
      if (!event) continue;
      const waiter = waiting.findIndex((w) => w.name === event.event);
      if (waiter === -1) received.push(event);
      else waiting.splice(waiter, 1)[0]?.resolve(event);
    }
  });
  res.on('error', () => undefined);
  return {
    status: res.statusCode ?? 0,
    next(name, timeoutMs = 5000) {
      const index = received.findIndex((e) => e.event === name);
      if (index !== -1) return Promise.resolve(received.splice(index, 1)[0]!);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`no "${name}" event within ${timeoutMs} ms`)),
          timeoutMs,
        );
        waiting.push({
          name,
          resolve: (e) => {
            clearTimeout(timer);
            resolve(e);
          },
        });
      });
    },
    close,
  };
}

/** Parses one event block; comments (heartbeats) and `retry:` lines alone are not events. */
function parseEvent(block: string): ServerEvent | null {
  let event = 'message';
  const data: string[] = [];
  for (const line of block.split('\n')) {
    if (line.startsWith('event:')) event = line.slice(6).trim();
    else if (line.startsWith('data:')) data.push(line.slice(5).trimStart());
  }
  return data.length === 0 ? null : { event, data: data.join('\n') };
}

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
 * Starts the demo on a free port with `DEMO_DIR` set (and `env`: a store URL); resolves once it
 * says where it listens.
 */
export function startDemoProcess(
  directory: string,
  env: Record<string, string> = {},
): Promise<DemoProcess> {
  const child = spawn(process.execPath, ['--import', import.meta.resolve('tsx'), MAIN], {
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
      reject(new Error(`the demo did not start within 15 s:\n${output}`));
    }, 15_000);
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
  });
}
