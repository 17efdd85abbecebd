// `npm run example:hono`: the demo's session routes on Hono and @hono/node-server, on PORT
// (default 3000), 127.0.0.1, with the memory store.
import { readPort } from '../shared/port.js';
import { runExample } from '../shared/process.js';
import { startHonoExample } from './server.js';

runExample('session-limiter Hono example', async () => {
  const example = await startHonoExample({ port: readPort(process.env.PORT), host: '127.0.0.1' });
  console.log(`session-limiter Hono example listening on ${example.url} (store: memory)`);
  return example;
});
