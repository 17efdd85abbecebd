// The fetch gate (session-limiter/fetch) adapter under hostile input: see ./adapters.ts.
import { fetchHarness } from '../adapters/fetch-app.js';
import { describeHostileInput } from './adapters.js';

describeHostileInput(fetchHarness);
