// The Koa adapter under hostile input (see ./adapters.ts): on Koa 3, and on Koa 2 too in the long
// run (`npm run test:fuzz`).
import { KOA_VERSIONS, koaHarness } from '../adapters/koa-app.js';
import { describeHostileInput, deepRun } from './adapters.js';

for (const [name, Koa] of deepRun(KOA_VERSIONS)) describeHostileInput(koaHarness(name, Koa));
