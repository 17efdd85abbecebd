import { argumentError, type SessionLimiterError } from '../errors.js';
import { bearerCarrier, cookieCarrier } from './carriers.js';
import type { DeadSession, SessionLimitContext } from './context.js';
import { type EventStreamOptions, checkEventStreamOptions } from './events.js';
import type { HttpAnswer, HttpExchange } from './exchange.js';
import { type GateDecision, SessionGate } from './gate.js';
import { type GateOptions, gateSettings } from './options.js';

/**
 * What a Web-standard gate decided for one request: the session helpers, the answer to send
 * instead of the app's route (or null), and the Set-Cookie values for the app's own response.
 *
 * @example
 * ```ts
 * const checked = await gate.check(request);
 * if (checked.response) return checked.response;
 * const { session } = checked.sessionLimit;
 * return checked.apply(Response.json({ session }));
 * ```
 */
export interface GateCheck {
  /** This request's session and helpers (`session`, `login`, `logout`, `list`, ...). */
  readonly sessionLimit: SessionLimitContext;
  /**
   * The answer to send now instead of running the app's route (401, 303, 403, 503), with its
   * cookies on it already; null to go on.
   */
  readonly response: Response | null;
  /**
   * The Set-Cookie values the app's response must carry: the gate's so far, then those `login`
   * and `logout` add. Read it when the response is built.
   */
  readonly cookies: readonly string[];
  /**
   * Adds {@link GateCheck.cookies} to the app's response (to a copy when its headers cannot be
   * changed, as a `fetch()` answer's) and returns it. Call it once, on the response you send.
   */
  apply(response: Response): Response;
  /**
   * Answers this request with the session's event stream (the live notice): `event: revoked`
   * the moment the session ends, in any process, then the stream closes; 401 JSON without a
   * session. Ends when the client goes away, the limiter is disposed or `options.signal` aborts.
   *
   * @throws SessionLimiterError `INVALID_CONFIG` for a bad option
   */
  events(options?: EventStreamOptions): Response;
}

/**
 * The app's hooks of a Web-standard gate. `H` is what the framework hands each request: a
 * `Request` for the fetch gate, a Hono `Context` for Hono.
 */
export interface WebGateHooks<H> {
  /** The client's address, kept with the session's device. Default: none. */
  getIp?: ((host: H) => string | undefined) | undefined;
  /** Requests where a dead session passes through as "no session". Default: a POST to `.../login`. */
  passThroughDead?: ((host: H) => boolean) | undefined;
  /** Answers a dead session; the default is 401 JSON for API calls, a redirect for pages. */
  onRevoked?: ((host: H, dead: DeadSession) => Response | Promise<Response>) | undefined;
  /** Answers a request the store could not check; the default is 503 JSON `STORE_UNAVAILABLE`. */
  onStoreError?:
    ((host: H, error: SessionLimiterError) => Response | Promise<Response>) | undefined;
}

/** Every Web-standard adapter's own option keys: its hooks and where the client's address comes from. */
const WEB_KEYS = ['getIp', 'passThroughDead', 'onRevoked', 'onStoreError'] as const;

/**
 * Adds Set-Cookie headers to a response: in place when its headers can change, else to a copy
 * (a `fetch()` answer and `Response.redirect()` have immutable headers). Returns the response to
 * send.
 *
 * @example
 * ```ts
 * const checked = await gate.check(request);
 * // ... later, with the cookies a login added:
 * return withCookies(Response.redirect(new URL('/home', request.url), 303), checked.cookies);
 * ```
 */
export function withCookies(response: Response, cookies: readonly string[]): Response {
  if (cookies.length === 0) return response;
  let target = response;
  try {
    target.headers.append('set-cookie', cookies[0] as string);
  } catch (error) {
    if (!(error instanceof TypeError)) throw error;
    target = new Response(response.body, response);
    target.headers.append('set-cookie', cookies[0] as string);
  }
  for (let i = 1; i < cookies.length; i++)
    target.headers.append('set-cookie', cookies[i] as string);
  return target;
}

/** A request as the web gate's hooks see it: the exchange, and what the framework handed over. */
interface HostExchange<H> extends HttpExchange {
  readonly host: H;
  sessionLimit: SessionLimitContext;
}

/** A Web `Request` as the HTTP layer sees it; the Set-Cookie values are collected, not sent. */
class RequestExchange<H> implements HostExchange<H>, GateCheck {
  sessionLimit!: SessionLimitContext;
  response: Response | null = null;
  readonly cookies: string[] = [];
  #path: string | undefined;
  /** The Cookie header once read: the gate and the cookie carrier both read it. */
  #cookie: string | undefined | null = null;

  constructor(
    /** What the app's hooks receive for this request. */
    readonly host: H,
    readonly request: Request,
    readonly ip: string | undefined,
  ) {}

  get method(): string {
    return this.request.method;
  }

  get path(): string {
    // Parsed only when asked (a dead session's pass-through test): most requests never need it.
    return (this.#path ??= new URL(this.request.url).pathname);
  }

  header(name: string): string | undefined {
    // A Web Headers lookup checks and normalises the name each time, unlike a Node headers object.
    if (name === 'cookie') {
      if (this.#cookie === null) this.#cookie = this.request.headers.get(name) ?? undefined;
      return this.#cookie;
    }
    const value = this.request.headers.get(name);
    if (value !== null) return value;
    // A Request made in code (a test's, an edge runtime's) may lack Host; its URL has it.
    return name === 'host' ? new URL(this.request.url).host : undefined;
  }

  setCookie(value: string): void {
    this.cookies.push(value);
  }

  apply(response: Response): Response {
    return withCookies(response, this.cookies);
  }

  events(options: EventStreamOptions = {}): Response {
    checkEventStreamOptions(options);
    return this.apply(eventStream(this.sessionLimit, this.request.signal, options));
  }
}

/**
 * A request's event stream as a Web `Response` whose body is a stream (see
 * `SessionLimitContext.streamEvents`). `signal` is the request's: it aborts when the client goes
 * away, as the body's `cancel` does when the server stops reading.
 */
export function eventStream(
  context: SessionLimitContext,
  signal: AbortSignal,
  options: EventStreamOptions,
): Response {
  const encoder = new TextEncoder();
  const listeners: (() => void)[] = [];
  let open = true;
  const gone = () => {
    open = false;
    for (const listener of listeners.splice(0)) listener();
  };
  let controller!: ReadableStreamDefaultController<Uint8Array>;
  // start() runs at once, in the constructor: the controller is there for the first write.
  const body = new ReadableStream<Uint8Array>({ start: (c) => (controller = c), cancel: gone });
  signal.addEventListener('abort', gone, { once: true });
  let headers: Readonly<Record<string, string>> = {};
  const refusal = context.streamEvents(
    {
      start: (h) => (headers = h),
      write: (chunk) => open && controller.enqueue(encoder.encode(chunk)),
      end: () => {
        if (!open) return;
        open = false;
        signal.removeEventListener('abort', gone);
        controller.close();
      },
      onClose: (listener) => listeners.push(listener),
    },
    options,
  );
  if (!refusal) return new Response(body, { status: 200, headers });
  signal.removeEventListener('abort', gone);
  return toResponse(refusal);
}

/**
 * The gate of every adapter on Web-standard `Request` and `Response` (the fetch gate, Hono): the
 * shared {@link SessionGate} with cookie or bearer mode, answers made as `Response`s. Nothing in
 * it needs Node.
 */
export class WebGate<H> {
  readonly #gate: SessionGate<HostExchange<H>>;
  readonly #hooks: WebGateHooks<H>;

  /**
   * @param entry the adapter's entry point, for messages (`'sessionGate'`)
   * @throws SessionLimiterError `INVALID_CONFIG` for a bad option, naming it
   */
  constructor(limiter: unknown, options: GateOptions<never> & WebGateHooks<H>, entry: string) {
    const settings = gateSettings(limiter, options, {
      entry,
      ownKeys: WEB_KEYS,
      functions: WEB_KEYS,
    });
    this.#hooks = options;
    const carrier = settings.mode === 'bearer' ? bearerCarrier : cookieCarrier(settings.cookie);
    const { passThroughDead } = options;
    this.#gate = new SessionGate<HostExchange<H>>(settings, carrier, {
      attach: (x, context) => (x.sessionLimit = context),
      passThroughDead: passThroughDead && ((x) => passThroughDead(x.host)),
    });
  }

  /**
   * Decides one request; `host` is what the app's hooks receive, `ip` the client's address when
   * the server handed it over (else `getIp` reads it). Answers without a promise when the gate
   * can (most requests with a live session): a promise and its turn of the microtask queue cost
   * a framework-light app a share of its time per request.
   *
   * @throws SessionLimiterError `INVALID_ARGUMENT` when `request` is not a Web Request
   */
  check(host: H, request: Request, ip?: string): GateCheck | Promise<GateCheck> {
    if (typeof (request as Partial<Request> | null)?.headers?.get !== 'function') {
      throw argumentError('request', 'must be a Web Request');
    }
    const x = new RequestExchange(host, request, ip ?? this.#hooks.getIp?.(host));
    const decision = this.#gate.check(x);
    if (decision instanceof Promise) return decision.then((d) => this.#settle(x, d));
    return decision.kind === 'next' ? x : this.#settle(x, decision);
  }

  async #settle(x: RequestExchange<H>, decision: GateDecision): Promise<GateCheck> {
    if (decision.kind !== 'next') x.response = x.apply(await this.#answer(x, decision));
    return x;
  }

  #answer(
    x: RequestExchange<H>,
    decision: Exclude<GateDecision, { kind: 'next' }>,
  ): Response | Promise<Response> {
    const { onRevoked, onStoreError } = this.#hooks;
    if (decision.kind === 'dead' && onRevoked) return onRevoked(x.host, decision.dead);
    if (decision.kind === 'store-error' && onStoreError)
      return onStoreError(x.host, decision.error);
    return toResponse(this.#gate.answer(x, decision));
  }
}

/** An answer of the HTTP layer as a Web `Response`. */
function toResponse(answer: HttpAnswer): Response {
  const headers = new Headers(answer.headers);
  if (answer.location !== undefined) {
    headers.set('location', answer.location);
    return new Response(null, { status: answer.status, headers });
  }
  headers.set('content-type', 'application/json');
  return new Response(JSON.stringify(answer.json), { status: answer.status, headers });
}
