// The demo under hostile input: thousands of generated requests with malformed and oversized
// cookies, bearer tokens, JSON bodies, headers, user agents and session ids, sent as raw bytes.
// Every answer is a 2xx, a 303 to a same-origin path, or a 4xx with a stable code; never a 5xx
// (but 503 STORE_UNAVAILABLE), never a hang, never a crash. Then OWASP WSTG-SESS-11: one user at
// limit 1 signs in 100 times, and every earlier token is dead.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { SessionInfo } from '../../src/index.js';
import { Browser } from '../support/browser.js';
import { startTestDemo } from '../demo/support.js';
import { answerCodes } from './codes.js';
import { type Known, hostileRequest, ruleBroken, SESSION_PATHS } from './hostile.js';
import { sendRaw } from './raw.js';

/** Cases per run; `FUZZ_RUNS` asks for more (`npm run test:fuzz`). */
const RUNS = Number(process.env.FUZZ_RUNS ?? 1_500);
/** A generous 20 ms a case, for a busy machine. */
const PATIENCE = 60_000 + RUNS * 20;
/** The demo's own codes (examples/shared/answers.ts), beside the library's. */
const CODES = answerCodes(['INVALID_CREDENTIALS', 'INVALID_REQUEST', 'NOT_FOUND']);

interface Tokens {
  accessToken: string;
  refreshToken: string;
  session: SessionInfo;
}

let url: string;
let close: () => Promise<void>;
const unexpected: unknown[] = [];
const record = (error: unknown) => unexpected.push(error);

beforeAll(async () => {
  ({ url, close } = await startTestDemo('memory'));
  process.on('unhandledRejection', record);
  process.on('uncaughtException', record);
});
afterAll(async () => {
  process.off('unhandledRejection', record);
  process.off('uncaughtException', record);
  await close();
});

async function signIn(username: string): Promise<{ browser: Browser; session: SessionInfo }> {
  const browser = new Browser(url);
  const r = await browser.json<{ session: SessionInfo }>('/api/login', {
    json: { username, password: username },
  });
  expect(r.status).toBe(200);
  return { browser, session: r.body.session };
}

async function tokensFor(username: string): Promise<Tokens> {
  const r = await new Browser(url).json<Tokens>('/api/token', {
    json: { username, password: username },
  });
  expect(r.status).toBe(200);
  return r.body;
}

/** A session cookie of `browser`: its name and value. */
function sessionCookie(browser: Browser): [string, string] {
  const found = [...browser.cookies].find(([name]) => name.startsWith('__Host-'));
  if (!found) throw new Error(`no __Host- cookie in ${[...browser.cookies.keys()].join(', ')}`);
  return found;
}

describe('the demo under hostile input', () => {
  it(
    `answers ${RUNS} generated hostile requests with a 2xx, a 303 or a stable 4xx`,
    async () => {
      const live = await signIn('bob');
      const doomed = await signIn('bob');
      const tokens = await tokensFor('bob');
      const doomedTokens = await tokensFor('bob');
      for (const id of [doomed.session.id, doomedTokens.session.id]) {
        expect((await live.browser.json(`/api/sessions/${id}`, { method: 'DELETE' })).status).toBe(
          200,
        );
      }
      const [cookieName, liveToken] = sessionCookie(live.browser);
      const known: Known = {
        cookieName,
        live: liveToken,
        revoked: sessionCookie(doomed.browser)[1],
        liveId: live.session.id,
        accessToken: tokens.accessToken,
        refreshToken: tokens.refreshToken,
        revokedAccessToken: doomedTokens.accessToken,
        paths: ['/', ...SESSION_PATHS, '/api/token', '/api/token/me', '/api/token/refresh'],
        usernames: ['alice', 'bob', 'carol', 'dave'],
      };
      const logged = vi.spyOn(console, 'error').mockImplementation(() => undefined);
      try {
        await fc.assert(
          fc.asyncProperty(hostileRequest(known), async (request) => {
            const broken = ruleBroken(await sendRaw(url, request), request.method, CODES);
            if (broken) throw new Error(broken);
          }),
          { numRuns: RUNS },
        );
        // Nothing reached the demo's last-resort handler (it logs what it could not answer).
        expect(logged).not.toHaveBeenCalled();
      } finally {
        logged.mockRestore();
      }
      expect(unexpected).toEqual([]);
      // Still serving: a new sign-in works.
      const after = await signIn('dave');
      expect((await after.browser.json('/api/me')).status).toBe(200);
    },
    PATIENCE,
  );

  it(
    'WSTG-SESS-11: alice (limit 1) signs in 100 times, cookies and tokens in turn: every earlier one is dead',
    async () => {
      const cookies: Browser[] = [];
      const tokens: Tokens[] = [];
      for (let i = 0; i < 100; i++) {
        if (i % 2 === 0) cookies.push((await signIn('alice')).browser);
        else tokens.push(await tokensFor('alice'));
      }
      const lastToken = tokens.pop();
      const refusals: string[] = [];
      const refused = (status: number, body: { error?: { code: string; reason?: string } }) => {
        expect(status).toBe(401);
        refusals.push(`${body.error?.code ?? ''} ${body.error?.reason ?? ''}`.trim());
      };
      for (const browser of cookies) {
        const r = await browser.json<{ error?: { code: string; reason?: string } }>('/api/me');
        refused(r.status, r.body);
      }
      const client = new Browser(url);
      for (const earlier of tokens) {
        const me = await client.json<{ error?: { code: string } }>('/api/token/me', {
          headers: { authorization: `Bearer ${earlier.accessToken}` },
        });
        refused(me.status, me.body);
        const refresh = await client.json<{ error?: { code: string } }>('/api/token/refresh', {
          json: { refreshToken: earlier.refreshToken },
        });
        refused(refresh.status, refresh.body);
      }
      // Evicted, said so while the store keeps the tombstone; unknown once it has let it go.
      for (const refusal of refusals) {
        expect(['SESSION_REVOKED evicted', 'UNAUTHENTICATED', 'SESSION_UNKNOWN']).toContain(
          refusal,
        );
      }
      expect(refusals).toContain('SESSION_REVOKED evicted');
      const last = await client.json('/api/token/me', {
        headers: { authorization: `Bearer ${lastToken?.accessToken ?? ''}` },
      });
      expect(last.status).toBe(200);
    },
    PATIENCE,
  );
});
