import { afterEach, describe, expect, it, vi } from 'vitest';
import { createSessionLimiter, MemoryStore, type SessionLimiter } from '../../src/index.js';
import { cookieCarrier } from '../../src/http/carriers.js';
import type { SessionLimitContext } from '../../src/http/context.js';
import type { EventSink } from '../../src/http/events.js';
import type { HttpExchange } from '../../src/http/exchange.js';
import { SessionGate } from '../../src/http/gate.js';
import { gateSettings } from '../../src/http/options.js';

const FIREFOX_WIN =
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0';

/** A response stream that records what the helper did with it. */
class RecordingSink implements EventSink {
  status: 'idle' | 'open' | 'ended' = 'idle';
  headers: Readonly<Record<string, string>> = {};
  readonly chunks: string[] = [];
  #onClose: (() => void) | undefined;

  start(headers: Readonly<Record<string, string>>): void {
    this.status = 'open';
    this.headers = headers;
  }

  write(chunk: string): void {
    if (this.status !== 'open') throw new Error(`write after ${this.status}`);
    this.chunks.push(chunk);
  }

  end(): void {
    this.status = 'ended';
  }

  onClose(listener: () => void): void {
    this.#onClose = listener;
  }

  /** The client goes away. */
  disconnect(): void {
    this.status = 'ended';
    this.#onClose?.();
  }

  events(): { name: string; data: Record<string, unknown> }[] {
    return this.chunks
      .filter((c) => c.startsWith('event:'))
      .map((c) => {
        const [name = '', data = ''] = c.trim().split('\n');
        return {
          name: name.slice('event: '.length),
          data: JSON.parse(data.slice('data: '.length)) as Record<string, unknown>,
        };
      });
  }
}

const limiters: SessionLimiter[] = [];
afterEach(async () => {
  vi.useRealTimers();
  for (const limiter of limiters.splice(0)) await limiter.dispose();
});

function setup() {
  const limiter = createSessionLimiter({
    store: new MemoryStore(),
    policy: { max: 1 },
    pruneInterval: false,
  });
  limiters.push(limiter);
  const settings = gateSettings(limiter, {}, { entry: 'test', ownKeys: [], functions: [] });
  const gate = new SessionGate<HttpExchange & { context?: SessionLimitContext }>(
    settings,
    cookieCarrier(settings.cookie),
    { attach: (x, context) => (x.context = context) },
  );
  const contextFor = async (token: string | null) => {
    const x: HttpExchange & { context?: SessionLimitContext } = {
      method: 'GET',
      path: '/api/events',
      ip: undefined,
      header: (name) =>
        ({ accept: 'text/event-stream', cookie: token ? `__Host-sid=${token}` : undefined })[
          name as 'accept' | 'cookie'
        ],
      setCookie: () => undefined,
    };
    expect(await gate.check(x)).toEqual({ kind: 'next' });
    return x.context!;
  };
  const open = async (userAgent?: string) => {
    const r = await limiter.open({ userId: 'alice', device: { userAgent } });
    if (!r.ok) throw new Error('refused');
    return r;
  };
  return { limiter, contextFor, open };
}

const settle = () => new Promise((resolve) => setImmediate(resolve));

describe('the session event stream', () => {
  it('sends revoked with code, reason, sentence, time and device the moment the session ends, then closes', async () => {
    const { contextFor, open } = setup();
    const first = await open();
    const sink = new RecordingSink();
    expect((await contextFor(first.token)).streamEvents(sink)).toBeNull();
    await settle();
    expect(sink.status).toBe('open');
    expect(sink.headers['content-type']).toBe('text/event-stream; charset=utf-8');
    expect(sink.chunks).toEqual(['retry: 3000\n\n']);
    await open(FIREFOX_WIN);
    expect(sink.status).toBe('ended');
    expect(sink.events()).toEqual([
      {
        name: 'revoked',
        data: {
          code: 'SESSION_REVOKED',
          reason: 'evicted',
          message: expect.stringContaining('(Firefox 133 on Windows)') as string,
          at: expect.any(String) as string,
          by: { kind: 'desktop', label: 'Firefox 133 on Windows' },
        },
      },
    ]);
  });

  it('tells a stream opened for an already dead session at once', async () => {
    const { contextFor, open } = setup();
    const first = await open();
    await open();
    const sink = new RecordingSink();
    const context = await contextFor(first.token);
    expect(context.ended?.reason).toBe('evicted');
    expect(context.streamEvents(sink)).toBeNull();
    expect(sink.status).toBe('ended');
    expect(sink.events()[0]?.data).toMatchObject({ reason: 'evicted' });
  });

  it('answers 401 without a session, and opens nothing', async () => {
    const { contextFor } = setup();
    const sink = new RecordingSink();
    expect((await contextFor(null)).streamEvents(sink)).toMatchObject({
      status: 401,
      json: { error: { code: 'UNAUTHENTICATED' } },
    });
    expect(sink.status).toBe('idle');
  });

  it('beats every 15 s and leaves no timer or watch behind once the client goes away', async () => {
    const { contextFor, open, limiter } = setup();
    const first = await open();
    const context = await contextFor(first.token);
    vi.useFakeTimers();
    const sink = new RecordingSink();
    context.streamEvents(sink);
    await vi.advanceTimersByTimeAsync(45_000);
    expect(sink.chunks.filter((c) => c === ': heartbeat\n\n')).toHaveLength(3);
    sink.disconnect();
    expect(vi.getTimerCount()).toBe(0);
    await limiter.revokeAll('alice');
    expect(sink.events()).toEqual([]); // the watch was removed: nothing written after the close
  });

  it('ends when the limiter is disposed or the app aborts its signal', async () => {
    const { contextFor, open, limiter } = setup();
    const a = new RecordingSink();
    (await contextFor((await open()).token)).streamEvents(a);
    await limiter.dispose();
    expect(a.status).toBe('ended');

    const { contextFor: contextFor2, open: open2 } = setup();
    const shutdown = new AbortController();
    const b = new RecordingSink();
    (await contextFor2((await open2()).token)).streamEvents(b, { signal: shutdown.signal });
    shutdown.abort();
    expect(b.status).toBe('ended');
  });
});
