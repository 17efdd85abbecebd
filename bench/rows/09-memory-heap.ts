// Row 9: the memory store's heap over many open/close cycles by 100 users. A child process runs
// the cycles and takes the heap after a forced collection at 40 even steps; the figure is the
// heap's growth per cycle after the first half (the warm-up), by least squares. Flat means
// what a logout leaves behind is bounded: a busy process does not grow with the cycles it has
// served.
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { Row } from '../row.js';
import { slope } from '../stats.js';

const CHILD = fileURLToPath(new URL('../children/heap.ts', import.meta.url));
const USERS = 100;
const SAMPLES = 40;
/** Flat: less than this many bytes of heap per cycle after warm-up (today's growth is ~300). */
const FLAT = 2;

export const row: Row = {
  id: '9',
  name: 'memory-heap',
  title: 'Memory store: heap over open/close cycles by 100 users, after warm-up',
  async run(context) {
    const cycles = context.quick ? 100_000 : 1_000_000;
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ['--expose-gc', '--import', 'tsx', CHILD, String(cycles), String(USERS), String(SAMPLES)],
      { timeout: 20 * 60_000, maxBuffer: 1 << 20 },
    );
    const { samples } = JSON.parse(stdout) as { samples: { cycles: number; heapUsed: number }[] };
    const after = samples.filter((sample) => sample.cycles >= cycles / 2);
    const growth = slope(
      after.map((s) => s.cycles),
      after.map((s) => s.heapUsed),
    );
    const mb = (bytes: number) => (bytes / 1024 / 1024).toFixed(1);
    const first = samples[0]!.heapUsed;
    const middle = after[0]!.heapUsed;
    const last = after.at(-1)!.heapUsed;
    context.log(
      `heap ${mb(first)} MB at start, ${mb(middle)} MB after warm-up, ${mb(last)} MB at the end`,
    );
    return [
      {
        label: `heap growth per cycle over cycles ${cycles / 2}-${cycles}`,
        value: growth,
        unit: 'B/cycle',
        target: { atMost: FLAT, timing: false },
        detail:
          `${cycles} cycles by ${USERS} users; heap after forced GC: ${mb(first)} MB at start, ` +
          `${mb(middle)} MB after warm-up, ${mb(last)} MB at the end; ` +
          `warm-up growth ${((middle - first) / (cycles / 2)).toFixed(1)} B/cycle`,
      },
    ];
  },
};
