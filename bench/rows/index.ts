// Every row of `npm run bench`, in table order. To add a row, write bench/rows/NN-name.ts
// exporting `row: Row` (see bench/row.ts and bench/README.md) and list it here.
import type { Row } from '../row.js';
import { row as express } from './01-express.js';
import { row as frameworks } from './02-frameworks.js';
import { row as peers } from './03-peers.js';
import { row as expressSession } from './04-express-session.js';
import { row as stores } from './05-stores.js';
import { row as openLatency } from './06-open-latency.js';
import { row as propagation } from './07-propagation.js';
import { row as scale } from './08-scale.js';
import { row as memoryHeap } from './09-memory-heap.js';
import { row as jwt } from './10-jwt.js';
import { row as simultaneous } from './11-simultaneous.js';

export const ROWS: readonly Row[] = [
  express,
  frameworks,
  peers,
  expressSession,
  stores,
  openLatency,
  propagation,
  scale,
  memoryHeap,
  jwt,
  simultaneous,
];
