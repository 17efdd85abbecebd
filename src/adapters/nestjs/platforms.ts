import type { ServerResponse } from 'node:http';
import { configError } from '../../errors.js';
import type { SessionLimitContext } from '../../http/context.js';
import type { EventSink } from '../../http/events.js';
import { serverResponseSink } from '../../http/node-response.js';
import type { HttpAnswer, HttpExchange } from '../../http/exchange.js';
import { NodeRequestExchange, type NodeShapedRequest } from '../../http/request.js';

// The two platforms are described by the few members used here, so the adapter needs neither
// platform's types installed: an app on Fastify has no Express types, and the other way round.

/** What Express's `req` and Fastify's `request` both have, and where the context goes. */
export interface PlatformRequest extends NodeShapedRequest {
  sessionLimit?: SessionLimitContext | null;
}

type Next = (error?: unknown) => void;

interface ExpressResponse {
  append(field: string, value: string): unknown;
  status(code: number): unknown;
  set(headers: Readonly<Record<string, string>>): unknown;
  redirect(status: number, url: string): void;
  json(body: unknown): unknown;
}

interface FastifyReply {
  readonly raw: ServerResponse;
  /** Tells Fastify the response is written to `raw` directly (an event stream). */
  hijack(): unknown;
  header(name: string, value: string): unknown;
  code(status: number): unknown;
  headers(values: Readonly<Record<string, string>>): unknown;
  redirect(url: string, code: number): unknown;
  send(body?: unknown): unknown;
}

/** One request on either platform as the HTTP layer sees it, and how to answer it. */
export interface NestExchange extends HttpExchange {
  readonly request: PlatformRequest;
  /** Express's `res` or Fastify's `reply`. */
  readonly response: unknown;
  /** Sends an answer the HTTP layer decided on. */
  send(answer: HttpAnswer): void;
  /** Sets headers on the response that something else (an exception filter) will send. */
  setHeaders(headers: Readonly<Record<string, string>>): void;
  /** Where the session's event stream writes. */
  eventSink(): EventSink;
}

abstract class PlatformExchange
  extends NodeRequestExchange<PlatformRequest>
  implements NestExchange
{
  constructor(
    request: PlatformRequest,
    readonly response: unknown,
  ) {
    super(request);
  }

  abstract send(answer: HttpAnswer): void;

  abstract setHeaders(headers: Readonly<Record<string, string>>): void;

  abstract eventSink(): EventSink;
}

class ExpressExchange extends PlatformExchange {
  declare readonly response: ExpressResponse;

  setCookie(value: string): void {
    this.response.append('Set-Cookie', value);
  }

  setHeaders(headers: Readonly<Record<string, string>>): void {
    this.response.set(headers);
  }

  send(answer: HttpAnswer): void {
    this.response.status(answer.status);
    if (answer.headers) this.setHeaders(answer.headers);
    if (answer.location !== undefined) this.response.redirect(303, answer.location);
    else this.response.json(answer.json);
  }

  eventSink(): EventSink {
    return serverResponseSink(this.response as unknown as ServerResponse);
  }
}

class FastifyExchange extends PlatformExchange {
  declare readonly response: FastifyReply;

  setCookie(value: string): void {
    // Fastify keeps every Set-Cookie given to `reply.header`, next to the app's own cookies.
    this.response.header('set-cookie', value);
  }

  setHeaders(headers: Readonly<Record<string, string>>): void {
    this.response.headers(headers);
  }

  send(answer: HttpAnswer): void {
    this.response.code(answer.status);
    if (answer.headers) this.setHeaders(answer.headers);
    if (answer.location !== undefined) this.response.redirect(answer.location, 303);
    else this.response.send(answer.json);
  }

  eventSink(): EventSink {
    const sink = serverResponseSink(this.response.raw);
    return {
      ...sink,
      // The stream is written to the Node.js response; Fastify must not answer as well.
      start: (headers) => {
        this.response.hijack();
        sink.start(headers);
      },
    };
  }
}

interface ExpressApp {
  use(handler: (req: PlatformRequest, res: ExpressResponse, next: Next) => void): unknown;
}

interface FastifyApp {
  hasRequestDecorator(name: string): boolean;
  decorateRequest(name: string, value: null): unknown;
  addHook(
    name: 'onRequest',
    hook: (request: PlatformRequest, reply: FastifyReply, done: Next) => void,
  ): unknown;
}

/** The part of Nest's HTTP adapter (`HttpAdapterHost.httpAdapter`) this needs. */
export interface NestHttpAdapter {
  getType(): string;
  getInstance(): unknown;
}

/** How the module works on one platform. */
export interface Platform {
  /** This request and response (the route's `@Req()` and `@Res()`) as an exchange. */
  exchange(request: PlatformRequest, response: unknown): NestExchange;
  /**
   * Runs `handle` on every request of the app, before Nest's guards, interceptors, pipes and
   * handlers, with the platform's own request and response.
   */
  mount(handle: (exchange: NestExchange, next: Next) => void): void;
}

/**
 * The app's platform: an Express middleware on Express, a Fastify `onRequest` hook on Fastify.
 * Mounted while Nest sets up its modules, so on Express it comes before every route.
 */
export function platformOf(adapter: NestHttpAdapter | undefined): Platform {
  const type = adapter?.getType();
  if (type === 'express') {
    const app = adapter?.getInstance() as ExpressApp;
    return {
      exchange: (request, response) => new ExpressExchange(request, response),
      mount(handle) {
        app.use((req, res, next) => {
          handle(new ExpressExchange(req, res), next);
        });
      },
    };
  }
  if (type === 'fastify') {
    const app = adapter?.getInstance() as FastifyApp;
    return {
      exchange: (request, response) => new FastifyExchange(request, response),
      mount(handle) {
        if (!app.hasRequestDecorator('sessionLimit')) app.decorateRequest('sessionLimit', null);
        app.addHook('onRequest', (request, reply, done) => {
          handle(new FastifyExchange(request, reply), done);
        });
      },
    };
  }
  throw configError(
    'SessionLimitModule',
    `runs on the Express and Fastify platforms of an HTTP application, not on ${type === undefined ? 'an application without an HTTP server' : `'${type}'`}`,
  );
}
