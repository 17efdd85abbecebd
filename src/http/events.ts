import { configError, rejectUnknownKeys } from '../errors.js';
import { invalidSessionOf, type InvalidSession } from '../results.js';
import type { SessionLimitContext } from './context.js';
import type { HttpAnswer } from './exchange.js';
import type { GateSettings } from './options.js';

/** How long the stream may stay silent before a comment line keeps proxies from closing it. */
export const HEARTBEAT_MS = 15_000;

const STREAM_HEADERS: Readonly<Record<string, string>> = Object.freeze({
  'content-type': 'text/event-stream; charset=utf-8',
  'cache-control': 'no-store, no-transform',
  // nginx buffers responses unless told not to; a buffered stream delivers nothing.
  'x-accel-buffering': 'no',
});

/**
 * What `event: revoked` carries: the same code, reason and sentence as the 401 answer, when the
 * session ended, and the device that ended it (label and kind only).
 *
 * @example
 * ```ts
 * source.addEventListener('revoked', (e) => {
 *   const { message } = JSON.parse(e.data) as RevokedEvent;
 *   showBanner(message);
 * });
 * ```
 */
export interface RevokedEvent {
  code: InvalidSession['code'];
  reason: string | null;
  message: string;
  /** ISO time the session ended. */
  at: string | null;
  by: { kind: string; label: string } | null;
}

/**
 * Where an adapter lets the event stream write: the framework's streaming response.
 *
 * @example
 * ```ts
 * const sink: EventSink = {
 *   start: (headers) => res.writeHead(200, headers),
 *   write: (chunk) => res.write(chunk),
 *   end: () => res.end(),
 *   onClose: (listener) => req.on('close', listener),
 * };
 * ```
 */
export interface EventSink {
  /** Sends status 200 with these headers. */
  start(headers: Readonly<Record<string, string>>): void;
  write(chunk: string): void;
  /** Ends the response. */
  end(): void;
  /** Calls `listener` once when the client goes away. */
  onClose(listener: () => void): void;
}

/** Checks event-stream options once, when the route is made (every adapter calls this). */
export function checkEventStreamOptions(options: EventStreamOptions): void {
  if (typeof options !== 'object' || (options as unknown) === null) {
    throw configError('options', 'must be an object such as { heartbeatMs: 15000 }');
  }
  rejectUnknownKeys(options, ['heartbeatMs', 'signal'], 'the event stream');
  const { heartbeatMs, signal } = options;
  if (heartbeatMs !== undefined && !(Number.isInteger(heartbeatMs) && heartbeatMs > 0)) {
    throw configError('heartbeatMs', 'must be a whole number of milliseconds above 0');
  }
  if (signal !== undefined && !(signal instanceof AbortSignal)) {
    throw configError('signal', 'must be an AbortSignal');
  }
}

/** The `revoked` event for a refusal, with the sentence the 401 answer would carry. */
export function revokedEvent(
  ended: InvalidSession,
  message: (result: InvalidSession) => string,
): RevokedEvent {
  return {
    code: ended.code,
    reason: ended.reason ?? null,
    message: message(ended),
    at: ended.at === undefined ? null : new Date(ended.at).toISOString(),
    by: ended.by ? { kind: ended.by.device.kind, label: ended.by.device.label } : null,
  };
}

/**
 * Options of an event stream.
 *
 * @example
 * ```ts
 * const shutdown = new AbortController();
 * app.get('/api/events', sessionEvents({ signal: shutdown.signal }));
 * process.on('SIGTERM', () => shutdown.abort());
 * ```
 */
export interface EventStreamOptions {
  /** How often a comment line keeps proxies from closing the stream. Default 15,000 ms. */
  heartbeatMs?: number;
  /** Ends the stream when aborted (a server shutdown); the limiter's `dispose` ends it too. */
  signal?: AbortSignal;
}

/**
 * Serves a Server-Sent Events stream for this request's session: `event: revoked` the moment the
 * session ends in any process (through `limiter.watch`), then the stream closes. A request whose
 * session was already dead (passed through as `ended`) gets the event at once. A comment line every
 * {@link HEARTBEAT_MS} keeps proxies from closing the stream; the client going away, the limiter
 * being disposed or `options.signal` ends it with no listener or timer left behind. Returns the answer to send instead
 * when the request has no session at all (401 `UNAUTHENTICATED`), else null.
 */
export function streamSessionEvents(
  settings: GateSettings,
  context: SessionLimitContext,
  sink: EventSink,
  options: EventStreamOptions = {},
): HttpAnswer | null {
  const { limiter, message } = settings;
  const { heartbeatMs = HEARTBEAT_MS, signal } = options;
  const chunk = (ended: InvalidSession) =>
    `event: revoked\ndata: ${JSON.stringify(revokedEvent(ended, message))}\n\n`;
  if (context.ended) {
    sink.start(STREAM_HEADERS);
    sink.write(chunk(context.ended));
    sink.end();
    return null;
  }
  const session = context.session;
  if (limiter.signal.aborted || signal?.aborted) {
    return {
      status: 503,
      json: { error: { code: 'DISPOSED', message: 'The server is stopping.' } },
    };
  }
  if (!session) {
    return {
      status: 401,
      json: { error: { code: 'UNAUTHENTICATED', message: 'Sign in to follow this session.' } },
    };
  }
  sink.start(STREAM_HEADERS);
  sink.write('retry: 3000\n\n');

  let finished = false;
  const finish = (last: string | null, clientGone = false) => {
    if (finished) return;
    finished = true;
    stopWatching();
    clearInterval(heartbeat);
    limiter.signal.removeEventListener('abort', onDispose);
    signal?.removeEventListener('abort', onDispose);
    if (clientGone) return;
    if (last !== null) sink.write(last);
    sink.end();
  };
  const onDispose = () => finish(null);
  const stopWatching = limiter.watch(session.id, (ended) => {
    finish(chunk(invalidSessionOf(ended)));
  });
  const heartbeat = setInterval(() => sink.write(': heartbeat\n\n'), heartbeatMs);
  // Node's timers would hold the process open; other runtimes' have no unref.
  (heartbeat as { unref?: () => void }).unref?.();
  limiter.signal.addEventListener('abort', onDispose);
  signal?.addEventListener('abort', onDispose);
  sink.onClose(() => finish(null, true));

  // The session may have ended between the request's check and the watch: look again. A store
  // outage ends the stream; the browser reconnects and is answered then.
  limiter.validateSessionId(session.id).then(
    (now) => {
      if (!now.ok) finish(chunk(now));
    },
    () => finish(null),
  );
  return null;
}
