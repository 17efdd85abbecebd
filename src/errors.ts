/**
 * Every stable error code the library throws. Match on `error.code`, never on the message.
 *
 * - `INVALID_CONFIG`: an option or policy is wrong; the message names the field.
 * - `INVALID_ARGUMENT`: a call was given a value it cannot use (an empty user id, say).
 * - `STORE_UNAVAILABLE`: the store could not be reached; the operation was refused (fail closed).
 * - `STORE_CONFLICT`: too many concurrent changes to one user; the caller may retry.
 * - `SESSION_NOT_FOUND`: `revoke` named a session that is not a live session of that user.
 * - `INVALID_TOKEN`: a token is malformed, forged, expired or of the wrong kind.
 * - `DISPOSED`: the limiter was disposed and takes no more calls.
 *
 * @example
 * ```ts
 * import { SessionLimiterError } from 'session-limiter';
 * try {
 *   await limiter.revoke(userId, sessionId);
 * } catch (error) {
 *   if (error instanceof SessionLimiterError && error.code === 'SESSION_NOT_FOUND') {
 *     // answer 404
 *   }
 * }
 * ```
 */
export type SessionLimiterErrorCode =
  | 'INVALID_CONFIG'
  | 'INVALID_ARGUMENT'
  | 'STORE_UNAVAILABLE'
  | 'STORE_CONFLICT'
  | 'SESSION_NOT_FOUND'
  | 'INVALID_TOKEN'
  | 'DISPOSED';

/**
 * The one error class the library throws, with a stable {@link SessionLimiterErrorCode}.
 *
 * @example
 * ```ts
 * try {
 *   createSessionLimiter({ policy: { max: 0 } });
 * } catch (error) {
 *   if (error instanceof SessionLimiterError) console.log(error.code, error.field); // INVALID_CONFIG policy.max
 * }
 * ```
 */
export class SessionLimiterError extends Error {
  /** The stable code to match on. */
  readonly code: SessionLimiterErrorCode;
  /** For `INVALID_CONFIG` and `INVALID_ARGUMENT`: the option or argument at fault. */
  readonly field: string | undefined;

  constructor(
    code: SessionLimiterErrorCode,
    message: string,
    options: { cause?: unknown; field?: string } = {},
  ) {
    super(`[session-limiter] ${message}`, { cause: options.cause });
    this.name = 'SessionLimiterError';
    this.code = code;
    this.field = options.field;
  }
}

/** Shorthand for an `INVALID_CONFIG` error that names its field. */
export function configError(field: string, problem: string): SessionLimiterError {
  return new SessionLimiterError('INVALID_CONFIG', `${field} ${problem}`, { field });
}

/**
 * Refuses an options object with a key nobody reads (a typo such as `idleTimout` would otherwise
 * be ignored in silence): throws `INVALID_CONFIG` naming the first unknown key and listing the
 * known ones. The one such check for every options object of the library.
 *
 * @param options the object as given
 * @param knownKeys the keys it may have
 * @param where what it configures, for the message: `'createSessionLimiter'`, `'RedisStore'`
 * @param prefix put before the key in the error's field, for nested objects: `'cache.'`
 */
export function rejectUnknownKeys(
  options: object,
  knownKeys: Iterable<string>,
  where: string,
  prefix = '',
): void {
  const known = [...knownKeys];
  for (const key of Object.keys(options)) {
    if (!known.includes(key)) {
      throw configError(
        `${prefix}${key}`,
        `is not an option of ${where} (known: ${known.join(', ')})`,
      );
    }
  }
}

/** Shorthand for an `INVALID_ARGUMENT` error that names its argument. */
export function argumentError(field: string, problem: string): SessionLimiterError {
  return new SessionLimiterError('INVALID_ARGUMENT', `${field} ${problem}`, { field });
}

/** Wraps whatever a store threw so callers see one code, with the cause kept for logs. */
export function storeUnavailable(operation: string, cause: unknown): SessionLimiterError {
  if (cause instanceof SessionLimiterError) return cause;
  const detail = cause instanceof Error ? cause.message : String(cause);
  return new SessionLimiterError(
    'STORE_UNAVAILABLE',
    `the session store failed during ${operation}: ${detail}`,
    { cause },
  );
}

/** A short, safe rendering of a bad value for an error message. */
export function describeValue(value: unknown): string {
  switch (typeof value) {
    case 'function':
      return 'a function';
    case 'symbol':
      return 'a symbol';
    case 'undefined':
    case 'number':
    case 'bigint':
    case 'boolean':
      return String(value);
    default:
      try {
        return JSON.stringify(value).slice(0, 80);
      } catch {
        return 'a value that cannot be shown';
      }
  }
}
