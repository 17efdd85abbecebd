import { MemoryStore } from '../../src/index.js';
import { describeJwtSessions } from './scenarios.js';

describeJwtSessions('MemoryStore', () =>
  Promise.resolve({ store: new MemoryStore(), close: () => Promise.resolve() }),
);
