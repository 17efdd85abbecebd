import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { SessionLimiterError } from '../../src/index.js';

/** Every error answer of the demo: `{ error: { code, message } }`, plus extra fields. */
export function sendError(
  res: Response,
  status: number,
  code: string,
  message: string,
  extra: Record<string, unknown> = {},
): void {
  res.status(status).json({ error: { code, message }, ...extra });
}

/** A refusal a route throws; the error handler answers it. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export function badRequest(message: string): HttpError {
  return new HttpError(400, 'INVALID_REQUEST', message);
}

/** Runs an async route, handing whatever it throws to the error handler. */
export function route(handler: (req: Request, res: Response) => Promise<void>): RequestHandler {
  return (req, res, next) => {
    handler(req, res).catch(next);
  };
}

export const BODY_LIMIT = '10kb';

/** Reads the JSON object body of a request, or throws a 400 that says what to send. */
export function jsonObject(req: Request, example: string): Record<string, unknown> {
  const body: unknown = req.body;
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw badRequest(`Send a JSON object with Content-Type: application/json, such as ${example}.`);
  }
  return body as Record<string, unknown>;
}

/** A string field of a JSON body, checked for type and length. */
export function stringField(
  body: Record<string, unknown>,
  name: string,
  { required, max }: { required: boolean; max: number },
): string | undefined {
  const value = body[name];
  if (value === undefined && !required) return undefined;
  if (typeof value !== 'string' || value.length === 0) {
    throw badRequest(`"${name}" must be a non-empty string.`);
  }
  if (value.length > max) throw badRequest(`"${name}" must be at most ${max} characters.`);
  return value;
}

/** What a sign-in sends: to `/api/login` and to `/api/token`. */
export interface Credentials {
  username: string;
  password: string;
  replace: string | undefined;
}

export function readCredentials(req: Request): Credentials {
  const body = jsonObject(req, '{"username":"alice","password":"alice"}');
  const username = stringField(body, 'username', { required: true, max: 64 }) ?? '';
  const password = stringField(body, 'password', { required: true, max: 256 }) ?? '';
  const replace = stringField(body, 'replace', { required: false, max: 128 });
  return { username, password, replace };
}

export function notFound(req: Request, res: Response): void {
  sendError(res, 404, 'NOT_FOUND', `There is no ${req.method} ${req.path} here.`);
}

/** body-parser's errors: a status, and a `type` saying what was wrong with the body. */
interface BodyError {
  status: number;
  type: string;
}

function isBodyError(error: unknown): error is BodyError {
  const e = error as Partial<BodyError> | null;
  return (
    typeof e === 'object' &&
    e !== null &&
    typeof e.type === 'string' &&
    typeof e.status === 'number' &&
    e.status >= 400 &&
    e.status < 500
  );
}

function bodyErrorMessage(error: BodyError): string {
  switch (error.type) {
    case 'entity.parse.failed':
      return 'The request body is not valid JSON.';
    case 'entity.too.large':
      return `The request body is too large (at most ${BODY_LIMIT}).`;
    default:
      return 'The request body could not be read as JSON.';
  }
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
  if (error instanceof HttpError) {
    sendError(res, error.status, error.code, error.message);
  } else if (isBodyError(error)) {
    sendError(res, 400, 'INVALID_REQUEST', bodyErrorMessage(error));
  } else if (error instanceof SessionLimiterError && error.code === 'SESSION_NOT_FOUND') {
    sendError(res, 404, 'SESSION_NOT_FOUND', 'None of your sessions has that id.');
  } else if (error instanceof SessionLimiterError && error.code === 'STORE_UNAVAILABLE') {
    res.set('Retry-After', '5');
    sendError(res, 503, 'STORE_UNAVAILABLE', 'Sessions cannot be checked right now. Try again.');
  } else if (error instanceof SessionLimiterError && error.code === 'INVALID_ARGUMENT') {
    sendError(res, 400, 'INVALID_REQUEST', error.message.replace('[session-limiter] ', ''));
  } else {
    console.error(error);
    sendError(res, 500, 'INTERNAL', 'Something went wrong on the server.');
  }
}
