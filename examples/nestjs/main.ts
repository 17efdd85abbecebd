// `npm run example:nestjs`: the demo's JSON routes as a NestJS app on PORT (default 3000),
// 127.0.0.1, on the Express platform, or on Fastify with NEST_PLATFORM=fastify.
import { readPort } from '../shared/port.js';
import { runExample } from '../shared/process.js';
import { type Platform, startNestExample } from './server.js';

function readPlatform(value: string | undefined): Platform {
  if (value === undefined || value === '' || value === 'express') return 'express';
  if (value === 'fastify') return 'fastify';
  throw new Error(`NEST_PLATFORM must be express or fastify (got ${JSON.stringify(value)})`);
}

runExample('session-limiter NestJS example', async () => {
  const platform = readPlatform(process.env.NEST_PLATFORM);
  const port = readPort(process.env.PORT);
  const example = await startNestExample({ port, host: '127.0.0.1', platform });
  console.log(`session-limiter NestJS example (${platform}) listening on ${example.url}`);
  return example;
});
