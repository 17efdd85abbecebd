// The Hono adapter under hostile input: see ./adapters.ts.
import { honoHarness } from '../adapters/hono-app.js';
import { describeHostileInput } from './adapters.js';

describeHostileInput(honoHarness);
