// The Koa example serves the demo's session routes with the demo's answers, and the live notice.
import { fileURLToPath } from 'node:url';
import { startKoaExample } from '../../examples/koa/server.js';
import { describeExample, describeLiveNotice } from './story.js';

describeExample({
  name: 'Koa',
  script: 'example:koa',
  start: startKoaExample,
  main: fileURLToPath(new URL('../../examples/koa/main.ts', import.meta.url)),
});
describeLiveNotice({ name: 'Koa', start: startKoaExample });
