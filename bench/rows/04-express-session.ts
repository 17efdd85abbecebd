// Row 4: the guard on an existing session. express-session plus sessionLimit in
// express-session mode against express-session alone, on the same Express 5 route.
import { compareRuns, interleaveApps, loadSettings } from '../lib/http.js';
import type { Row } from '../row.js';

export const row: Row = {
  id: '4',
  name: 'express-session',
  title:
    'Express 5: express-session + sessionLimit (express-session mode) vs express-session alone',
  async run(context) {
    const runs = await interleaveApps(
      context,
      [
        { name: 'express-session', app: 'express-session' },
        { name: 'guarded', app: 'express-session-limited' },
      ],
      loadSettings(context.quick),
    );
    return [
      compareRuns(runs, 'guarded', 'express-session', 'with sessionLimit / express-session alone', {
        atLeast: 0.97,
        timing: true,
      }),
    ];
  },
};
