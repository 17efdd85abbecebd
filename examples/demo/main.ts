// `npm start`: the demo on PORT (default 3000), 127.0.0.1, with the store the environment picks.
import { resolve } from 'node:path';
import { loadSecret } from './secret.js';
import { startDemo } from './server.js';
import { openStore } from './store.js';

const HOST = '127.0.0.1';

function readPort(value: string | undefined): number {
  if (value === undefined || value === '') return 3000;
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new Error(`PORT must be a whole number from 0 to 65535 (got ${JSON.stringify(value)})`);
  }
  return port;
}

async function main(): Promise<void> {
  const port = readPort(process.env.PORT);
  const directory = resolve(process.env.DEMO_DIR ?? '.demo');
  const store = await openStore({
    redisUrl: process.env.REDIS_URL,
    databaseUrl: process.env.DATABASE_URL,
    directory,
  });
  const demo = await startDemo({
    port,
    host: HOST,
    store,
    jwtSecret: process.env.JWT_SECRET ?? (await loadSecret(directory)),
  }).catch(async (error: unknown) => {
    await store.close();
    throw error;
  });
  console.log(`session-limiter demo listening on ${demo.url} (store: ${store.description})`);

  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) {
      // A second Ctrl-C: the user is done waiting.
      process.exit(1);
    }
    stopping = true;
    console.log(`${signal}: shutting down`);
    demo.close().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error(error);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main().catch((error: unknown) => {
  console.error(
    `session-limiter demo could not start: ${error instanceof Error ? error.message : String(error)}`,
  );
  process.exit(1);
});
