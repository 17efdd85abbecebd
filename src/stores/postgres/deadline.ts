import { SessionLimiterError } from '../../errors.js';

/**
 * Settles as `work` does, or rejects with `STORE_UNAVAILABLE` once `ms` have passed and then
 * calls `abandon`, so the driver can cancel what still runs. An outcome of `work` that comes
 * later is dropped: never an unhandled rejection.
 */
export function withDeadline<T>(work: Promise<T>, ms: number, abandon: () => void): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => {
      reject(timedOut(ms));
      abandon();
    }, ms);
    work.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        clearTimeout(timer);
        reject(error instanceof Error ? error : new Error(String(error)));
      },
    );
  });
}

/** The error of a call that outlived the store's `timeout`. */
export function timedOut(ms: number): SessionLimiterError {
  return new SessionLimiterError(
    'STORE_UNAVAILABLE',
    `PostgresStore got no answer from PostgreSQL within ${ms} ms (the store's timeout)`,
  );
}
