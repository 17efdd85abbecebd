// Push propagation across processes: this process ends a session (revoke, or an eviction by a
// new login), a second process that holds the session in its warm cache and watches it measures
// how long until its `watch` fires and until its `validate` refuses. Times run from the start of
// the ending call, on the machine's clock (both processes run here). Prints median, p95 and max.
//
//   npx tsx bench/propagation.ts --store redis
//   npx tsx bench/propagation.ts --store postgres --repetitions 500
//   npx tsx bench/propagation.ts --store redis --options '{"client":"node-redis"}'
import { type ChildProcess, fork } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { createSessionLimiter, type SessionStore } from '../src/index.js';
import { median, percentile } from './stats.js';

const { values } = parseArgs({
  options: {
    store: { type: 'string', default: 'redis' },
    repetitions: { type: 'string', default: '300' },
    options: { type: 'string' },
    role: { type: 'string', default: 'ender' },
  },
});

type Factory = (options: unknown) => Promise<{ store: SessionStore; close: () => Promise<void> }>;

/** Messages from the ender to the watcher, and back. */
type ToWatcher = { type: 'watch'; token: string; id: string } | { type: 'exit' };
type ToEnder =
  | { type: 'ready' }
  | { type: 'watching' }
  | { type: 'measured'; watched: number; refused: number }
  | { type: 'failed'; error: string };

/** Milliseconds on a clock both processes share (the epoch, to a microsecond or so). */
const clock = () => performance.timeOrigin + performance.now();
/** How long the watcher waits for an end before it gives up on a repetition. */
const GIVE_UP_MS = 5_000;

async function openStore(factoryOptions: unknown) {
  const factory = fileURLToPath(
    new URL(`../test/support/factories/${values.store}.ts`, import.meta.url),
  );
  return ((await import(factory)) as { default: Factory }).default(factoryOptions);
}

/** The watching process: warm cache, a watcher, and validate in a loop until it refuses. */
async function watcher(factoryOptions: unknown): Promise<void> {
  const send = (message: ToEnder) => process.send?.(message);
  const { store, close } = await openStore(factoryOptions);
  const limiter = createSessionLimiter({ store, pruneInterval: false });
  process.on('message', (message: ToWatcher) => {
    if (message.type === 'exit') {
      void limiter
        .dispose()
        .then(close)
        .finally(() => process.exit(0));
      return;
    }
    void (async () => {
      let watched = 0;
      limiter.watch(message.id, () => (watched = clock()));
      if (!(await limiter.validate(message.token)).ok) throw new Error('the session is not live');
      send({ type: 'watching' });
      const deadline = clock() + GIVE_UP_MS;
      while ((await limiter.validate(message.token)).ok) {
        if (clock() > deadline) throw new Error(`validate still accepts after ${GIVE_UP_MS} ms`);
        await new Promise((resolve) => setImmediate(resolve));
      }
      const refused = clock();
      while (watched === 0) {
        if (clock() > deadline) throw new Error(`watch did not fire within ${GIVE_UP_MS} ms`);
        await new Promise((resolve) => setTimeout(resolve, 1));
      }
      send({ type: 'measured', watched, refused });
    })().catch((error: unknown) => send({ type: 'failed', error: String(error) }));
  });
  // Let the push channel come up before the first repetition.
  await new Promise((resolve) => setTimeout(resolve, 500));
  send({ type: 'ready' });
}

function next<T extends ToEnder['type']>(
  child: ChildProcess,
  type: T,
): Promise<Extract<ToEnder, { type: T }>> {
  return new Promise((resolve, reject) => {
    const onMessage = (message: ToEnder) => {
      child.off('message', onMessage);
      if (message.type === type) resolve(message as Extract<ToEnder, { type: T }>);
      else reject(new Error(message.type === 'failed' ? message.error : `got ${message.type}`));
    };
    child.on('message', onMessage);
  });
}

function row(name: string, samples: number[]): string {
  const ms = (value: number) => value.toFixed(2).padStart(8);
  return `${name.padEnd(18)} ${ms(median(samples))} ${ms(percentile(samples, 95))} ${ms(Math.max(...samples))}`;
}

async function ender(factoryOptions: unknown): Promise<void> {
  const repetitions = Number(values.repetitions);
  const child = fork(
    fileURLToPath(import.meta.url),
    ['--store', values.store, '--role', 'watcher', '--options', JSON.stringify(factoryOptions)],
    { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] },
  );
  const { store, close } = await openStore(factoryOptions);
  const limiter = createSessionLimiter({ store, policy: { max: 1 }, pruneInterval: false });
  const watched: number[] = [];
  const refused: number[] = [];
  try {
    await next(child, 'ready');
    for (let i = 0; i < repetitions; i++) {
      const userId = `propagation-${i}-${randomBytes(4).toString('hex')}`;
      const opened = await limiter.open({ userId });
      if (!opened.ok) throw new Error('the login was refused');
      const watching = next(child, 'watching');
      child.send({ type: 'watch', token: opened.token, id: opened.session.id });
      await watching;
      const measured = next(child, 'measured');
      const started = clock();
      // Half the ends are revocations, half evictions by a second login.
      if (i % 2 === 0) await limiter.revoke(userId, opened.session.id);
      else await limiter.open({ userId });
      const result = await measured;
      watched.push(result.watched - started);
      refused.push(result.refused - started);
    }
  } finally {
    child.send({ type: 'exit' });
    await limiter.dispose();
    await close();
  }
  console.log(`store=${values.store} repetitions=${repetitions} (ms from the start of the end)`);
  console.log(`${''.padEnd(18)} ${'median'.padStart(8)} ${'p95'.padStart(8)} ${'max'.padStart(8)}`);
  console.log(row('watch fired', watched));
  console.log(row('validate refused', refused));
}

const factoryOptions: unknown = {
  prefix: `propagation-${randomBytes(4).toString('hex')}`,
  ...(values.options ? (JSON.parse(values.options) as object) : {}),
};
if (values.role === 'watcher') await watcher(factoryOptions);
else await ender(factoryOptions);
