// The demo checks its store before it listens: a store it cannot use stops it with one line
// naming the store, the cause and the fix, and exit code 1. Where Node has SQLite built in, the
// demo needs no native module at all.
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { Browser } from '../support/browser.js';
import { sparePort } from '../support/servers.js';
import { startDemoProcess, tempDirectory } from './support.js';

const MAIN = fileURLToPath(new URL('../../examples/demo/main.ts', import.meta.url));
const WITHOUT_BETTER_SQLITE3 = fileURLToPath(
  new URL('../support/without-better-sqlite3.js', import.meta.url),
);
const nodeSqlite = process.getBuiltinModule('node:sqlite') !== undefined;

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function directory(): string {
  const dir = tempDirectory();
  cleanups.push(dir.remove);
  return dir.path;
}

/** Runs the demo until it exits (or 20 s pass); what it printed, and its exit code. */
function runDemo(
  env: Record<string, string>,
  nodeOptions: string[] = [],
): Promise<{ code: number | null; output: string }> {
  const { REDIS_URL: _r, DATABASE_URL: _d, ...inherited } = process.env;
  const child = spawn(
    process.execPath,
    ['--import', import.meta.resolve('tsx'), ...nodeOptions, MAIN],
    { env: { ...inherited, PORT: '0', ...env }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
  return new Promise((resolve) => {
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

/** The one line the demo must print, as a pattern: store, cause, fix. */
function oneLine(store: string, cause: string, fix: string): RegExp {
  return new RegExp(
    `^session-limiter demo could not start: ${store} cannot be used: ${cause}\\. Fix: ${fix}\\.\\n$`,
  );
}

describe('the demo with a store it cannot use', () => {
  it('stops on a damaged SQLite file, saying which file and what to do', async () => {
    const dir = directory();
    writeFileSync(join(dir, 'sessions.db'), 'not a database\n'.repeat(200));
    const { code, output } = await runDemo({ DEMO_DIR: dir });
    expect(output).toMatch(
      oneLine(
        'SQLite at \\S+sessions\\.db',
        'file is not a database',
        'set DEMO_DIR to a writable directory, or move \\S+sessions\\.db away',
      ),
    );
    expect(code).toBe(1);
  });

  it('stops when Redis is unreachable, naming it and REDIS_URL', async () => {
    const url = `redis://127.0.0.1:${await sparePort()}`;
    const { code, output } = await runDemo({ DEMO_DIR: directory(), REDIS_URL: url });
    expect(output).toMatch(
      oneLine(
        `Redis at ${url}`,
        'connect ECONNREFUSED \\S+',
        'start Redis at that address, correct REDIS_URL, or unset it to use the SQLite file',
      ),
    );
    expect(code).toBe(1);
  });

  it('stops when PostgreSQL is unreachable, naming it (password hidden) and DATABASE_URL', async () => {
    const port = await sparePort();
    const { code, output } = await runDemo({
      DEMO_DIR: directory(),
      DATABASE_URL: `postgres://postgres:secret@127.0.0.1:${port}/test`,
    });
    expect(output).toMatch(
      oneLine(
        `PostgreSQL at postgres://postgres:\\*\\*\\*@127\\.0\\.0\\.1:${port}/test`,
        'connect ECONNREFUSED \\S+',
        'start PostgreSQL at that address, correct DATABASE_URL, or unset it to use the SQLite file',
      ),
    );
    expect(output).not.toContain('secret');
    expect(code).toBe(1);
  });

  it.skipIf(nodeSqlite)(
    'without node:sqlite (Node 20), stops when better-sqlite3 is missing, saying how to get it',
    async () => {
      const { code, output } = await runDemo({ DEMO_DIR: directory() }, [
        '--import',
        WITHOUT_BETTER_SQLITE3,
      ]);
      expect(output).toMatch(
        oneLine(
          'SQLite at \\S+sessions\\.db',
          "Cannot find package 'better-sqlite3'",
          'run npm install with this Node \\(it builds better-sqlite3\\), or use Node 22\\.13 or later, which has SQLite built in',
        ),
      );
      expect(code).toBe(1);
    },
  );
});

describe.runIf(nodeSqlite)('the demo on a Node with SQLite built in', () => {
  it('serves a sign-in without better-sqlite3, printing only where it listens', async () => {
    const demo = await startDemoProcess(directory(), {
      NODE_OPTIONS: `--import ${WITHOUT_BETTER_SQLITE3}`,
    });
    cleanups.push(() => demo.stop());
    const browser = new Browser(demo.url, 'session-limiter startup test');
    const login = await browser.json('/api/login', {
      json: { username: 'alice', password: 'alice' },
    });
    expect(login.status).toBe(200);
    // Node 22 would print an ExperimentalWarning for node:sqlite; the demo silences that one.
    expect(demo.output()).toMatch(
      /^session-limiter demo listening on \S+ \(store: SQLite at .+\)\n$/,
    );
  });
});
