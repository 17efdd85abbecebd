// The HTML page: the signed-out notice after a redirect, escaping, and its security headers.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { escapeHtml } from '../../examples/demo/pages.js';
import { Browser } from '../support/browser.js';
import { CHROME_MAC, FIREFOX_WINDOWS, startTestDemo } from './support.js';

let url: string;
let close: () => Promise<void>;
beforeAll(async () => {
  ({ url, close } = await startTestDemo('memory'));
});
afterAll(() => close());

const NAVIGATE = { accept: 'text/html', 'sec-fetch-mode': 'navigate' };

describe('the page at /', () => {
  it('shows the sign-in form with the fields the contract names, and the users', async () => {
    const res = await fetch(url, { headers: NAVIGATE });
    const html = await res.text();
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    expect(html).toContain('name="username"');
    expect(html).toContain('name="password"');
    expect(html).toMatch(/<div id="notice" class="banner" role="alert"><\/div>/);
    for (const user of ['alice', 'bob', 'carol', 'dave'])
      expect(html).toContain(`<code>${user}</code>`);
  });

  it('runs only its own inline script and style (a nonce per response) and same-origin modules', async () => {
    const res = await fetch(url, { headers: NAVIGATE });
    const csp = res.headers.get('content-security-policy') ?? '';
    const nonce = /script-src 'self' 'nonce-([^']+)'/.exec(csp)?.[1];
    expect(nonce).toBeDefined();
    expect(csp).toContain("default-src 'none'");
    const html = await res.text();
    expect(html).toContain(`<script type="module" nonce="${nonce!}">`);
    expect(html).toContain("import { watchSession } from '/session-limiter-client.js'");
  });

  it('serves session-limiter/client, compiled from its source, as the module the page imports', async () => {
    const res = await fetch(`${url}/session-limiter-client.js`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/javascript/);
    const script = await res.text();
    expect(script).toContain('export function watchSession(');
    // Browser JavaScript: the TypeScript types are gone.
    expect(script).not.toContain('interface SessionNotice');
  });

  it('tells a signed-out browser why after the redirect, in the alert', async () => {
    const a = new Browser(url, CHROME_MAC);
    await a.json('/api/login', { json: { username: 'alice', password: 'alice' } });
    await new Browser(url, FIREFOX_WINDOWS).json('/api/login', {
      json: { username: 'alice', password: 'alice' },
    });

    const redirect = await a.request('/', { headers: NAVIGATE });
    expect(redirect.status).toBe(303);
    expect(redirect.headers.get('location')).toBe('/?signedOut=evicted');
    const page = await (await a.request('/?signedOut=evicted', { headers: NAVIGATE })).text();
    expect(page).toMatch(
      /<div id="notice" class="banner" role="alert">You were signed out because your account signed in on another device \(Firefox 133 on Windows\) at \d\d:\d\d UTC\.<\/div>/,
    );
    expect(page).toContain('data-signed-in="false"');
  });

  it('escapes the notice it shows', async () => {
    // Fetch drops Cookie headers; the test browser sends them.
    const b = new Browser(url);
    b.cookies.set('__Host-sid-notice', encodeURIComponent('<img src=x onerror=alert(1)>'));
    const html = await (await b.request('/', { headers: NAVIGATE })).text();
    expect(html).not.toContain('<img');
    expect(html).toContain('&lt;img src=x onerror=alert(1)&gt;');
  });

  it('escapes every HTML-special character', () => {
    expect(escapeHtml(`<a href="x" title='y'>&</a>`)).toBe(
      '&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;&lt;/a&gt;',
    );
  });
});
