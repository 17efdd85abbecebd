// The event stream: the signed-out device hears `revoked` at once, with the reason and sentence.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Browser } from '../support/browser.js';
import { CHROME_MAC, FIREFOX_WINDOWS, openEvents, startTestDemo } from './support.js';

let url: string;
let close: () => Promise<void>;
beforeAll(async () => {
  ({ url, close } = await startTestDemo('sqlite'));
});
afterAll(() => close());

const login = (b: Browser, username: string) =>
  b.json('/api/login', { json: { username, password: username } });

describe('GET /api/events', () => {
  it('delivers revoked within a second of an eviction', async () => {
    const a = new Browser(url, CHROME_MAC);
    await login(a, 'alice');
    const stream = await openEvents(a);
    expect(stream.status).toBe(200);

    const start = Date.now();
    await login(new Browser(url, FIREFOX_WINDOWS), 'alice');
    const event = await stream.next('revoked', 1000);
    expect(Date.now() - start).toBeLessThan(1000);
    expect(JSON.parse(event.data)).toEqual({
      code: 'SESSION_REVOKED',
      reason: 'evicted',
      message: expect.stringContaining('(Firefox 133 on Windows)') as string,
      at: expect.stringMatching(/^\d{4}-\d\d-\d\dT/) as string,
      by: { kind: 'desktop', label: 'Firefox 133 on Windows' },
    });
    stream.close();
  });

  it('delivers revoked when another device signs this one out from the list', async () => {
    const phone = new Browser(url, CHROME_MAC);
    const laptop = new Browser(url, FIREFOX_WINDOWS);
    await login(phone, 'bob');
    await login(laptop, 'bob');
    const stream = await openEvents(phone);
    await laptop.json('/api/sessions/revoke-others', { method: 'POST' });
    const event = JSON.parse((await stream.next('revoked', 1000)).data) as { reason: string };
    expect(event.reason).toBe('revoked');
    stream.close();
  });

  it('says why when a stream opens for a session that already ended', async () => {
    const a = new Browser(url, CHROME_MAC);
    await login(a, 'alice');
    await login(new Browser(url, FIREFOX_WINDOWS), 'alice');
    const stream = await openEvents(a);
    expect(stream.status).toBe(200);
    const event = JSON.parse((await stream.next('revoked', 1000)).data) as { reason: string };
    expect(event.reason).toBe('evicted');
    stream.close();
    expect((await a.json('/api/me')).status).toBe(401);
  });

  it('answers 401 without a session', async () => {
    const stream = await openEvents(new Browser(url));
    expect(stream.status).toBe(401);
    stream.close();
  });
});
