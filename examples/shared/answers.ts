// The examples' answers, whatever the framework: every refusal is `{ error: { code, message } }`
// plus extra fields, with one status per code. Each framework only sends what these decide.
import { SessionLimiterError } from '../../src/index.js';

/** A refusal a route throws; each framework's error handler sends its {@link ErrorAnswer}. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly extra: Readonly<Record<string, unknown>> = {},
  ) {
    super(message);
  }
}

/** An error answer ready to send. */
export interface ErrorAnswer {
  status: number;
  headers: Record<string, string>;
  body: { error: { code: string; message: string } } & Record<string, unknown>;
}

export function badRequest(message: string): HttpError {
  return new HttpError(400, 'INVALID_REQUEST', message);
}

/** How big a request body may be. */
export const BODY_LIMIT = '10kb';
export const BODY_LIMIT_BYTES = 10 * 1024;

/** What was wrong with a body the framework could not parse. */
export type BodyProblem = 'invalid-json' | 'too-large' | 'unreadable';

export function bodyError(problem: BodyProblem): HttpError {
  switch (problem) {
    case 'invalid-json':
      return badRequest('The request body is not valid JSON.');
    case 'too-large':
      return badRequest(`The request body is too large (at most ${BODY_LIMIT}).`);
    case 'unreadable':
      return badRequest('The request body could not be read as JSON.');
  }
}

export function routeNotFound(method: string, path: string): HttpError {
  return new HttpError(404, 'NOT_FOUND', `There is no ${method} ${path} here.`);
}

/**
 * The answer to whatever a route threw. Anything unexpected is a 500 that says nothing more;
 * the caller logs it.
 */
export function errorAnswer(error: unknown): ErrorAnswer {
  if (error instanceof HttpError) {
    return answer(error.status, error.code, error.message, error.extra);
  }
  if (error instanceof SessionLimiterError) {
    switch (error.code) {
      case 'SESSION_NOT_FOUND':
        return answer(404, error.code, 'None of your sessions has that id.');
      case 'STORE_UNAVAILABLE': {
        const unavailable = answer(
          503,
          error.code,
          'Sessions cannot be checked right now. Try again.',
        );
        unavailable.headers['retry-after'] = '5';
        return unavailable;
      }
      case 'INVALID_ARGUMENT':
        return answer(400, 'INVALID_REQUEST', error.message.replace('[session-limiter] ', ''));
      default:
        break;
    }
  }
  return answer(500, 'INTERNAL', 'Something went wrong on the server.');
}

function answer(
  status: number,
  code: string,
  message: string,
  extra: Readonly<Record<string, unknown>> = {},
): ErrorAnswer {
  return { status, headers: {}, body: { error: { code, message }, ...extra } };
}
