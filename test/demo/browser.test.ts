// The demo page in real Chromium, with session-limiter/client: a signed-out window is told why
// within 2 s without a reload, its other tabs follow, carol chooses a device to sign out, and
// the session list signs a device out. Each story leaves a screenshot in test-output/.
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  launchChromium,
  PATIENCE_MS,
  STORY_TIMEOUT_MS,
  recordWhenShown,
  screenshot,
  shownAt,
} from '../support/chromium.js';
import { CHROME_MAC, FIREFOX_WINDOWS, IPHONE, startTestDemo } from './support.js';

const NOTICE_BOUND_MS = 2_000;
const TABS_BOUND_MS = 1_000;

let url: string;
let close: (() => Promise<void>) | undefined;
let browser: Browser | undefined;
const contexts: BrowserContext[] = [];

beforeAll(async () => {
  ({ url, close } = await startTestDemo('sqlite'));
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
  await close?.();
});

/** A fresh browser profile with this User-Agent, closed after the file. */
async function newContext(userAgent: string, width = 900): Promise<BrowserContext> {
  if (!browser) throw new Error('the browser did not start');
  const context = await browser.newContext({ userAgent, viewport: { width, height: 800 } });
  context.setDefaultTimeout(PATIENCE_MS);
  contexts.push(context);
  return context;
}
afterAll(async () => {
  for (const context of contexts) await context.close();
});

/** Watches the page for script errors (a 401 in the console is the page asking why). */
function collectErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));
  page.on('console', (message) => {
    if (message.type() === 'error' && !message.text().includes('401')) errors.push(message.text());
  });
  return errors;
}

async function fillTheForm(page: Page, username: string): Promise<void> {
  await page.goto(url);
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Password').fill(username);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

async function signIn(page: Page, username: string): Promise<void> {
  await fillTheForm(page, username);
  await page.getByRole('heading', { name: 'Your sessions' }).waitFor();
}

/** Signs in and answers when the browser got the server's answer (epoch ms). */
async function signInAt(page: Page, username: string): Promise<number> {
  const [response] = await Promise.all([
    page.waitForResponse((r) => r.url().endsWith('/api/login')),
    fillTheForm(page, username),
  ]);
  const timing = response.request().timing();
  return timing.startTime + timing.responseStart;
}

const notice = (page: Page) => page.locator('#notice');
const markPage = (page: Page) =>
  page.evaluate(() => ((globalThis as { mark?: boolean }).mark = true));
const stillMarked = (page: Page) => page.evaluate(() => (globalThis as { mark?: boolean }).mark);

describe('the demo page in Chromium', { timeout: STORY_TIMEOUT_MS }, () => {
  it('tells A within 2 s, without a reload, that B signed in, and A’s second tab follows', async () => {
    const contextA = await newContext(CHROME_MAC);
    const contextB = await newContext(FIREFOX_WINDOWS);
    const streams: string[] = [];
    contextA.on('request', (r) => {
      if (r.url().endsWith('/api/events')) streams.push(r.url());
    });
    const a = await contextA.newPage();
    const errors = collectErrors(a);
    await signIn(a, 'alice');
    const a2 = await contextA.newPage();
    await a2.goto(url);
    await a2.getByRole('heading', { name: 'Your sessions' }).waitFor();
    for (const page of [a, a2]) {
      await markPage(page);
      await recordWhenShown(page, '#notice');
    }
    // With tabs: true one tab holds the stream for the browser: let both settle, then count.
    await a.waitForTimeout(500);
    expect(streams).toHaveLength(1);

    const b = await contextB.newPage();
    const signedInAt = await signInAt(b, 'alice');

    const aAt = await shownAt(a);
    const a2At = await shownAt(a2);
    expect(aAt - signedInAt).toBeLessThan(NOTICE_BOUND_MS);
    expect(Math.abs(a2At - aAt)).toBeLessThan(TABS_BOUND_MS);
    for (const page of [a, a2]) {
      expect(await notice(page).textContent()).toMatch(
        /^You were signed out because your account signed in on another device \(Firefox 133 on Windows\)/,
      );
      expect(await notice(page).getAttribute('role')).toBe('alert');
      expect(await page.getByLabel('Username').isVisible()).toBe(true);
      expect(await page.getByRole('heading', { name: 'Your sessions' }).isVisible()).toBe(false);
      expect(await stillMarked(page)).toBe(true);
    }
    expect(errors).toEqual([]);
    await screenshot(a, 'demo-1-notice');
    await screenshot(a2, 'demo-2-second-tab');
  });

  it('lets carol, at her limit, choose a device by keyboard, and tells the chosen one', async () => {
    const first = await (await newContext(CHROME_MAC)).newPage();
    const second = await (await newContext(FIREFOX_WINDOWS)).newPage();
    const third = await (await newContext(IPHONE, 320)).newPage();
    await signIn(first, 'carol');
    await signIn(second, 'carol');
    await recordWhenShown(second, '#notice');

    // The third device signs in with the keyboard only.
    await third.goto(url);
    await third.getByLabel('Username').focus();
    await third.keyboard.type('carol');
    await third.keyboard.press('Tab');
    await third.keyboard.type('carol');
    await third.keyboard.press('Enter');
    await third.getByRole('heading', { name: 'Choose a device to sign out' }).waitFor();
    const choices = third.locator('#choose-list li');
    expect(await choices.count()).toBe(2);
    expect(await choices.locator('h4').allTextContents()).toContain('Firefox 133 on Windows');
    for (const term of ['Kind', 'IP address', 'Signed in', 'Last active'])
      expect(await choices.first().locator('dt').allTextContents()).toContain(term);
    await expectNoSidewaysScroll(third);
    await screenshot(third, 'demo-3-chooser-320px');

    const choice = third.getByRole('button', {
      name: 'Sign out Firefox 133 on Windows and sign in here',
    });
    while (
      !(await choice.evaluate(
        (b) =>
          b === (globalThis as { document?: { activeElement: unknown } }).document?.activeElement,
      ))
    )
      await third.keyboard.press('Tab');
    await third.keyboard.press('Enter');
    await third.getByRole('heading', { name: 'Your sessions' }).waitFor();
    await third.locator('#sessions li').nth(1).waitFor();
    expect(await third.locator('#sessions li').count()).toBe(2);

    await shownAt(second);
    expect(await notice(second).textContent()).toMatch(/chose to replace this one/);
    await screenshot(second, 'demo-4-chosen-device-told');
  });

  it('lists the right devices, and signing one out ends it there', async () => {
    const laptop = await (await newContext(CHROME_MAC, 320)).newPage();
    const phone = await (await newContext(IPHONE)).newPage();
    await signIn(phone, 'bob');
    await signIn(laptop, 'bob');
    await recordWhenShown(phone, '#notice');

    const rows = laptop.locator('#sessions li');
    await rows.nth(1).waitFor();
    expect(await rows.count()).toBe(2);
    const current = laptop.locator('#sessions li[aria-current="true"]');
    expect(await current.locator('h4').textContent()).toMatch(/on macOS/);
    expect(await current.textContent()).toContain('This device');
    expect(await current.locator('dd').first().textContent()).toBe('desktop');
    const other = laptop.locator('#sessions li:not([aria-current])');
    const phoneLabel = (await other.locator('h4').textContent()) ?? '';
    expect(phoneLabel).toMatch(/on iOS/);
    expect(await other.locator('dd').first().textContent()).toBe('mobile');
    expect(await other.locator('dd').nth(1).textContent()).toBe('127.0.0.1');
    await expectNoSidewaysScroll(laptop);
    await screenshot(laptop, 'demo-5-sessions-320px');

    await laptop.getByRole('button', { name: `Sign out ${phoneLabel}` }).click();
    await shownAt(phone);
    expect(await notice(phone).textContent()).toMatch(/signed out/i);
    await rows.nth(1).waitFor({ state: 'detached' });
    expect(await rows.count()).toBe(1);
    await screenshot(laptop, 'demo-6-after-signing-the-phone-out');
    await screenshot(phone, 'demo-7-phone-told');
  });
});

/** Nothing wider than the window: readable at 320 px without scrolling sideways. */
async function expectNoSidewaysScroll(page: Page): Promise<void> {
  const { scroll, width } = await page.evaluate(() => {
    const d = (
      globalThis as unknown as {
        document: { documentElement: { scrollWidth: number; clientWidth: number } };
      }
    ).document;
    return { scroll: d.documentElement.scrollWidth, width: d.documentElement.clientWidth };
  });
  expect(scroll).toBeLessThanOrEqual(width);
}
