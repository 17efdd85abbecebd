// Logins racing from several processes on one SQLite file never exceed the limit.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { createSessionLimiter, type LimitAction } from '../../src/index.js';
import createStore from '../support/factories/sqlite.js';
import { startRace } from '../support/race.js';

const OPEN_CHILD = fileURLToPath(new URL('../support/sqlite-open-child.ts', import.meta.url));
const FACTORY = fileURLToPath(new URL('../support/factories/sqlite.ts', import.meta.url));
const PROCESSES = 4;
const PARALLEL = 50;
// Evict trials commit every login (200 in a row), reject trials stop at the first.
const TRIALS: Record<LimitAction, number> = { evict: 20, reject: 60 };

describe('SqliteStore across processes', () => {
  const dir = mkdtempSync(join(tmpdir(), 'session-limiter-sqlite-race-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  for (const onLimit of ['evict', 'reject'] as const) {
    it(`${PROCESSES} processes x ${PARALLEL} logins at limit 1 (${onLimit}) leave exactly 1 live`, async () => {
      const file = join(dir, `${onLimit}.db`);
      const race = await startRace({
        factory: FACTORY,
        factoryOptions: { file },
        processes: PROCESSES,
        parallel: PARALLEL,
        max: 1,
        onLimit,
      });
      const { store, close } = await createStore({ file });
      const checker = createSessionLimiter({ store, pruneInterval: false });
      try {
        for (let trial = 0; trial < TRIALS[onLimit]; trial++) {
          const userId = `${onLimit}-${trial}`;
          const result = await race.trial(userId);
          expect(result.errors, userId).toEqual([]);
          expect(result.successes, userId).toBe(onLimit === 'reject' ? 1 : PROCESSES * PARALLEL);
          expect(await checker.list(userId), userId).toHaveLength(1);
        }
      } finally {
        await race.close();
        await checker.dispose();
        await close();
      }
    });
  }

  it(`${PROCESSES} processes opening a new file at the same moment all open it`, async () => {
    for (let round = 0; round < 5; round++) {
      const file = join(dir, `opened-together-${round}.db`);
      expect(await openTogether(file, PROCESSES)).toEqual(Array(PROCESSES).fill('ready'));
    }
  });
});

/** Starts `count` processes, lets each open `file` once all are loaded, returns what each said. */
async function openTogether(file: string, count: number): Promise<string[]> {
  const children = Array.from({ length: count }, () =>
    spawn(process.execPath, ['--import', import.meta.resolve('tsx'), OPEN_CHILD, file]),
  );
  const outputs = children.map((child) => {
    let output = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
    return once(child, 'exit').then(() => output.replace('loaded\n', ''));
  });
  await Promise.all(children.map((child) => once(child.stdout, 'data')));
  for (const child of children) child.stdin.write('go\n');
  return Promise.all(outputs);
}
