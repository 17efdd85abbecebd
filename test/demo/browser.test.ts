// A real browser: alice signs in through the form in two browser contexts, and the first shows
// why it was signed out, without a reload, naming the second browser.
import { chromium, type Browser as Chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FIREFOX_WINDOWS, startTestDemo } from './support.js';

let url: string;
let close: (() => Promise<void>) | undefined;
let browser: Chromium | undefined;

/** The browser beforeAll launched (a failed launch has already failed the file). */
function theBrowser(): Chromium {
  if (!browser) throw new Error('the browser did not start');
  return browser;
}
beforeAll(async () => {
  ({ url, close } = await startTestDemo('sqlite'));
  browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
});
afterAll(async () => {
  await browser?.close();
  await close?.();
});

async function fillTheForm(page: Page, username: string): Promise<void> {
  await page.goto(url);
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Password').fill(username);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

async function signInThroughTheForm(page: Page, username = 'alice'): Promise<void> {
  await fillTheForm(page, username);
  await page.getByRole('heading', { name: 'Your sessions' }).waitFor();
}

describe('the demo page in a browser', () => {
  it('signs context A out the moment context B signs in, and says why', async () => {
    const contextA = await theBrowser().newContext();
    const contextB = await theBrowser().newContext({ userAgent: FIREFOX_WINDOWS });
    const a = await contextA.newPage();
    const b = await contextB.newPage();
    const errors: string[] = [];
    a.on('pageerror', (error) => errors.push(error.message));
    a.on('console', (message) => {
      if (message.type() === 'error' && !message.text().includes('401'))
        errors.push(message.text());
    });

    await signInThroughTheForm(a);
    await a.locator('.current').waitFor();
    // Mark the page: if it were reloaded, the mark would be gone.
    await a.evaluate(() => ((globalThis as { mark?: boolean }).mark = true));

    await signInThroughTheForm(b);

    const alert = a.locator('[role="alert"]');
    await alert.filter({ hasText: 'Firefox 133 on Windows' }).waitFor({ timeout: 5000 });
    expect(await alert.textContent()).toMatch(
      /^You were signed out because your account signed in on another device \(Firefox 133 on Windows\)/,
    );
    expect(await a.getByLabel('Username').isVisible()).toBe(true);
    expect(await a.getByRole('heading', { name: 'Your sessions' }).isVisible()).toBe(false);
    expect(await a.evaluate(() => (globalThis as { mark?: boolean }).mark)).toBe(true);
    expect(errors).toEqual([]);

    await contextA.close();
    await contextB.close();
  });

  it('lets carol, at her limit, choose a device to sign out and sign in here', async () => {
    const contexts = await Promise.all([
      theBrowser().newContext(),
      theBrowser().newContext({ userAgent: FIREFOX_WINDOWS }),
      theBrowser().newContext(),
    ]);
    const [first, second, third] = await Promise.all(contexts.map((c) => c.newPage()));
    await signInThroughTheForm(first!, 'carol');
    await signInThroughTheForm(second!, 'carol');

    await fillTheForm(third!, 'carol');
    await third!.getByRole('heading', { name: 'Choose a device to sign out' }).waitFor();
    await third!
      .getByRole('button', { name: 'Sign out Firefox 133 on Windows and sign in here' })
      .click();
    await third!.getByRole('heading', { name: 'Your sessions' }).waitFor();
    await third!.locator('#sessions li').nth(1).waitFor();
    expect(await third!.locator('#sessions li').count()).toBe(2);

    await second!
      .locator('[role="alert"]')
      .filter({ hasText: 'chose to replace this one' })
      .waitFor({ timeout: 5000 });
    for (const context of contexts) await context.close();
  });
});
