/**
 * How long a fault scenario's phases last: `quick` for CI (a few seconds per fault), `long` for
 * `npm run test:faults` (longer outages, more load, three rounds).
 */
export const PROFILES = {
  quick: { timeout: 500, windowMs: 1_000, steadyMs: 200, afterMs: 1_400, workers: 3, rounds: 1 },
  long: { timeout: 1_000, windowMs: 4_000, steadyMs: 1_000, afterMs: 3_000, workers: 8, rounds: 3 },
} as const;

export type ProfileName = keyof typeof PROFILES;

/** What a scenario prints once it has closed everything and written its report. */
export const DONE = 'scenario done';
