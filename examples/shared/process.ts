// The process side of every example's `main`: how it starts, and how it stops on a signal.

/**
 * Runs an example: `start` listens and returns how to close; a failure to start is one line and
 * exit code 1.
 */
export function runExample(name: string, start: () => Promise<{ close(): Promise<void> }>): void {
  start().then(
    (running) => closeOnSignals(() => running.close()),
    (error: unknown) => {
      console.error(
        `${name} could not start: ${error instanceof Error ? error.message : String(error)}`,
      );
      process.exit(1);
    },
  );
}

/** Closes on SIGINT or SIGTERM, then exits; a second signal exits at once. */
function closeOnSignals(close: () => Promise<void>): void {
  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) {
      // A second Ctrl-C: the user is done waiting.
      process.exit(1);
    }
    stopping = true;
    console.log(`${signal}: shutting down`);
    close().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error(error);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}
