// Row 5: the per-request check on each store against the memory store, warm: Redis and
// PostgreSQL serve it from the limiter's lookup cache (kept true by their push channel), SQLite
// reads its file on every request. Express 5, cookie mode, one session.
import { compareRuns, interleaveApps, loadSettings } from '../lib/http.js';
import { withPlaces } from '../lib/stores.js';
import type { Row } from '../row.js';

const STORES = ['sqlite', 'redis', 'postgres'] as const;

export const row: Row = {
  id: '5',
  name: 'stores',
  title: 'Per-request check on SQLite, Redis, PostgreSQL vs the memory store (warm cache)',
  run: (context) =>
    withPlaces(STORES, 'http', async (places) => {
      const runs = await interleaveApps(
        context,
        [
          { name: 'memory', app: 'limited' },
          ...places.map((place) => ({ name: place.store, app: 'limited', options: place })),
        ],
        loadSettings(context.quick),
      );
      return STORES.map((store) =>
        compareRuns(runs, store, 'memory', `${store} / memory`, { atLeast: 0.97, timing: true }),
      );
    }),
};
