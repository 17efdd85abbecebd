// A Server-Sent Events reader for tests: opens a stream as an EventSource would and hands out
// the events as they come.
import { request, type IncomingMessage } from 'node:http';
import type { Browser } from './browser.js';

/** One Server-Sent Event. */
export interface ServerEvent {
  event: string;
  data: string;
}

/** An open `GET /api/events` stream: its status, and the events as they come. */
export interface EventStream {
  status: number;
  headers: IncomingMessage['headers'];
  /** Resolves when the server ends the stream, or rejects after `timeoutMs`. */
  ended(timeoutMs?: number): Promise<void>;
  /** Resolves with the next event named `name`, or rejects after `timeoutMs`. */
  next(name: string, timeoutMs?: number): Promise<ServerEvent>;
  close(): void;
}

/** Opens the event stream with the browser's cookies, as an EventSource would. */
export function openEvents(
  browser: Browser,
  path = '/api/events',
  headers: Record<string, string> = {},
): Promise<EventStream> {
  const cookie = [...browser.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  return new Promise((resolve, reject) => {
    const req = request(
      browser.baseUrl + path,
      {
        headers: {
          accept: 'text/event-stream',
          'user-agent': browser.userAgent,
          ...(cookie ? { cookie } : {}),
          ...headers,
        },
      },
      (res) => resolve(eventStream(res, () => req.destroy())),
    );
    req.on('error', reject);
    req.end();
  });
}

function eventStream(res: IncomingMessage, close: () => void): EventStream {
  const received: ServerEvent[] = [];
  const waiting: { name: string; resolve: (e: ServerEvent) => void }[] = [];
  let buffer = '';
  res.setEncoding('utf8');
  res.on('data', (chunk: string) => {
    buffer += chunk;
    let end;
    while ((end = buffer.indexOf('\n\n')) !== -1) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const event = parseEvent(block);
      if (!event) continue;
      const waiter = waiting.findIndex((w) => w.name === event.event);
      if (waiter === -1) received.push(event);
      else waiting.splice(waiter, 1)[0]?.resolve(event);
    }
  });
  res.on('error', () => undefined);
  const ended = new Promise<void>((resolve) => res.once('end', resolve));
  return {
    status: res.statusCode ?? 0,
    headers: res.headers,
    ended(timeoutMs = 5000) {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`the stream did not end within ${timeoutMs} ms`)),
          timeoutMs,
        );
        void ended.then(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    },
    next(name, timeoutMs = 5000) {
      const index = received.findIndex((e) => e.event === name);
      if (index !== -1) return Promise.resolve(received.splice(index, 1)[0]!);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`no "${name}" event within ${timeoutMs} ms`)),
          timeoutMs,
        );
        waiting.push({
          name,
          resolve: (e) => {
            clearTimeout(timer);
            resolve(e);
          },
        });
      });
    },
    close,
  };
}

/** Parses one event block; comments (heartbeats) and `retry:` lines alone are not events. */
function parseEvent(block: string): ServerEvent | null {
  let event = 'message';
  const data: string[] = [];
  for (const line of block.split('\n')) {
    if (line.startsWith('event:')) event = line.slice(6).trim();
    else if (line.startsWith('data:')) data.push(line.slice(5).trimStart());
  }
  return data.length === 0 ? null : { event, data: data.join('\n') };
}
