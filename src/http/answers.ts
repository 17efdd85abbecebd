import type { InvalidSession } from '../results.js';
import { describeSessionEnd } from '../messages.js';

/**
 * The body of a JSON answer to a refused request, the same from every adapter.
 *
 * @example
 * ```json
 * {"error":{"code":"SESSION_REVOKED","reason":"evicted","message":"You were signed out because ..."}}
 * ```
 */
export interface ErrorBody {
  error: { code: string; reason?: string; message: string; at?: string };
}

/** The 401 body for a dead session, with the sentence a person reads. */
export function deadSessionBody(result: InvalidSession, message?: string): ErrorBody {
  const error: ErrorBody['error'] = {
    code: result.code,
    message: message ?? describeSessionEnd(result),
  };
  if (result.reason !== undefined) error.reason = result.reason;
  if (result.at !== undefined) error.at = new Date(result.at).toISOString();
  return { error };
}

/** The 401 body for a request that has no live session on a route that needs one. */
export function unauthenticatedBody(): ErrorBody {
  return { error: { code: 'UNAUTHENTICATED', message: 'Sign in first.' } };
}

/** The 503 body when the store cannot be reached (the request is refused, never let through). */
export function storeUnavailableBody(): ErrorBody {
  return {
    error: {
      code: 'STORE_UNAVAILABLE',
      message: 'Sessions cannot be checked right now. Please try again in a moment.',
    },
  };
}

/**
 * Whether a request is a browser page navigation (answered with a redirect to the login page)
 * rather than an API call (answered with JSON).
 */
export function isHtmlNavigation(
  method: string,
  accept: string | undefined,
  fetchMode: string | undefined,
): boolean {
  if (method !== 'GET' && method !== 'HEAD') return false;
  if (fetchMode) return fetchMode === 'navigate';
  if (!accept) return false;
  const html = accept.indexOf('text/html');
  const json = accept.indexOf('application/json');
  return html !== -1 && (json === -1 || html < json);
}
