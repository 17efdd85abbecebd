// Row 2: the other frameworks' hot path. Each adapter in cookie mode (memory store) against the
// same framework's bare app, on the same route as row 1; each framework's pair interleaved on
// its own, so the two sides of a ratio always run next to each other.
import { compareRuns, interleaveApps, loadSettings, serverScript } from '../lib/http.js';
import type { Figure, Row } from '../row.js';

const FRAMEWORKS = [
  { name: 'fastify', title: 'Fastify' },
  { name: 'hono', title: 'Hono (@hono/node-server)' },
  { name: 'koa', title: 'Koa' },
] as const;

export const row: Row = {
  id: '2',
  name: 'frameworks',
  title: 'Fastify, Hono, Koa: cookie mode (memory store) vs each bare app',
  async run(context) {
    const figures: Figure[] = [];
    for (const { name, title } of FRAMEWORKS) {
      context.log(title);
      const server = serverScript(name);
      const runs = await interleaveApps(
        context,
        [
          { name: `${name} bare`, app: 'bare', server },
          { name, app: 'limited', server },
        ],
        loadSettings(context.quick),
      );
      figures.push(
        compareRuns(runs, name, `${name} bare`, `${title}: sessionLimit / bare app`, {
          atLeast: 0.9,
          timing: true,
        }),
      );
    }
    return figures;
  },
};
