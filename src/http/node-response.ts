// Node-only: kept apart so that the Web-standard adapters (Hono, fetch) and their types never
// reach node:http.
import type { ServerResponse } from 'node:http';
import type { EventSink } from './events.js';

/**
 * An {@link EventSink} over a Node.js response: Express's `res`, Fastify's `reply.raw`.
 *
 * @example
 * ```ts
 * const refusal = req.sessionLimit.streamEvents(serverResponseSink(res));
 * ```
 */
export function serverResponseSink(res: ServerResponse): EventSink {
  return {
    start: (headers) => res.writeHead(200, headers).flushHeaders(),
    write: (chunk) => res.write(chunk),
    end: () => res.end(),
    onClose: (listener) => res.once('close', listener),
  };
}
