// The minimal page the Chromium stories of session-limiter/client run in: it loads the client
// (compiled from its source, as the examples serve it) on the origin of the app under test. The
// browser serves page and module itself, so any app will do, and so will one that is down.
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { CLIENT_PATH, clientScript } from '../../examples/shared/client.js';
import { PATIENCE_MS } from './chromium.js';

/** Where the minimal page is, on the app's origin. */
export const CLIENT_PAGE_PATH = '/client-page';

// No watchSession call: each story starts it with its own options.
const PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>client</title></head>
<body><script type="module">
  import { watchSession } from '${CLIENT_PATH}';
  globalThis.watchSession = watchSession;
</script></body></html>`;

/** A fresh browser profile with this User-Agent, in which the app at `url` has the minimal page. */
export async function clientContext(
  browser: Browser,
  url: string,
  userAgent: string,
): Promise<BrowserContext> {
  const context = await browser.newContext({ userAgent });
  context.setDefaultTimeout(PATIENCE_MS);
  await context.route(`${url}${CLIENT_PAGE_PATH}`, (route) =>
    route.fulfill({ contentType: 'text/html', body: PAGE }),
  );
  await context.route(`${url}${CLIENT_PATH}`, (route) =>
    route.fulfill({ contentType: 'text/javascript', body: clientScript() }),
  );
  return context;
}

/** A new tab of `context` on the minimal page, once the client has loaded (`globalThis.watchSession`). */
export async function openClientPage(context: BrowserContext, url: string): Promise<Page> {
  const page = await context.newPage();
  await page.goto(url + CLIENT_PAGE_PATH);
  await page.waitForFunction(() => 'watchSession' in globalThis);
  return page;
}

/**
 * Signs in from the page (`POST /api/login`, the password being the name) and answers when the
 * answer arrived, taken in the page (epoch ms). Throws unless the sign-in succeeded.
 */
export async function signInFromPage(page: Page, username: string): Promise<number> {
  const { status, at } = await page.evaluate(async (username) => {
    const res = await fetch('/api/login', {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify({ username, password: username }),
    });
    return { status: res.status, at: Date.now() };
  }, username);
  if (status !== 200) throw new Error(`signing in as ${username} answered ${String(status)}`);
  return at;
}
