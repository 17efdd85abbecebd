// The Express adapter under hostile input (see ./adapters.ts): on Express 5, and on Express 4 too
// in the long run (`npm run test:fuzz`).
import { EXPRESS_VERSIONS, expressHarness } from '../adapters/express-app.js';
import { describeHostileInput, deepRun } from './adapters.js';

for (const [name, express] of deepRun(EXPRESS_VERSIONS)) {
  describeHostileInput(expressHarness(name, express));
}
