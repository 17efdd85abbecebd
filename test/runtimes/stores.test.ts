// The core on every store and client library under Bun and Deno: store-story.ts runs in each
// (as the examples run) against the Redis and PostgreSQL the other suites use and an in-memory
// SQLite, and must report an eviction, a revocation, and a watcher told at once, for every store.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { npmScript, RUNTIMES } from './runners.js';

const script = fileURLToPath(new URL('store-story.ts', import.meta.url));

/** Runs store-story.ts with `runner` and returns what it reported. */
function runStory(runner: string[]): Promise<Record<string, string>> {
  const [command = '', ...args] = runner;
  return new Promise((resolve, reject) => {
    const child = spawn(command, [...args, script], { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('error', reject);
    child.once('exit', (code) => {
      const line = /^RESULT (.*)$/m.exec(output)?.[1];
      if (code === 0 && line) resolve(JSON.parse(line) as Record<string, string>);
      else reject(new Error(`${command} exited with ${String(code)}:\n${output}`));
    });
  });
}

for (const [name, binary] of RUNTIMES) {
  describe(`the stores on ${name}`, () => {
    it("evict, revoke and tell a watcher, on memory, Redis (ioredis, node-redis), PostgreSQL (pg, postgres) and SQLite (the runtime's own)", async () => {
      const results = await runStory(npmScript(name, binary).runner);
      const expected = 'evicted, revoked, watched revoked';
      expect(results).toEqual({
        memory: expected,
        ioredis: expected,
        'node-redis': expected,
        pg: expected,
        postgres: expected,
        sqlite: `${expected} (${name === 'bun' ? 'bun:sqlite' : 'node:sqlite'})`,
      });
    });
  });
}
