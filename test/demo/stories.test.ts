// The four accounts' stories, over real HTTP against the demo on a temporary SQLite file.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SessionInfo } from '../../src/index.js';
import { Browser } from '../support/browser.js';
import {
  ANDROID,
  CHROME_MAC,
  EDGE_WINDOWS,
  FIREFOX_WINDOWS,
  IPHONE,
  startTestDemo,
} from './support.js';

interface ErrorAnswer {
  error: { code: string; reason?: string; message: string };
  active?: SessionInfo[];
}
interface SignedIn {
  user: { id: string; role: string };
  session: SessionInfo;
}

let url: string;
let close: () => Promise<void>;
beforeAll(async () => {
  ({ url, close } = await startTestDemo('sqlite'));
});
afterAll(() => close());

/** The browser's next call is refused: its session was ended for `reason` by a sign-in on `by`. */
async function expectSignedOut(browser: Browser, reason: string, by: string) {
  const me = await browser.json<ErrorAnswer>('/api/me');
  expect(me.status).toBe(401);
  expect(me.body.error.code).toBe('SESSION_REVOKED');
  expect(me.body.error.reason).toBe(reason);
  expect(me.body.error.message).toContain(`another device (${by})`);
}

async function signIn(browser: Browser, username: string, extra: Record<string, string> = {}) {
  return browser.json<SignedIn & ErrorAnswer>('/api/login', {
    json: { username, password: username, ...extra },
  });
}

describe('demo stories', () => {
  it('alice (staff, one at a time): a sign-in on B signs A out, and A is told by whom', async () => {
    const a = new Browser(url, CHROME_MAC);
    const b = new Browser(url, FIREFOX_WINDOWS);
    const first = await signIn(a, 'alice');
    expect(first.status).toBe(200);
    expect(first.body.user).toEqual({
      id: 'alice',
      name: 'Alice',
      role: 'staff',
      plan: expect.any(String) as string,
    });
    expect((await a.json('/api/me')).status).toBe(200);

    expect((await signIn(b, 'alice')).status).toBe(200);

    await expectSignedOut(a, 'evicted', 'Firefox 133 on Windows');
    expect((await b.json('/api/me')).status).toBe(200);
  });

  it('bob (customer, no limit): five sign-ins all stay live', async () => {
    const agents = [CHROME_MAC, FIREFOX_WINDOWS, EDGE_WINDOWS, IPHONE, ANDROID];
    const browsers = agents.map((ua) => new Browser(url, ua));
    for (const browser of browsers) expect((await signIn(browser, 'bob')).status).toBe(200);
    for (const browser of browsers) expect((await browser.json('/api/me')).status).toBe(200);
    const list = await browsers[0]!.json<{ sessions: SessionInfo[] }>('/api/sessions');
    expect(list.body.sessions).toHaveLength(5);
  });

  it('carol (family, two, reject): the third sign-in is refused with her devices, and replace works', async () => {
    const phone = new Browser(url, IPHONE);
    const laptop = new Browser(url, CHROME_MAC);
    const third = new Browser(url, FIREFOX_WINDOWS);
    expect((await signIn(phone, 'carol')).status).toBe(200);
    expect((await signIn(laptop, 'carol')).status).toBe(200);

    const refused = await signIn(third, 'carol');
    expect(refused.status).toBe(409);
    expect(refused.body.error.code).toBe('SESSION_LIMIT_REACHED');
    expect(refused.body.error.message).toMatch(/choose a device to sign out/i);
    const active = refused.body.active ?? [];
    expect(active.map((s) => s.device.label).sort()).toEqual([
      'Chrome 131 on macOS',
      'Safari 17 on iOS',
    ]);
    expect(third.cookies.size).toBe(0);

    const phoneSession = active.find((s) => s.device.kind === 'mobile')!;
    const replaced = await signIn(third, 'carol', { replace: phoneSession.id });
    expect(replaced.status).toBe(200);

    await expectSignedOut(phone, 'replaced', 'Firefox 133 on Windows');
    expect((await laptop.json('/api/me')).status).toBe(200);
    expect((await third.json('/api/me')).status).toBe(200);
  });

  it('dave (one phone, one computer): a second phone evicts the first phone, not the desktop', async () => {
    const iphone = new Browser(url, IPHONE);
    const desktop = new Browser(url, CHROME_MAC);
    const android = new Browser(url, ANDROID);
    expect((await signIn(iphone, 'dave')).status).toBe(200);
    expect((await signIn(desktop, 'dave')).status).toBe(200);
    expect((await signIn(android, 'dave')).status).toBe(200);

    await expectSignedOut(iphone, 'evicted', 'Chrome 131 on Android');
    expect((await desktop.json('/api/me')).status).toBe(200);

    const list = await android.json<{ sessions: SessionInfo[]; current: string }>('/api/sessions');
    expect(list.body.sessions.map((s) => s.device.kind).sort()).toEqual(['desktop', 'mobile']);
    expect(list.body.sessions.map((s) => s.id)).toContain(list.body.current);
  });
});
