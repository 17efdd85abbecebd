// What every adapter's suite app does with bad input, whatever the framework: each framework's
// error handler and not-found route send these answers, so a refusal is always a 4xx with a code
// and only a fault is a 500.
import { SessionLimiterError, type SessionLimiterErrorCode } from '../../src/index.js';
import { SUITE_USERS, type SuiteUser } from './adapters.js';

/** The body of every refusal the suite app sends itself. */
export interface SuiteErrorBody {
  error: { code: string; message?: string };
}

/** An answer ready to send in the framework's way. */
export interface SuiteAnswer {
  status: number;
  body: SuiteErrorBody;
}

/** The codes the suite app's own routes answer with (beside the adapter's and the library's). */
export const SUITE_APP_CODES: readonly string[] = [
  'INVALID_CREDENTIALS',
  'UNAUTHENTICATED',
  'NOT_FOUND',
  'INVALID_REQUEST',
];

/** The library errors a route may meet with bad input, and their status. */
const LIBRARY_STATUS: Partial<Record<SessionLimiterErrorCode, number>> = {
  SESSION_NOT_FOUND: 404,
  INVALID_ARGUMENT: 400,
  STORE_UNAVAILABLE: 503,
};

/**
 * The suite's user of that name, or undefined: only the users' own names, so `__proto__` or
 * `constructor` in a body finds nobody.
 */
export function suiteUser(name: unknown): SuiteUser | undefined {
  return typeof name === 'string' && Object.hasOwn(SUITE_USERS, name)
    ? SUITE_USERS[name]
    : undefined;
}

/** The suite app's 404 for a path it has no route for. */
export const NOT_FOUND: SuiteAnswer = { status: 404, body: { error: { code: 'NOT_FOUND' } } };

/**
 * The answer to whatever a route (or the framework, before it) threw: the library's
 * `SESSION_NOT_FOUND` 404, `INVALID_ARGUMENT` 400 and `STORE_UNAVAILABLE` 503; a framework's own
 * refusal of a request (a body that is not JSON, too large, an unknown route) its 4xx with
 * `INVALID_REQUEST` or `NOT_FOUND`; anything else a 500 that says what was thrown.
 *
 * @example
 * ```ts
 * app.use((error, req, res, next) => {
 *   const { status, body } = suiteErrorAnswer(error);
 *   res.status(status).json(body);
 * });
 * ```
 */
export function suiteErrorAnswer(error: unknown): SuiteAnswer {
  if (error instanceof SessionLimiterError) {
    const status = LIBRARY_STATUS[error.code];
    if (status !== undefined) return { status, body: { error: { code: error.code } } };
  }
  const status = clientErrorStatus(error);
  if (status === 404) return NOT_FOUND;
  if (status !== undefined) return { status, body: { error: { code: 'INVALID_REQUEST' } } };
  return { status: 500, body: { error: { code: 'INTERNAL', message: String(error) } } };
}

/** The 4xx status a framework put on an error it threw for a bad request, if any. */
function clientErrorStatus(error: unknown): number | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const { status, statusCode } = error as { status?: unknown; statusCode?: unknown };
  const found = typeof status === 'number' ? status : statusCode;
  return typeof found === 'number' && found >= 400 && found < 500 ? found : undefined;
}

/** A body the framework could not read as JSON: the client's error. */
class UnreadableBody extends Error {
  readonly status = 400;
}

/**
 * A Web `Request`'s JSON body (for the fetch gate and Hono apps, which parse it themselves): a
 * body that is not JSON is a 400, never a 500.
 */
export async function jsonBodyOf(request: Request): Promise<unknown> {
  try {
    return await request.json();
  } catch (error) {
    throw new UnreadableBody('the request body is not JSON', { cause: error });
  }
}
