// The Fastify example serves the demo's session routes with the demo's answers, and the live notice.
import { fileURLToPath } from 'node:url';
import { startFastifyExample } from '../../examples/fastify/server.js';
import { describeExample, describeLiveNotice } from './story.js';

describeExample({
  name: 'Fastify',
  script: 'example:fastify',
  start: startFastifyExample,
  main: fileURLToPath(new URL('../../examples/fastify/main.ts', import.meta.url)),
});
describeLiveNotice({ name: 'Fastify', start: startFastifyExample });
