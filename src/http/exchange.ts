/**
 * One request and its response as the HTTP layer sees them, whatever the framework. An adapter
 * implements it over its own request and response objects; everything else in `src/http/` speaks
 * only this.
 *
 * @example
 * ```ts
 * const exchange: HttpExchange = {
 *   method: req.method, path: url.pathname, ip: req.socket.remoteAddress,
 *   header: (name) => req.headers[name] as string | undefined,
 *   setCookie: (value) => res.appendHeader('Set-Cookie', value),
 * };
 * ```
 */
export interface HttpExchange {
  /** Upper-case method, `GET`, `POST`, ... */
  readonly method: string;
  /** The path, without the query string. */
  readonly path: string;
  /** The client's address as the framework reports it (after its proxy settings). */
  readonly ip: string | undefined;
  /** One request header by lower-case name; several values joined by `, ` (Cookie by `; `). */
  header(name: string): string | undefined;
  /** Adds a Set-Cookie header to the response. */
  setCookie(value: string): void;
}

/**
 * A finished answer the HTTP layer decided on: a JSON body with a status, or a 303 redirect.
 * Each adapter sends it in its framework's way.
 *
 * @example
 * ```ts
 * const answer: HttpAnswer = { status: 503, headers: { 'retry-after': '5' }, json: { error } };
 * ```
 */
export interface HttpAnswer {
  status: number;
  /** Extra response headers, lower-case names. */
  headers?: Readonly<Record<string, string>>;
  /** The JSON body (absent for a redirect). */
  json?: unknown;
  /** For a 303: where to. */
  location?: string;
}
