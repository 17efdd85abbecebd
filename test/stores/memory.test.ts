import { MemoryStore } from '../../src/index.js';
import { describeStoreConformance } from '../conformance/suite.js';

describeStoreConformance('MemoryStore', () =>
  Promise.resolve({ store: new MemoryStore(), close: () => Promise.resolve() }),
);
