// The NestJS example on both platforms serves the demo's session routes with the demo's answers,
// and the live notice. Compiled without decorator metadata, as `npm run example:nestjs` (tsx) runs it.
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';
import { startNestExample } from '../../examples/nestjs/server.js';
import { SessionsController } from '../../examples/nestjs/sessions.controller.js';
import { describeExample, describeLiveNotice } from './story.js';

for (const platform of ['express', 'fastify'] as const) {
  const start = (options: { port: number; host: string }) =>
    startNestExample({ ...options, platform });
  describeExample({
    name: `NestJS (${platform})`,
    script: 'example:nestjs',
    start,
    main: fileURLToPath(new URL('../../examples/nestjs/main.ts', import.meta.url)),
  });
  describeLiveNotice({ name: `NestJS (${platform})`, start });
}

it('runs without decorator metadata: every injection names its token', () => {
  expect(Reflect.getMetadata('design:paramtypes', SessionsController)).toBeUndefined();
});
