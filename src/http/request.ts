import type { IncomingHttpHeaders } from 'node:http';
import type { HttpExchange } from './exchange.js';

/** What a request shaped like Node's has: Fastify's `request`, Express's `req`. */
export interface NodeShapedRequest {
  readonly method: string;
  /** The path and the query string. */
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
  /** The client's address, after the framework's proxy settings. */
  readonly ip: string | undefined;
}

/**
 * The request half of an exchange over a Node-shaped request; an adapter adds how its response
 * takes a cookie.
 *
 * @example
 * ```ts
 * class MyExchange extends NodeRequestExchange<FastifyRequest> {
 *   constructor(request: FastifyRequest, readonly reply: FastifyReply) { super(request); }
 *   setCookie(value: string) { this.reply.header('set-cookie', value); }
 * }
 * ```
 */
export abstract class NodeRequestExchange<Q extends NodeShapedRequest> implements HttpExchange {
  constructor(readonly request: Q) {}

  get method(): string {
    return this.request.method;
  }

  get path(): string {
    const { url } = this.request;
    const query = url.indexOf('?');
    return query === -1 ? url : url.slice(0, query);
  }

  get ip(): string | undefined {
    return this.request.ip;
  }

  header(name: string): string | undefined {
    const value = this.request.headers[name];
    return Array.isArray(value) ? value.join(', ') : value;
  }

  abstract setCookie(value: string): void;
}
