// session-limiter/client in real Chromium against the Express adapter on a memory store: the
// sign-in page after the notice, the app's callback instead of the banner, reconnecting after a
// dropped connection or a restarting server without a second notice, stop(), the tabs of one
// browser following the one that holds the stream, and a sign-out in one tab signing out all.
import type { ServerResponse } from 'node:http';
import express, { type NextFunction, type Request, type Response } from 'express';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { sessionEvents, sessionLimit } from '../../src/adapters/express.js';
import { MemoryStore } from '../../src/index.js';
import { listen } from '../support/browser.js';
import { launchChromium, PATIENCE_MS, recordWhenShown, shownAt } from '../support/chromium.js';
import { clientContext, openClientPage, signInFromPage } from '../support/client-page.js';
import { mountSessionRoutes } from '../support/session-routes.js';
import { FIREFOX_WIN, SUITE_USERS, suiteLimiter } from '../conformance/adapters.js';
import { CHROME_MAC } from '../demo/support.js';

const TABS_BOUND_MS = 1_000;
/** How long a story waits to see that something does not happen (a second notice, a request). */
const QUIET_MS = 500;
const EVICTED =
  /^You were signed out because your account signed in on another device \(Firefox 133 on Windows\) at \d\d:\d\d UTC\.$/;
const BANNER = '[role="alert"]';
/** A string matching `pattern`, inside an expected value. */
const matching = (pattern: RegExp): unknown => expect.stringMatching(pattern);

/** The app under test: its limiter, and the event streams it has open and has been asked for. */
class App {
  readonly limiter = suiteLimiter(new MemoryStore());
  readonly streams = new Set<ServerResponse>();
  streamRequests = 0;
  url = '';
  #port = 0;
  #close: (() => Promise<void>) | undefined;

  /** Listens (again, on the same port once it has one). */
  async start(): Promise<void> {
    const server = await listen(this.#express(), this.#port);
    this.url = server.url;
    this.#port = Number(new URL(server.url).port);
    this.#close = server.close;
  }

  /** Stops listening and cuts every connection, as a server going down does. */
  async stop(): Promise<void> {
    await this.#close?.();
    this.#close = undefined;
  }

  /** Breaks the open streams' connections, as a network failure or a proxy would. */
  dropStreams(): void {
    for (const res of this.streams) res.socket?.destroy();
  }

  /** alice signs in on another device (through the limiter: the server may be down). */
  async signInElsewhere(): Promise<void> {
    const r = await this.limiter.open({
      userId: 'alice',
      user: SUITE_USERS.alice!,
      device: { userAgent: FIREFOX_WIN },
    });
    expect(r.ok).toBe(true);
  }

  #express() {
    const web = express();
    web.use(express.json());
    web.use(sessionLimit(this.limiter));
    web.post('/api/login', (req: Request, res: Response, next: NextFunction) => {
      const user = SUITE_USERS[(req.body as { username: string }).username];
      if (!user) {
        res.status(401).json({ error: { code: 'INVALID_CREDENTIALS' } });
        return;
      }
      req.sessionLimit.login(user).then((r) => res.status(r.ok ? 200 : 409).json(r), next);
    });
    mountSessionRoutes(web);
    const events = sessionEvents();
    web.get('/api/events', (req, res, next) => {
      this.streamRequests += 1;
      this.streams.add(res);
      res.once('close', () => this.streams.delete(res));
      events(req, res, next);
    });
    // The sign-in page says why, from the notice the adapter's redirect left.
    web.get('/login', (req, res) => {
      res.type('html').send(`<p role="alert">${req.sessionLimit.notice ?? ''}</p>`);
    });
    return web;
  }
}

const app = new App();
let browser: Browser | undefined;
const contexts: BrowserContext[] = [];
/** What each page's onRevoked was called with, and when (the page's clock). */
const told: { page: Page; notice: unknown; at: number }[] = [];

beforeAll(async () => {
  await app.start();
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
  await app.stop();
  await app.limiter.dispose();
});
afterEach(async () => {
  for (const context of contexts.splice(0)) await context.close();
  told.length = 0;
});

/**
 * A fresh browser profile (Chrome on macOS) on the app, whose pages report `onRevoked` to `told`
 * and keep every EventSource they make, for {@link liveStreams}.
 */
async function newContext(): Promise<BrowserContext> {
  if (!browser) throw new Error('the browser did not start');
  const context = await clientContext(browser, app.url, CHROME_MAC);
  contexts.push(context);
  await context.exposeBinding('noticeTold', ({ page }, notice: unknown, at: number) => {
    told.push({ page, notice, at });
  });
  await context.addInitScript(() => {
    const page = globalThis as unknown as {
      EventSource: new (url: string) => object;
      eventSources: object[];
    };
    const made: object[] = (page.eventSources = []);
    page.EventSource = class extends page.EventSource {
      constructor(url: string) {
        super(url);
        made.push(this);
      }
    };
  });
  return context;
}

/**
 * How many of the page's EventSources are not closed: connected, or about to reconnect by
 * themselves (0 after a notice: nothing is left that could tell it again).
 */
const liveStreams = (page: Page) =>
  page.evaluate(() => {
    const page = globalThis as unknown as { eventSources: { readyState: number }[] };
    return page.eventSources.filter((source) => source.readyState !== 2).length;
  });

/** A tab on the minimal page. */
const openTab = (context: BrowserContext) => openClientPage(context, app.url);

interface WatchOptions {
  redirectTo?: string;
  tabs?: boolean;
  /** Pass an onRevoked that reports to `told` (else the client shows its banner). */
  callback?: boolean;
}

/** Starts watchSession in the page; its stop function is kept as `globalThis.stopWatching`. */
async function watch(page: Page, options: WatchOptions = {}): Promise<void> {
  await page.evaluate(({ redirectTo, tabs, callback }) => {
    const page = globalThis as unknown as {
      watchSession(options: object): () => void;
      noticeTold(notice: unknown, at: number): void;
      stopWatching?: () => void;
    };
    page.stopWatching = page.watchSession({
      url: '/api/events',
      redirectTo,
      tabs,
      onRevoked: callback ? (notice: unknown) => page.noticeTold(notice, Date.now()) : undefined,
    });
  }, options);
}

const stopWatching = (page: Page) =>
  page.evaluate(() => (globalThis as unknown as { stopWatching: () => void }).stopWatching());

/** Waits until the app has exactly `count` event streams open. */
const streamsOpen = (count: number) =>
  vi.waitFor(() => expect(app.streams.size).toBe(count), { timeout: PATIENCE_MS, interval: 20 });

/** A signed-in tab of a fresh profile, watching with `options`, its stream open. */
async function watchingTab(options: WatchOptions = {}): Promise<Page> {
  const page = await openTab(await newContext());
  await signInFromPage(page, 'alice');
  await watch(page, options);
  await streamsOpen(1);
  return page;
}

const banners = (page: Page) => page.locator(BANNER).allTextContents();

/** How many EventSources the page has made. */
const streamsMade = (page: Page) =>
  page.evaluate(() => (globalThis as unknown as { eventSources: unknown[] }).eventSources.length);

/** What the pages' onRevoked heard, page by page, in `tabs` order. */
const toldIn = (tabs: Page[]) => tabs.map((tab) => told.filter((t) => t.page === tab));

/** Three tabs of one profile, signed in as `username`, each watching with `options`. */
async function threeTabs(username: string, options: WatchOptions): Promise<Page[]> {
  const context = await newContext();
  const tabs = [await openTab(context), await openTab(context), await openTab(context)];
  await signInFromPage(tabs[0]!, username);
  for (const tab of tabs) await watch(tab, { ...options, tabs: true });
  await streamsOpen(1);
  return holderFirst(tabs);
}

/**
 * The tabs with the one holding the browser's stream first, checking that exactly one holds it.
 * Which one does is the browser's choice: Chromium may grant the lock to a later tab's request
 * first (each tab asks from its own process).
 */
async function holderFirst(tabs: Page[]): Promise<Page[]> {
  const live = await Promise.all(tabs.map(liveStreams));
  expect([...live].sort()).toEqual([...Array<number>(tabs.length - 1).fill(0), 1]);
  const holder = live.indexOf(1);
  return [tabs[holder]!, ...tabs.filter((_, i) => i !== holder)];
}

describe('session-limiter/client in Chromium', { timeout: 60_000 }, () => {
  it('goes to redirectTo after the notice, and the sign-in page says why', async () => {
    const page = await watchingTab({ redirectTo: '/login' });
    await app.signInElsewhere();
    await page.waitForURL(`${app.url}/login?signedOut=evicted`);
    expect(await banners(page)).toEqual([matching(EVICTED)]);
  });

  it('calls onRevoked with the notice instead of showing its banner, and closes the stream', async () => {
    const page = await watchingTab({ callback: true });
    await app.signInElsewhere();
    await vi.waitFor(() => expect(told).toHaveLength(1), { timeout: PATIENCE_MS });
    expect(told[0]?.notice).toEqual({
      code: 'SESSION_REVOKED',
      reason: 'evicted',
      message: matching(EVICTED),
      at: matching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
      by: { kind: 'desktop', label: 'Firefox 133 on Windows' },
    });
    expect(await liveStreams(page)).toBe(0);
    await page.waitForTimeout(QUIET_MS);
    expect(told).toHaveLength(1);
    expect(await banners(page)).toEqual([]);
    expect(page.url()).toMatch(/\/client-page$/);
  });

  it('reconnects after the connection drops, says nothing of it, and tells a later revocation once', async () => {
    const page = await watchingTab();
    const requests = app.streamRequests;
    app.dropStreams();
    await vi.waitFor(() => expect(app.streamRequests).toBe(requests + 1), { timeout: PATIENCE_MS });
    await streamsOpen(1);
    expect(await banners(page)).toEqual([]);

    await app.signInElsewhere();
    await page.locator(BANNER).waitFor();
    expect(await liveStreams(page)).toBe(0);
    await page.waitForTimeout(QUIET_MS);
    expect(await banners(page)).toEqual([matching(EVICTED)]);
    expect(app.streamRequests).toBe(requests + 1);
  });

  it('reconnects once the server is back, and tells at once, once, of a revocation while it was down', async () => {
    const page = await watchingTab({ callback: true });
    const refused = page.waitForEvent('requestfailed', {
      predicate: (r) =>
        r.url().endsWith('/api/events') && /REFUSED/.test(r.failure()?.errorText ?? ''),
    });
    await app.stop();
    await app.signInElsewhere();
    await refused;
    expect(told).toEqual([]);
    await app.start();
    await vi.waitFor(() => expect(told).toHaveLength(1), { timeout: PATIENCE_MS });
    expect(told[0]?.notice).toMatchObject({
      reason: 'evicted',
      message: matching(EVICTED),
    });
    expect(await liveStreams(page)).toBe(0);
    await page.waitForTimeout(QUIET_MS);
    expect(told).toHaveLength(1);
  });

  it('tells a page whose session the server no longer has, once, and stops asking', async () => {
    const page = await watchingTab({ callback: true });
    await page.context().clearCookies();
    app.dropStreams();
    await vi.waitFor(() => expect(told).toHaveLength(1), { timeout: PATIENCE_MS });
    expect(told[0]?.notice).toEqual({
      code: 'UNAUTHENTICATED',
      reason: null,
      message: 'Sign in to follow this session.',
      at: null,
      by: null,
    });
    const requests = app.streamRequests;
    await page.waitForTimeout(QUIET_MS * 3);
    expect(told).toHaveLength(1);
    expect(app.streamRequests).toBe(requests);
  });

  it('stop() closes the stream: no notice and no new connection after it', async () => {
    const page = await watchingTab({ callback: true });
    const requests = app.streamRequests;
    await stopWatching(page);
    expect(await liveStreams(page)).toBe(0);
    await streamsOpen(0);
    await app.signInElsewhere();
    await page.waitForTimeout(QUIET_MS);
    expect(told).toEqual([]);
    expect(await banners(page)).toEqual([]);
    expect(app.streamRequests).toBe(requests);
  });

  it('with tabs, holds one stream for the browser, and the other tabs follow the one told within 1 s', async () => {
    const tabs = await threeTabs('alice', {});
    for (const tab of tabs) await recordWhenShown(tab, BANNER);
    await app.signInElsewhere();
    const at: number[] = [];
    for (const tab of tabs) at.push(await shownAt(tab));
    expect(Math.max(...at) - Math.min(...at)).toBeLessThan(TABS_BOUND_MS);
    for (const tab of tabs) {
      expect(await banners(tab)).toEqual([matching(EVICTED)]);
      expect(await liveStreams(tab)).toBe(0);
    }
    // The others were told by the first, not by a stream of their own.
    expect(await Promise.all(tabs.map(streamsMade))).toEqual([1, 0, 0]);
  });

  it('with tabs, another tab takes the stream over when the tab holding it closes', async () => {
    const context = await newContext();
    const opened = [await openTab(context), await openTab(context)];
    await signInFromPage(opened[0]!, 'alice');
    for (const tab of opened) await watch(tab, { tabs: true });
    await streamsOpen(1);
    const tabs = await holderFirst(opened);
    const requests = app.streamRequests;
    await tabs[0]!.close();
    await vi.waitFor(() => expect(app.streamRequests).toBe(requests + 1), { timeout: PATIENCE_MS });
    await streamsOpen(1);
    await app.signInElsewhere();
    await tabs[1]!.locator(BANNER).waitFor();
    expect(await banners(tabs[1]!)).toEqual([matching(EVICTED)]);
  });

  // A sign-out in one tab signs the browser out: no tab may go on showing the account. The
  // sign-out ends the session, so the server tells the stream, and every tab follows it.
  for (const [which, index] of [
    ['the tab holding the stream', 0],
    ['a tab that does not hold it', 1],
  ] as const) {
    it(`a sign-out in ${which} signs out every tab within 1 s, that one too`, async () => {
      const tabs = await threeTabs('bob', { callback: true });
      const requests = app.streamRequests;
      const signedOutAt = await tabs[index]!.evaluate(async () => {
        const res = await fetch('/api/logout', { method: 'POST' });
        if (res.status !== 200) throw new Error(`the sign-out answered ${String(res.status)}`);
        return Date.now();
      });
      await vi.waitFor(() => expect(told).toHaveLength(3), { timeout: PATIENCE_MS });
      for (const [heard] of toldIn(tabs)) {
        expect(heard?.notice).toMatchObject({
          code: 'SESSION_REVOKED',
          reason: 'logout',
          message: matching(/^You signed out of this session at \d\d:\d\d UTC\.$/),
        });
        expect(heard!.at - signedOutAt).toBeLessThan(TABS_BOUND_MS);
      }
      for (const tab of tabs) expect(await liveStreams(tab)).toBe(0);
      await tabs[0]!.waitForTimeout(QUIET_MS);
      expect(told).toHaveLength(3);
      expect(app.streamRequests).toBe(requests);
    });
  }
});
