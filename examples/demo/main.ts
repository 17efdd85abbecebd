// `npm start`: the demo on PORT (default 3000), 127.0.0.1, with the store the environment picks.
import { resolve } from 'node:path';
import { readPort } from '../shared/port.js';
import { runExample } from '../shared/process.js';
import { loadSecret } from './secret.js';
import { startDemo } from './server.js';
import { openStore } from './store.js';

runExample('session-limiter demo', async () => {
  const port = readPort(process.env.PORT);
  const directory = resolve(process.env.DEMO_DIR ?? '.demo');
  // Checks the store before listening: an unusable one stops the demo here.
  const store = await openStore({
    redisUrl: process.env.REDIS_URL,
    databaseUrl: process.env.DATABASE_URL,
    directory,
  });
  const demo = await startDemo({
    port,
    host: '127.0.0.1',
    store,
    jwtSecret: process.env.JWT_SECRET ?? (await loadSecret(directory)),
  }).catch(async (error: unknown) => {
    await store.close();
    throw error;
  });
  console.log(`session-limiter demo listening on ${demo.url} (store: ${store.description})`);
  return demo;
});
