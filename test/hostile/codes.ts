// The codes the library answers with, typed from its own unions so that a code it adds must be
// listed here before the hostile-input properties accept it.
import type { InvalidSessionCode, OpenResult, SessionLimiterErrorCode } from '../../src/index.js';

/** Every code the library or its adapters put in an answer's `error.code`. */
type LibraryCode =
  | SessionLimiterErrorCode
  | InvalidSessionCode
  | Extract<OpenResult, { ok: false }>['code']
  // The HTTP layer's own: no session where the event stream needs one, a cross-site write.
  | 'UNAUTHENTICATED'
  | 'CROSS_ORIGIN_REQUEST';

const CODES: Record<LibraryCode, true> = {
  INVALID_CONFIG: true,
  INVALID_ARGUMENT: true,
  STORE_UNAVAILABLE: true,
  STORE_CONFLICT: true,
  SESSION_NOT_FOUND: true,
  INVALID_TOKEN: true,
  DISPOSED: true,
  SESSION_REVOKED: true,
  SESSION_EXPIRED: true,
  SESSION_UNKNOWN: true,
  SESSION_LIMIT_REACHED: true,
  UNAUTHENTICATED: true,
  CROSS_ORIGIN_REQUEST: true,
};

/** The library's codes. */
export const LIBRARY_CODES: readonly string[] = Object.keys(CODES);

/** The codes an app may answer with: the library's and `appCodes`. */
export function answerCodes(appCodes: readonly string[]): ReadonlySet<string> {
  return new Set([...LIBRARY_CODES, ...appCodes]);
}
