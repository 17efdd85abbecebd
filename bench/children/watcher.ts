// The second process of row 7 (bench/rows/07-propagation.ts): it holds a session in its warm
// cache and watches it; when told to, it validates in a loop until the session is refused and
// reports when its `watch` fired and when `validate` refused, on the machine's clock.
//   node --import tsx bench/children/watcher.ts '<StorePlace JSON>'
import { createSessionLimiter } from '../../src/index.js';
import { openStore, type StorePlace } from '../lib/stores.js';
import { clock, GIVE_UP_MS, type ToEnder, type ToWatcher } from './protocol.js';

const send = (message: ToEnder) => process.send?.(message);
const place = JSON.parse(process.argv[2] ?? '{}') as StorePlace;
const opened = await openStore(place);
const limiter = createSessionLimiter({ store: opened.store, pruneInterval: false });

process.on('message', (message: ToWatcher) => {
  if (message.type === 'exit') {
    void limiter
      .dispose()
      .then(() => opened.close())
      .finally(() => process.exit(0));
    return;
  }
  watch(message.token, message.id).catch((error: unknown) =>
    send({ type: 'failed', error: String(error) }),
  );
});
// Let the push channel come up before the first trial.
await new Promise((resolve) => setTimeout(resolve, 500));
send({ type: 'ready' });

async function watch(token: string, id: string): Promise<void> {
  let watched = 0;
  limiter.watch(id, () => (watched = clock()));
  if (!(await limiter.validate(token)).ok) throw new Error('the session is not live');
  send({ type: 'watching' });
  const deadline = clock() + GIVE_UP_MS;
  while ((await limiter.validate(token)).ok) {
    if (clock() > deadline) throw new Error(`validate still accepts after ${GIVE_UP_MS} ms`);
    await new Promise((resolve) => setImmediate(resolve));
  }
  const refused = clock();
  while (watched === 0) {
    if (clock() > deadline) throw new Error(`watch did not fire within ${GIVE_UP_MS} ms`);
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
  send({ type: 'measured', watched, refused });
}
