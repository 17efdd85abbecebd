// Row 1: the Express 5 hot path. sessionLimit in cookie mode (memory store) against a
// hand-written floor (read the cookie, one Map lookup, one constant-time compare) and a bare app.
import { compareRuns, interleaveApps, loadSettings } from '../lib/http.js';
import type { Row } from '../row.js';

export const row: Row = {
  id: '1',
  name: 'express',
  title: 'Express 5: cookie mode (memory store) vs a hand-written floor vs bare',
  async run(context) {
    const runs = await interleaveApps(
      context,
      [
        { name: 'bare', app: 'bare' },
        { name: 'floor', app: 'floor' },
        { name: 'sessionLimit', app: 'limited' },
      ],
      loadSettings(context.quick),
    );
    return [
      compareRuns(runs, 'sessionLimit', 'floor', 'sessionLimit / hand-written floor', {
        atLeast: 1.0,
        timing: true,
      }),
      compareRuns(runs, 'sessionLimit', 'bare', 'sessionLimit / bare app'),
      compareRuns(runs, 'floor', 'bare', 'hand-written floor / bare app'),
    ];
  },
};
