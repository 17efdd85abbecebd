import { expect, it } from 'vitest';
import type { ClientName, StoreName } from './backends.js';
import { EXIT_MS, runScenario } from './child.js';
import { violations } from './report.js';

/**
 * One test per client library, run side by side: the scenario puts the store through `faults`
 * (their names, in order) under load and every property holds; its process then ends by itself.
 */
export function itSurvivesFaults(
  store: StoreName,
  clients: ClientName[],
  faults: string[],
  limitMs: number,
): void {
  for (const client of clients) {
    it.concurrent(
      `${client}: fails closed while the server is down, is back within 1 s, leaks nothing`,
      async () => {
        const run = await runScenario(store, client, 'quick', limitMs);
        expect(run.code, run.output).toBe(0);
        expect(run.exitMs, 'the process ends by itself once everything is closed').toBeLessThan(
          EXIT_MS,
        );
        expect(run.report?.faults.map((f) => f.name)).toEqual(faults);
        expect(violations(run.report!)).toEqual([]);
      },
      limitMs + 10_000,
    );
  }
}
