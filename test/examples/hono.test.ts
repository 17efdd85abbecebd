// The Hono example serves the demo's session routes with the demo's answers, and the live notice.
import { fileURLToPath } from 'node:url';
import { startHonoExample } from '../../examples/hono/server.js';
import { describeExample, describeLiveNotice } from './story.js';

describeExample({
  name: 'Hono',
  script: 'example:hono',
  start: startHonoExample,
  main: fileURLToPath(new URL('../../examples/hono/main.ts', import.meta.url)),
});
describeLiveNotice({ name: 'Hono', start: startHonoExample });
