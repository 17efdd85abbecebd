// The NestJS module, on the Express and the Fastify platform, under hostile input: see
// ./adapters.ts.
import { nestHarness, PLATFORMS } from '../adapters/nestjs-app.js';
import { describeHostileInput } from './adapters.js';

for (const platform of PLATFORMS) describeHostileInput(nestHarness(platform));
