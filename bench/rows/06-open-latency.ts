// Row 6: open() latency per store as a multiple of that store's bare round trip (Redis PING,
// PostgreSQL SELECT 1, a prepared SQLite SELECT 1 on the same file). In-process, one call at a
// time, the two sides in alternating batches. The logins cycle through 200 users at a limit of
// 3 with eviction, so after the first rounds every open also evicts a session, as logins of
// signed-in users do.
import { createSessionLimiter } from '../../src/index.js';
import { latencyRounds, roundRatios } from '../lib/rounds.js';
import {
  openStore,
  roundTrip,
  withPlaces,
  type StoreKind,
  type StorePlace,
} from '../lib/stores.js';
import { ratioFigure, type Figure, type Row } from '../row.js';
import { median, percentile, summarize } from '../stats.js';

const STORES: readonly StoreKind[] = ['sqlite', 'redis', 'postgres'];
const USERS = 200;

export const row: Row = {
  id: '6',
  name: 'open-latency',
  title: 'open() latency p50/p99 per store, as a multiple of its bare round trip',
  async run(context) {
    const settings = context.quick
      ? { rounds: 5, calls: 100, warmup: 1 }
      : { rounds: 15, calls: 400, warmup: 2 };
    const figures: Figure[] = [];
    for (const kind of STORES) {
      figures.push(...(await withPlaces([kind], 'open', ([place]) => measure(place!, settings))));
      context.log(
        figures
          .slice(-2)
          .map((f) => `${f.label} ${f.value.toFixed(2)}`)
          .join(', '),
      );
    }
    return figures;
  },
};

async function measure(
  place: StorePlace,
  settings: { rounds: number; calls: number; warmup: number },
): Promise<Figure[]> {
  const opened = await openStore(place);
  const limiter = createSessionLimiter({
    store: opened.store,
    policy: { max: 3, onLimit: 'evict' },
    pruneInterval: false,
  });
  const bare = await roundTrip(place);
  try {
    let login = 0;
    const times = await latencyRounds(
      {
        open: async () => {
          const result = await limiter.open({ userId: `user-${login++ % USERS}` });
          if (!result.ok) throw new Error('a login was refused');
        },
        roundTrip: bare.call,
      },
      settings,
    );
    const ms = (rounds: number[][], p: number) =>
      median(rounds.map((samples) => percentile(samples, p))).toPrecision(3);
    const detail = (p: number) =>
      `median of round p${p}s: open ${ms(times.open, p)} ms, round trip ${ms(times.roundTrip, p)} ms`;
    const figure = (p: number) =>
      ratioFigure(
        `${place.store}: open p${p} / round trip p${p}`,
        summarize(roundRatios(times.open, times.roundTrip, (s) => percentile(s, p))),
        { atMost: 2, timing: true },
        detail(p),
      );
    return [figure(50), figure(99)];
  } finally {
    await bare.close();
    await limiter.dispose();
    await opened.close();
  }
}
