// Real Chromium for the end-to-end stories: Debian's /usr/bin/chromium driven by playwright-core
// (which never downloads a browser), and screenshots of each story's end state in test-output/.
import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';

/** The machine may be busy: a step waits this long before it counts as failed. */
export const PATIENCE_MS = 30_000;
/** A whole story's bound, a few such waits. */
export const STORY_TIMEOUT_MS = 120_000;

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
}

const OUTPUT = fileURLToPath(new URL('../../test-output/', import.meta.url));

/** Saves the page as test-output/<name>.png (the whole page). */
export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(OUTPUT, { recursive: true });
  await page.screenshot({ path: `${OUTPUT}${name}.png`, fullPage: true });
}

/**
 * Records, in the page, when the element matching `selector` first has text (Date.now()): read
 * it with {@link shownAt}. Measured in the page, so a slow test runner does not add to it.
 */
export async function recordWhenShown(page: Page, selector: string): Promise<void> {
  await page.evaluate((selector) => {
    // The page's globals this needs (the tests are compiled without the DOM types).
    const page = globalThis as unknown as {
      document: { body: unknown; querySelector(s: string): { textContent: string | null } | null };
      MutationObserver: new (callback: () => void) => {
        observe(target: unknown, options: object): void;
        disconnect(): void;
      };
      shownAt?: number;
    };
    const record = (): boolean => {
      const text = page.document.querySelector(selector)?.textContent ?? '';
      if (text.trim() === '') return false;
      page.shownAt ??= Date.now();
      return true;
    };
    if (record()) return;
    const observer = new page.MutationObserver(() => {
      if (record()) observer.disconnect();
    });
    observer.observe(page.document.body, { childList: true, subtree: true, characterData: true });
  }, selector);
}

/** When the recorded element first had text (epoch ms), once it has. */
export async function shownAt(page: Page): Promise<number> {
  const handle = await page.waitForFunction(
    () => (globalThis as { shownAt?: number }).shownAt,
    null,
    {
      timeout: PATIENCE_MS,
    },
  );
  return (await handle.jsonValue()) as number;
}
