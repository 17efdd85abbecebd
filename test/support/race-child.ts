// One process of a login race (see race.ts): opens its own store, then fires logins on command.
import { createSessionLimiter, type SessionStore } from '../../src/index.js';
import type { RaceOptions } from './race.js';

type Factory = (options: unknown) => Promise<{ store: SessionStore; close: () => Promise<void> }>;

const send = (message: object) => process.send?.(message);

async function main(): Promise<void> {
  const options = JSON.parse(process.argv[2] ?? '{}') as RaceOptions;
  const factory = ((await import(options.factory)) as { default: Factory }).default;
  const { store, close } = await factory(options.factoryOptions);
  const limiter = createSessionLimiter({
    store,
    policy: { max: options.max, onLimit: options.onLimit },
    pruneInterval: false,
  });

  process.on('message', (message: { type: string; userId?: string }) => {
    if (message.type === 'exit') {
      void limiter
        .dispose()
        .then(close)
        .finally(() => process.exit(0));
      return;
    }
    const userId = message.userId ?? 'racer';
    void Promise.allSettled(
      Array.from({ length: options.parallel }, () => limiter.open({ userId })),
    ).then((results) => {
      let successes = 0;
      const errors: string[] = [];
      for (const r of results) {
        if (r.status === 'rejected') errors.push(String(r.reason));
        else if (r.value.ok) successes++;
      }
      send({ type: 'done', userId, successes, errors });
    });
  });
  send({ type: 'ready' });
}

main().catch((error: unknown) => {
  send({ type: 'failed', error: String(error) });
  process.exit(1);
});
