import type { NextFunction, Request, RequestHandler, Response } from 'express';
import {
  type BodyProblem,
  badRequest,
  bodyError,
  errorAnswer,
  routeNotFound,
} from '../shared/answers.js';

export { BODY_LIMIT } from '../shared/answers.js';

/** Runs an async route, handing whatever it throws to the error handler. */
export function route(handler: (req: Request, res: Response) => Promise<void>): RequestHandler {
  return (req, res, next) => {
    handler(req, res).catch(next);
  };
}

/** Runs an async route and sends what it returns as JSON. */
export function jsonRoute(handler: (req: Request) => unknown): RequestHandler {
  return route(async (req, res) => {
    res.json(await handler(req));
  });
}

export function notFound(req: Request, _res: Response, next: NextFunction): void {
  next(routeNotFound(req.method, req.path));
}

/** body-parser's errors: a status, and a `type` saying what was wrong with the body. */
interface BodyParserError {
  status: number;
  type: string;
}

function bodyProblem(error: unknown): BodyProblem | null {
  const e = error as Partial<BodyParserError> | null;
  if (typeof e !== 'object' || e === null || typeof e.type !== 'string') return null;
  if (typeof e.status !== 'number' || e.status < 400 || e.status >= 500) return null;
  if (e.type === 'entity.parse.failed') return 'invalid-json';
  if (e.type === 'entity.too.large') return 'too-large';
  return 'unreadable';
}

/**
 * The router's refusal of a path parameter that is not valid percent-encoding
 * (`/api/sessions/%E0`): a URIError with status 400.
 */
function isPathError(error: unknown): boolean {
  return error instanceof URIError && (error as { status?: unknown }).status === 400;
}

/** The last handler: every error becomes a JSON answer; nothing escapes as a crash or HTML. */
export function errorHandler(
  error: unknown,
  _req: Request,
  res: Response,
  next: NextFunction,
): void {
  if (res.headersSent) {
    next(error);
    return;
  }
  const problem = bodyProblem(error);
  const answer = errorAnswer(
    problem
      ? bodyError(problem)
      : isPathError(error)
        ? badRequest('The request path could not be read: check its percent-encoding.')
        : error,
  );
  if (answer.status === 500) console.error(error);
  res.status(answer.status).set(answer.headers).json(answer.body);
}
