// Row 3: what users run instead. sessionLimit in cookie mode (memory store) against
// express-session with its MemoryStore alone, and against better-auth's getSession (SQLite
// through better-sqlite3, as its guide sets it up), each on the same Express 5 route.
import { compareRuns, interleaveApps, loadSettings } from '../lib/http.js';
import type { Row } from '../row.js';

export const row: Row = {
  id: '3',
  name: 'peers',
  title:
    "Express 5: cookie mode vs express-session (MemoryStore) alone; vs better-auth's getSession (SQLite)",
  async run(context) {
    const runs = await interleaveApps(
      context,
      [
        { name: 'sessionLimit', app: 'limited' },
        { name: 'express-session', app: 'express-session' },
        { name: 'better-auth', app: 'better-auth' },
      ],
      loadSettings(context.quick),
    );
    return [
      compareRuns(runs, 'sessionLimit', 'express-session', 'sessionLimit / express-session', {
        atLeast: 1.4,
        timing: true,
      }),
      compareRuns(runs, 'sessionLimit', 'better-auth', 'sessionLimit / better-auth getSession', {
        atLeast: 4.5,
        timing: true,
      }),
    ];
  },
};
