import { type BeforeApplicationShutdown, Inject, Injectable } from '@nestjs/common';
import { GATE, type NestGate } from './gate.js';
import type { PlatformRequest } from './platforms.js';

/**
 * The live notice for a route of your own: a Server-Sent Events stream that sends
 * `event: revoked` with `{ code, reason, message, at, by }` the moment this request's session
 * ends, in any process, then closes. Heartbeats every 15 s; nothing is left running when the
 * client goes away, the limiter is disposed or the app shuts down. A request without a session
 * is answered 401; one whose session was already dead gets the event at once (an event-stream
 * request passes a dead session through by default). Inject it and hand it the route's `@Req()`
 * and `@Res()`. The browser side is `watchSession` from `session-limiter/client`.
 *
 * @example
 * ```ts
 * @Controller('api')
 * class EventsController {
 *   constructor(@Inject(SessionEvents) private readonly events: SessionEvents) {}
 *
 *   @Get('events')
 *   stream(@Req() request: object, @Res() response: object): void {
 *     this.events.stream(request, response);
 *   }
 * }
 * ```
 */
@Injectable()
export class SessionEvents implements BeforeApplicationShutdown {
  constructor(@Inject(GATE) private readonly gate: NestGate) {}

  /**
   * Streams this request's session events on the platform's response (Express `res` or Fastify
   * `reply`), which it answers itself.
   */
  stream(request: object, response: object): void {
    this.gate.streamEvents(request as PlatformRequest, response);
  }

  /** Nest calls this as the app shuts down: open streams end, so the server can close. */
  beforeApplicationShutdown(): void {
    this.gate.endStreams();
  }
}
