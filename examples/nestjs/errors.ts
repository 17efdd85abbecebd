import {
  type ArgumentsHost,
  Catch,
  type ExceptionFilter,
  HttpException,
  Inject,
  NotFoundException,
} from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import {
  type BodyProblem,
  bodyError,
  errorAnswer,
  HttpError,
  routeNotFound,
} from '../shared/answers.js';

interface PlatformRequest {
  method: string;
  url: string;
}

/**
 * Every error becomes the demo's JSON answer, on either platform: the examples' shared answers
 * decide; this only names what went wrong in their terms and sends the answer.
 */
@Catch()
export class ExampleErrors implements ExceptionFilter {
  constructor(@Inject(HttpAdapterHost) private readonly host: HttpAdapterHost) {}

  catch(error: unknown, context: ArgumentsHost): void {
    const http = this.host.httpAdapter;
    const request = context.switchToHttp().getRequest<PlatformRequest>();
    const response: unknown = context.switchToHttp().getResponse();
    const answer = errorAnswer(shared(error, request));
    if (answer.status === 500) console.error(error);
    for (const [name, value] of Object.entries(answer.headers)) {
      http.setHeader(response, name, value);
    }
    http.reply(response, answer.body, answer.status);
  }
}

/** Nest's and the platform's errors as the examples' shared ones; anything else as it is. */
function shared(error: unknown, request: PlatformRequest): unknown {
  const problem = bodyProblem(error);
  if (problem) return bodyError(problem);
  if (error instanceof NotFoundException) {
    const query = request.url.indexOf('?');
    return routeNotFound(request.method, query === -1 ? request.url : request.url.slice(0, query));
  }
  if (error instanceof HttpException) {
    // SessionGuard's 401 carries an `{ error: { code, message } }` answer already.
    const { error: carried } = error.getResponse() as {
      error?: { code?: unknown; message?: unknown };
    };
    if (typeof carried?.code === 'string') {
      return new HttpError(error.getStatus(), carried.code, String(carried.message));
    }
  }
  return error;
}

/**
 * What was wrong with a body the platform could not parse: body-parser's `type` on Express
 * (Nest wraps its error in an HttpException, as the cause), the content-type parser's `code` on
 * Fastify.
 */
function bodyProblem(error: unknown): BodyProblem | null {
  const cause = error instanceof HttpException ? error.cause : error;
  const { type, code } = (cause ?? {}) as { type?: unknown; code?: unknown };
  if (type === 'entity.parse.failed' || code === 'FST_ERR_CTP_INVALID_JSON_BODY') {
    return 'invalid-json';
  }
  if (type === 'entity.too.large' || code === 'FST_ERR_CTP_BODY_TOO_LARGE') return 'too-large';
  if (typeof type === 'string' || (typeof code === 'string' && code.startsWith('FST_ERR_CTP_'))) {
    return 'unreadable';
  }
  return null;
}
