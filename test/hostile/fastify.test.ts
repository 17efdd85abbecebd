// The Fastify adapter under hostile input: see ./adapters.ts.
import { fastifyHarness } from '../adapters/fastify-app.js';
import { describeHostileInput } from './adapters.js';

describeHostileInput(fastifyHarness);
