// `npm run example:koa`: the demo's session routes and live notice on Koa, on PORT (default
// 3000), 127.0.0.1, with the memory store.
import { readPort } from '../shared/port.js';
import { runExample } from '../shared/process.js';
import { startKoaExample } from './server.js';

runExample('session-limiter Koa example', async () => {
  const example = await startKoaExample({ port: readPort(process.env.PORT), host: '127.0.0.1' });
  console.log(`session-limiter Koa example listening on ${example.url} (store: memory)`);
  return example;
});
