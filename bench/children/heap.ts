// The process of row 9 (bench/rows/09-memory-heap.ts): open/close cycles on a limiter with the
// memory store, by a fixed set of users, taking the heap after a forced garbage collection at
// even steps. Prints one JSON line: { samples: [{ cycles, heapUsed }] }.
//   node --expose-gc --import tsx bench/children/heap.ts <cycles> <users> <samples>
import { createSessionLimiter } from '../../src/index.js';

const [cycles, users, samples] = process.argv.slice(2, 5).map(Number) as [number, number, number];
const collect = (globalThis as { gc?: () => void }).gc;
if (!collect) throw new Error('run with --expose-gc');

/** Two full collections, so what a first one leaves to finalize is gone too. */
function heapUsed(): number {
  collect!();
  collect!();
  return process.memoryUsage().heapUsed;
}

const limiter = createSessionLimiter();
const every = Math.max(1, Math.floor(cycles / samples));
const taken = [{ cycles: 0, heapUsed: heapUsed() }];
for (let i = 1; i <= cycles; i++) {
  const opened = await limiter.open({ userId: `user-${i % users}` });
  if (!opened.ok) throw new Error('a login was refused');
  await limiter.close(opened.token);
  if (i % every === 0) taken.push({ cycles: i, heapUsed: heapUsed() });
}
await limiter.dispose();
console.log(JSON.stringify({ samples: taken }));
