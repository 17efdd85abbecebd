import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Request, Response } from 'express';
import { clientScript } from '../shared/client.js';
import type { DemoUser } from './users.js';

// Read once: the page's script and style are inlined, so the demo needs no build step.
const PAGE_SCRIPT = readFileSync(new URL('./client.js', import.meta.url), 'utf8');
const STYLE = readFileSync(new URL('./style.css', import.meta.url), 'utf8');

const HTML_ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/** Escapes text for HTML content and quoted attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c] ?? c);
}

function usersTable(users: readonly DemoUser[]): string {
  const rows = users
    .map(
      (u) =>
        `<tr><th scope="row"><code>${escapeHtml(u.id)}</code></th><td>${escapeHtml(u.role)}</td><td>${escapeHtml(u.plan)}</td></tr>`,
    )
    .join('\n          ');
  return `<table>
        <caption>Demo accounts (the password is the username)</caption>
        <thead><tr><th scope="col">User</th><th scope="col">Role</th><th scope="col">Limit</th></tr></thead>
        <tbody>
          ${rows}
        </tbody>
      </table>`;
}

/**
 * The one page: a sign-in form and a "your sessions" view, switched by the inline script, which
 * talks to the JSON routes. `notice` is the sentence saying why this browser was signed out.
 */
export function renderPage(options: {
  notice: string | null;
  signedIn: boolean;
  users: readonly DemoUser[];
  nonce: string;
}): string {
  const { notice, signedIn, users, nonce } = options;
  return `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>session-limiter demo</title>
  <style nonce="${nonce}">${STYLE}</style>
</head>
<body data-signed-in="${String(signedIn)}">
  <main>
    <h1>session-limiter demo</h1>
    <div id="notice" class="banner" role="alert">${escapeHtml(notice ?? '')}</div>

    <section id="signin" aria-labelledby="signin-title"${signedIn ? ' hidden' : ''}>
      <h2 id="signin-title">Sign in</h2>
      <!-- method="post": without the script, a password never ends up in a URL. -->
      <form id="signin-form" method="post" action="/api/login">
        <p>
          <label for="username">Username</label>
          <input id="username" name="username" autocomplete="username" required>
        </p>
        <p>
          <label for="password">Password</label>
          <input id="password" name="password" type="password" autocomplete="current-password" required>
        </p>
        <p><button type="submit">Sign in</button></p>
      </form>
      <div id="choose" hidden>
        <h3 id="choose-title" tabindex="-1">Choose a device to sign out</h3>
        <p id="choose-text"></p>
        <ul id="choose-list" class="sessions" aria-labelledby="choose-title"></ul>
        <p><button type="button" id="choose-cancel">Cancel</button></p>
      </div>
      ${usersTable(users)}
    </section>

    <section id="account" aria-labelledby="account-title"${signedIn ? '' : ' hidden'}>
      <h2 id="account-title" tabindex="-1">Signed in as <span id="who"></span></h2>
      <p id="plan"></p>
      <h3 id="sessions-title">Your sessions</h3>
      <ul id="sessions" class="sessions" aria-labelledby="sessions-title" aria-live="polite"></ul>
      <p class="actions">
        <button type="button" id="revoke-others">Sign out everywhere else</button>
        <button type="button" id="logout">Sign out</button>
      </p>
    </section>
  </main>
  <script type="module" nonce="${nonce}">${PAGE_SCRIPT}</script>
</body>
</html>
`;
}

/** `GET /`: the page, with a fresh nonce so only its own inline script and style run. */
export function pageRoute(users: readonly DemoUser[]) {
  return (req: Request, res: Response): void => {
    const nonce = randomBytes(16).toString('base64');
    res.set({
      'content-security-policy': `default-src 'none'; script-src 'self' 'nonce-${nonce}'; style-src 'nonce-${nonce}'; connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'`,
      'cache-control': 'no-store',
      'referrer-policy': 'no-referrer',
      'x-content-type-options': 'nosniff',
    });
    const { notice, session } = req.sessionLimit;
    res.type('html').send(renderPage({ notice, signedIn: session !== null, users, nonce }));
  };
}

/** `GET /session-limiter-client.js`: session-limiter/client, which the page's script imports. */
export function clientRoute() {
  return (_req: Request, res: Response): void => {
    res.set({ 'cache-control': 'no-cache', 'x-content-type-options': 'nosniff' });
    res.type('text/javascript').send(clientScript());
  };
}
