// Store factory for the race harness. A MemoryStore is per process, so races across processes
// with it prove nothing; it is here to test the harness itself.
import { MemoryStore } from '../../../src/index.js';

export default function createStore(): Promise<{ store: MemoryStore; close(): Promise<void> }> {
  return Promise.resolve({ store: new MemoryStore(), close: () => Promise.resolve() });
}
