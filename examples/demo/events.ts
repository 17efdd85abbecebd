import type { Request, Response } from 'express';
import {
  describeSessionEnd,
  invalidSessionOf,
  type InvalidSession,
  type SessionLimiter,
} from '../../src/index.js';
import { route } from './http.js';
import type { Accounts } from './passwords.js';
import { requireSession } from './sessions.js';
import type { DemoUser } from './users.js';

const HEARTBEAT_MS = 15_000;

/** What `event: revoked` carries: the same code, reason and sentence as a 401 answer. */
export interface RevokedEvent {
  code: InvalidSession['code'];
  reason: string | undefined;
  message: string;
}

export function revokedEvent(ended: InvalidSession): RevokedEvent {
  return { code: ended.code, reason: ended.reason, message: describeSessionEnd(ended) };
}

function revokedMessage(ended: InvalidSession): string {
  return `event: revoked\ndata: ${JSON.stringify(revokedEvent(ended))}\n\n`;
}

function openStream(res: Response): void {
  res.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-store, no-transform',
    'x-accel-buffering': 'no',
  });
  res.write('retry: 3000\n\n');
}

/** The open event streams, so a shutdown can end them (they would hold the server open). */
export class EventStreams {
  readonly #open = new Set<Response>();

  add(res: Response): void {
    this.#open.add(res);
  }

  delete(res: Response): void {
    this.#open.delete(res);
  }

  endAll(): void {
    for (const res of this.#open) res.end();
    this.#open.clear();
  }
}

/**
 * `GET /api/events`: a Server-Sent Events stream that says `revoked` the moment this session is
 * ended, by whichever process ends it (the limiter's watch rides on the store's push channel).
 */
export function eventsRoute(
  limiter: SessionLimiter<DemoUser>,
  accounts: Accounts,
  streams: EventStreams,
) {
  return route(async (req: Request, res: Response) => {
    const { ended } = req.sessionLimit;
    if (ended) {
      // The session died while no stream was open: say so once, as the stream would have.
      openStream(res);
      res.end(revokedMessage(ended));
      return;
    }
    const { session } = requireSession(req, accounts);
    openStream(res);
    streams.add(res);

    let finished = false;
    const finish = () => {
      if (finished) return;
      finished = true;
      stopWatching();
      clearInterval(heartbeat);
      streams.delete(res);
    };
    const sendRevoked = (ended: InvalidSession) => {
      if (finished) return;
      res.write(revokedMessage(ended));
      finish();
      res.end();
    };
    const stopWatching = limiter.watch(session.id, (ended) => {
      sendRevoked(invalidSessionOf(ended));
    });
    const heartbeat = setInterval(() => res.write(': heartbeat\n\n'), HEARTBEAT_MS);
    heartbeat.unref();
    req.on('close', finish);

    // The session may have ended between the request's check and the watch: look again.
    try {
      const now = await limiter.validateSessionId(session.id);
      if (!now.ok) sendRevoked(now);
    } catch {
      // The store is down: end the stream; the browser reconnects and is answered then.
      finish();
      res.end();
    }
  });
}
