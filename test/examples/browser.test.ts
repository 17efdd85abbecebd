// The first Chromium story against each framework example: a minimal page loads
// session-limiter/client, and the example's GET /api/events tells it within 2 s that another
// device signed in. A new example is one line in EXAMPLES.
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFastifyExample } from '../../examples/fastify/server.js';
import { startKoaExample } from '../../examples/koa/server.js';
import { startNestExample } from '../../examples/nestjs/server.js';
import {
  launchChromium,
  recordWhenShown,
  screenshot,
  shownAt,
  STORY_TIMEOUT_MS,
} from '../support/chromium.js';
import { clientContext, openClientPage, signInFromPage } from '../support/client-page.js';
import { CHROME_MAC, FIREFOX_WINDOWS } from '../demo/support.js';

interface Running {
  url: string;
  close(): Promise<void>;
}

const EXAMPLES: { name: string; start: (o: { port: number; host: string }) => Promise<Running> }[] =
  [
    { name: 'koa', start: startKoaExample },
    { name: 'fastify', start: startFastifyExample },
    { name: 'nestjs-express', start: (o) => startNestExample({ ...o, platform: 'express' }) },
    { name: 'nestjs-fastify', start: (o) => startNestExample({ ...o, platform: 'fastify' }) },
  ];

const NOTICE_BOUND_MS = 2_000;

let browser: Browser | undefined;
beforeAll(async () => {
  browser = await launchChromium();
});
afterAll(() => browser?.close());

/**
 * The minimal page on the example's origin, signed in as alice; `signedInAt` is when the
 * sign-in's answer arrived, taken in the page.
 */
async function signedInPage(
  url: string,
  userAgent: string,
): Promise<{ page: Page; signedInAt: number }> {
  if (!browser) throw new Error('the browser did not start');
  const page = await openClientPage(await clientContext(browser, url, userAgent), url);
  return { page, signedInAt: await signInFromPage(page, 'alice') };
}

for (const example of EXAMPLES) {
  describe(`${example.name} example in Chromium`, { timeout: STORY_TIMEOUT_MS }, () => {
    let running: Running | undefined;
    beforeAll(async () => {
      running = await example.start({ port: 0, host: '127.0.0.1' });
    });
    afterAll(() => running?.close());

    it('tells the first browser within 2 s, through the client, that a second signed in', async () => {
      const url = running!.url;
      const { page: a } = await signedInPage(url, CHROME_MAC);
      const opened = a.waitForResponse((r) => r.url().endsWith('/api/events'));
      await a.evaluate(() => {
        const { watchSession } = globalThis as unknown as { watchSession: (o: object) => void };
        watchSession({ url: '/api/events' });
      });
      expect((await opened).status()).toBe(200);
      await recordWhenShown(a, '[role="alert"]');

      const { page: b, signedInAt } = await signedInPage(url, FIREFOX_WINDOWS);
      const at = await shownAt(a);
      expect(at - signedInAt).toBeLessThan(NOTICE_BOUND_MS);
      expect(await a.locator('[role="alert"]').textContent()).toMatch(
        /^You were signed out because your account signed in on another device \(Firefox 133 on Windows\)/,
      );
      await screenshot(a, `example-${example.name}-notice`);
      await a.context().close();
      await b.context().close();
    });
  });
}
