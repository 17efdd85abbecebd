// Messages between row 7 (the process that ends sessions) and its watcher process.

/** From the ending process to the watcher. */
export type ToWatcher = { type: 'watch'; token: string; id: string } | { type: 'exit' };

/** From the watcher back. */
export type ToEnder =
  | { type: 'ready' }
  | { type: 'watching' }
  | { type: 'measured'; watched: number; refused: number }
  | { type: 'failed'; error: string };

/** Milliseconds on a clock both processes share (the epoch, to a microsecond or so). */
export const clock = (): number => performance.timeOrigin + performance.now();

/** How long the watcher waits for an end before it gives up on a trial. */
export const GIVE_UP_MS = 5_000;
