// `npm run example:fastify`: the demo's session routes on Fastify, on PORT (default 3000),
// 127.0.0.1, with the memory store.
import { readPort } from '../shared/port.js';
import { runExample } from '../shared/process.js';
import { startFastifyExample } from './server.js';

runExample('session-limiter Fastify example', async () => {
  const example = await startFastifyExample({
    port: readPort(process.env.PORT),
    host: '127.0.0.1',
  });
  console.log(`session-limiter Fastify example listening on ${example.url} (store: memory)`);
  return example;
});
