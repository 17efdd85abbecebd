import { afterEach, describe, expect, it } from 'vitest';
import { createSessionLimiter, MemoryStore, type SessionLimiter } from '../../src/index.js';
import { cookieCarrier } from '../../src/http/carriers.js';
import type { SessionLimitContext } from '../../src/http/context.js';
import type { HttpExchange } from '../../src/http/exchange.js';
import { type GateDecision, SessionGate } from '../../src/http/gate.js';
import { type GateOptions, gateSettings } from '../../src/http/options.js';

interface Fake extends HttpExchange {
  readonly cookies: string[];
  context: SessionLimitContext | undefined;
}

/** A request as the gate sees it, with what the gate did to the response. */
class FakeExchange implements Fake {
  readonly cookies: string[] = [];
  context: SessionLimitContext | undefined;

  constructor(
    readonly method: string,
    readonly path: string,
    readonly headers: Record<string, string> = {},
    readonly ip = '203.0.113.7',
  ) {}

  header(name: string): string | undefined {
    return this.headers[name];
  }

  setCookie(value: string): void {
    this.cookies.push(value);
  }
}

const limiters: SessionLimiter[] = [];
afterEach(async () => {
  for (const limiter of limiters.splice(0)) await limiter.dispose();
});

function setup(options: GateOptions<never> = {}, store = new MemoryStore()) {
  const limiter = createSessionLimiter({ store, policy: { max: 1 }, pruneInterval: false });
  limiters.push(limiter);
  const settings = gateSettings(limiter, options, {
    entry: 'test',
    ownKeys: [],
    functions: [],
  });
  const gate = new SessionGate<Fake>(settings, cookieCarrier(settings.cookie), {
    attach: (x, context) => (x.context = context),
  });
  const open = async (userAgent = 'curl/8') => {
    const r = await limiter.open({ userId: 'alice', device: { userAgent } });
    if (!r.ok) throw new Error('login refused');
    return r.token;
  };
  return { gate, limiter, open, store };
}

const withCookie = (token: string, extra: Record<string, string> = {}) => ({
  cookie: `__Host-sid=${token}`,
  ...extra,
});

describe('SessionGate', () => {
  it('lets a request without a token through with an empty context, without a promise', () => {
    const { gate } = setup();
    const x = new FakeExchange('GET', '/api/me');
    expect(gate.check(x)).toEqual({ kind: 'next' });
    expect(x.context?.session).toBeNull();
    expect(x.cookies).toEqual([]);
  });

  it('answers a live session in memory without a promise and attaches it', async () => {
    const { gate, open } = setup();
    const token = await open();
    const x = new FakeExchange('GET', '/api/me', withCookie(token));
    expect(gate.check(x)).toEqual({ kind: 'next' });
    expect(x.context?.session?.userId).toBe('alice');
  });

  it('decides a dead session: cookie cleared, 401 JSON for API calls, 303 with notice for pages', async () => {
    const { gate, open } = setup();
    const first = await open();
    await open('Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0');
    const api = new FakeExchange('GET', '/api/me', withCookie(first));
    const decision = (await gate.check(api)) as Exclude<GateDecision, { kind: 'next' }>;
    expect(decision).toMatchObject({ kind: 'dead', dead: { reason: 'evicted' } });
    expect(api.cookies).toEqual(['__Host-sid=; Path=/; HttpOnly; SameSite=Lax; Secure; Max-Age=0']);
    expect(gate.answer(api, decision)).toMatchObject({
      status: 401,
      json: { error: { code: 'SESSION_REVOKED', reason: 'evicted' } },
    });

    const page = new FakeExchange(
      'GET',
      '/dashboard',
      withCookie(first, { accept: 'text/html', 'sec-fetch-mode': 'navigate' }),
    );
    const pageDecision = (await gate.check(page)) as Exclude<GateDecision, { kind: 'next' }>;
    expect(gate.answer(page, pageDecision)).toEqual({
      status: 303,
      location: '/login?signedOut=evicted',
    });
    expect(page.cookies[1]).toMatch(/^__Host-sid-notice=You%20were%20signed%20out.*Max-Age=60$/);
  });

  it('passes a dead session through on a login POST, saying why it ended', async () => {
    const { gate, open } = setup();
    const first = await open();
    await open();
    const x = new FakeExchange('POST', '/api/login', withCookie(first));
    expect(await gate.check(x)).toEqual({ kind: 'next' });
    expect(x.context?.ended?.reason).toBe('evicted');
    expect(x.context?.session).toBeNull();
  });

  it('refuses a cross-site write before looking the session up', async () => {
    const { gate, open } = setup();
    const token = await open();
    const x = new FakeExchange(
      'POST',
      '/api/logout',
      withCookie(token, { 'sec-fetch-site': 'cross-site' }),
    );
    const decision = gate.check(x);
    expect(decision).toMatchObject({ kind: 'answer', answer: { status: 403 } });
    expect(x.context?.session).toBeNull();
  });

  it('decides a store outage as store-error, answered 503 with Retry-After', async () => {
    const store = new MemoryStore();
    const { gate, open } = setup({}, store);
    const token = await open();
    store.findNow = () => {
      throw new Error('down');
    };
    store.find = () => Promise.reject(new Error('down'));
    const x = new FakeExchange('GET', '/api/me', withCookie(token));
    const decision = (await gate.check(x)) as Exclude<GateDecision, { kind: 'next' }>;
    expect(decision.kind).toBe('store-error');
    expect(gate.answer(x, decision)).toMatchObject({
      status: 503,
      headers: { 'retry-after': '5' },
      json: { error: { code: 'STORE_UNAVAILABLE' } },
    });
  });

  it('logs in through the context with the device and address of the request', async () => {
    const { gate } = setup();
    const x = new FakeExchange('POST', '/api/login', { 'user-agent': 'curl/8.5' });
    await gate.check(x);
    const r = await x.context!.login({ id: 'alice' });
    expect(r.ok && r.session.device).toMatchObject({ ip: '203.0.113.7' });
    expect(x.cookies[0]).toMatch(
      /^__Host-sid=[\w-]+\.[\w-]+; Path=\/; HttpOnly; SameSite=Lax; Secure$/,
    );
    expect(x.context?.session?.userId).toBe('alice');
  });
});
