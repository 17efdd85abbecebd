// Row 7: revocation across processes. This process revokes a session; a second process, which
// holds the session in its warm cache and watches it, measures how long until its `validate`
// refuses (and its `watch` fires), from the start of the revoke call, on the machine's clock.
import { type ChildProcess, fork } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { createSessionLimiter } from '../../src/index.js';
import { clock, type ToEnder, type ToWatcher } from '../children/protocol.js';
import { openStore, withPlaces, type StorePlace } from '../lib/stores.js';
import type { Figure, Row } from '../row.js';
import { median, percentile } from '../stats.js';

const WATCHER = fileURLToPath(new URL('../children/watcher.ts', import.meta.url));
/** p99 targets per store, in milliseconds. */
const TARGETS = { redis: 20, postgres: 50 } as const;

export const row: Row = {
  id: '7',
  name: 'propagation',
  title: 'Revoke in process A until refused in process B (Redis, PostgreSQL)',
  async run(context) {
    const trials = context.quick ? 100 : 1000;
    const figures: Figure[] = [];
    for (const kind of ['redis', 'postgres'] as const) {
      const { refused, watched } = await withPlaces([kind], 'propagation', ([place]) =>
        measure(place!, trials),
      );
      const ms = (samples: number[], p: number) => percentile(samples, p).toFixed(2);
      context.log(`${kind}: refused p50 ${ms(refused, 50)} ms, p99 ${ms(refused, 99)} ms`);
      figures.push({
        label: `${kind}: revoke → refused, p99`,
        value: percentile(refused, 99),
        unit: 'ms',
        target: { atMost: TARGETS[kind], timing: true },
        detail:
          `${trials} trials; refused median ${median(refused).toFixed(2)}, max ${Math.max(...refused).toFixed(2)} ms; ` +
          `watch fired median ${median(watched).toFixed(2)}, p99 ${ms(watched, 99)} ms`,
      });
    }
    return figures;
  },
};

async function measure(
  place: StorePlace,
  trials: number,
): Promise<{ refused: number[]; watched: number[] }> {
  const child = fork(WATCHER, [JSON.stringify(place)], {
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const opened = await openStore(place);
  const limiter = createSessionLimiter({ store: opened.store, pruneInterval: false });
  const refused: number[] = [];
  const watched: number[] = [];
  try {
    await next(child, 'ready');
    for (let i = 0; i < trials; i++) {
      const userId = `propagation-${i}-${randomBytes(4).toString('hex')}`;
      const session = await limiter.open({ userId });
      if (!session.ok) throw new Error('the login was refused');
      const watching = next(child, 'watching');
      send(child, { type: 'watch', token: session.token, id: session.session.id });
      await watching;
      const measured = next(child, 'measured');
      const started = clock();
      await limiter.revoke(userId, session.session.id);
      const result = await measured;
      refused.push(result.refused - started);
      watched.push(result.watched - started);
    }
  } finally {
    if (child.exitCode === null) {
      const exited = once(child, 'exit');
      send(child, { type: 'exit' });
      await exited;
    }
    await limiter.dispose();
    await opened.close();
  }
  return { refused, watched };
}

function send(child: ChildProcess, message: ToWatcher): void {
  child.send(message);
}

/** The watcher's next message, which must be of `type`; a failure or an exit rejects. */
function next<T extends ToEnder['type']>(
  child: ChildProcess,
  type: T,
): Promise<Extract<ToEnder, { type: T }>> {
  return new Promise((resolve, reject) => {
    const onMessage = (message: ToEnder) => {
      cleanup();
      if (message.type === type) resolve(message as Extract<ToEnder, { type: T }>);
      else reject(new Error(message.type === 'failed' ? message.error : `got ${message.type}`));
    };
    const onExit = (code: number | null) => {
      cleanup();
      reject(new Error(`the watcher exited with ${code}`));
    };
    const cleanup = () => {
      child.off('message', onMessage);
      child.off('exit', onExit);
    };
    child.on('message', onMessage);
    child.once('exit', onExit);
  });
}
