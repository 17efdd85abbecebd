// Credentials, bad input and foreign ids: clear 4xx answers in JSON, never a 500, nothing leaked.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SessionInfo } from '../../src/index.js';
import { createAccounts } from '../../examples/demo/passwords.js';
import { USERS } from '../../examples/demo/users.js';
import { Browser } from '../support/browser.js';
import { CHROME_MAC, FIREFOX_WINDOWS, IPHONE, startTestDemo } from './support.js';

interface ErrorAnswer {
  error: { code: string; message: string };
}

let url: string;
let close: () => Promise<void>;
beforeAll(async () => {
  ({ url, close } = await startTestDemo('memory'));
});
afterAll(() => close());

/** Sends a raw body, as a broken client would. */
async function post(path: string, body: string, contentType = 'application/json') {
  const res = await fetch(url + path, {
    method: 'POST',
    headers: { 'content-type': contentType, accept: 'application/json' },
    body,
  });
  return { status: res.status, body: (await res.json()) as ErrorAnswer };
}

describe('credentials', () => {
  it('answers a wrong password and an unknown user alike: 401 INVALID_CREDENTIALS', async () => {
    const b = new Browser(url);
    const wrong = await b.json('/api/login', { json: { username: 'alice', password: 'bob' } });
    const unknown = await b.json('/api/login', { json: { username: 'mallory', password: 'x' } });
    expect(wrong).toEqual({
      status: 401,
      body: { error: { code: 'INVALID_CREDENTIALS', message: 'Wrong username or password.' } },
    });
    expect(unknown).toEqual(wrong);
    expect(b.cookies.size).toBe(0);
    const token = await b.json('/api/token', { json: { username: 'mallory', password: 'x' } });
    expect(token).toEqual(wrong);
  });

  it('checks the password before the limit: carol at her limit with a wrong password gets 401', async () => {
    for (const ua of [IPHONE, CHROME_MAC]) {
      const b = new Browser(url, ua);
      const r = await b.json('/api/login', { json: { username: 'carol', password: 'carol' } });
      expect(r.status).toBe(200);
    }
    const b = new Browser(url, FIREFOX_WINDOWS);
    const wrong = await b.json<ErrorAnswer & { active?: unknown }>('/api/login', {
      json: { username: 'carol', password: 'alice' },
    });
    expect(wrong.status).toBe(401);
    expect(wrong.body.error.code).toBe('INVALID_CREDENTIALS');
    expect(wrong.body.active).toBeUndefined();
    const right = await b.json('/api/login', { json: { username: 'carol', password: 'carol' } });
    expect(right.status).toBe(409);
  });

  it('takes as long for an unknown user as for a wrong password (both hash)', async () => {
    const accounts = await createAccounts(USERS);
    const time = async (username: string) => {
      const samples: number[] = [];
      for (let i = 0; i < 5; i++) {
        const start = performance.now();
        expect(await accounts.authenticate(username, 'wrong')).toBeNull();
        samples.push(performance.now() - start);
      }
      return samples.sort((x, y) => x - y)[2]!;
    };
    const known = await time('alice');
    const unknown = await time('nobody');
    expect(unknown / known).toBeGreaterThan(0.33);
    expect(unknown / known).toBeLessThan(3);
  });

  it('keeps password hashes out of every answer', async () => {
    const b = new Browser(url);
    const login = await b.request('/api/login', { json: { username: 'bob', password: 'bob' } });
    const me = await b.request('/api/me');
    for (const text of [await login.text(), await me.text()]) {
      expect(text).not.toMatch(/hash|salt|password/i);
    }
  });
});

describe('bad input', () => {
  const cases: [string, string, string | undefined][] = [
    ['not JSON', '{"username": "alice",', undefined],
    ['a JSON array', '["alice", "alice"]', undefined],
    ['JSON null', 'null', undefined],
    ['an empty body', '', undefined],
    ['a number for the username', '{"username": 42, "password": "alice"}', undefined],
    ['no password', '{"username": "alice"}', undefined],
    ['a number for replace', '{"username": "bob", "password": "bob", "replace": 1}', undefined],
    [
      'an oversized body',
      JSON.stringify({ username: 'a'.repeat(20_000), password: 'x' }),
      undefined,
    ],
    ['a form body', 'username=alice&password=alice', 'application/x-www-form-urlencoded'],
    ['a text body', '{"username":"alice","password":"alice"}', 'text/plain'],
  ];
  for (const [name, body, type] of cases) {
    it(`answers ${name} with 400 INVALID_REQUEST and a message`, async () => {
      for (const path of ['/api/login', '/api/token']) {
        const r = await post(path, body, type);
        expect(r.status).toBe(400);
        expect(r.body.error.code).toBe('INVALID_REQUEST');
        expect(r.body.error.message.length).toBeGreaterThan(10);
      }
    });
  }

  it('answers a compressed body with 400 INVALID_REQUEST, whether it inflates or not', async () => {
    for (const encoding of ['gzip', 'deflate', 'br', 'x-unknown']) {
      const res = await fetch(`${url}/api/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'content-encoding': encoding },
        body: '{"username":"alice","password":"alice"}',
      });
      expect(res.status, encoding).toBe(400);
      expect(((await res.json()) as ErrorAnswer).error.code).toBe('INVALID_REQUEST');
    }
  });

  it('answers a bad refresh body with 400', async () => {
    expect((await post('/api/token/refresh', '{}')).status).toBe(400);
    expect((await post('/api/token/refresh', '{"refreshToken": 5}')).status).toBe(400);
  });

  it('treats malformed cookies as no session: 401 UNAUTHENTICATED', async () => {
    const cookies = [
      '__Host-sid=garbage',
      '__Host-sid=',
      '__Host-sid=%E0%A4%A',
      '__Host-sid=a.b.c.d',
      `__Host-sid=${'x'.repeat(5000)}`,
      '__Host-sid="quoted"; __Host-sid=again',
      '=; ;;; sid',
    ];
    for (const cookie of cookies) {
      // The test browser's jar is empty, so the raw header goes out as written (fetch drops it).
      const r = await new Browser(url).json<ErrorAnswer>('/api/me', { headers: { cookie } });
      expect(r.status, cookie).toBe(401);
      expect(r.body.error.code).toBe('UNAUTHENTICATED');
    }
  });

  it('answers malformed bearer tokens with 401 INVALID_TOKEN and a reason', async () => {
    for (const authorization of ['Bearer', 'Bearer not-a-jwt', 'Bearer a.b.c']) {
      const res = await fetch(`${url}/api/token/me`, { headers: { authorization } });
      expect(res.status, authorization).toBe(401);
      const { error } = (await res.json()) as ErrorAnswer & { error: { reason?: string } };
      expect(error.code).toBe('INVALID_TOKEN');
      expect(error.reason).toBe('malformed');
    }
    // No bearer token at all is simply not signed in.
    for (const authorization of ['Basic dTpw', '']) {
      const res = await fetch(`${url}/api/token/me`, { headers: { authorization } });
      expect(res.status, authorization).toBe(401);
      expect(((await res.json()) as ErrorAnswer).error.code).toBe('UNAUTHENTICATED');
    }
  });

  it('answers unknown routes with 404 JSON', async () => {
    const res = await fetch(`${url}/api/nothing-here`);
    expect(res.status).toBe(404);
    expect(res.headers.get('content-type')).toMatch(/json/);
    expect(((await res.json()) as ErrorAnswer).error.code).toBe('NOT_FOUND');
  });

  it('answers a session id that is not valid percent-encoding with 400, signed in or not', async () => {
    const bob = new Browser(url);
    await bob.json('/api/login', { json: { username: 'bob', password: 'bob' } });
    for (const browser of [bob, new Browser(url)]) {
      for (const id of ['%E0', '%', '%ZZ']) {
        const r = await browser.json<ErrorAnswer>(`/api/sessions/${id}`, { method: 'DELETE' });
        expect(r.status, id).toBe(400);
        expect(r.body.error.code).toBe('INVALID_REQUEST');
      }
    }
  });

  it('refuses to revoke a session that is not yours: 404 SESSION_NOT_FOUND', async () => {
    const bob = new Browser(url);
    const dave = new Browser(url);
    await bob.json('/api/login', { json: { username: 'bob', password: 'bob' } });
    const daves = await dave.json<{ session: SessionInfo }>('/api/login', {
      json: { username: 'dave', password: 'dave' },
    });
    for (const id of [daves.body.session.id, 'no-such-session', 'x'.repeat(300)]) {
      const r = await bob.json<ErrorAnswer>(`/api/sessions/${id}`, { method: 'DELETE' });
      expect(r.status).toBe(404);
      expect(r.body.error.code).toBe('SESSION_NOT_FOUND');
    }
    expect((await dave.json('/api/me')).status).toBe(200);
  });

  it('asks for a session on the session routes: 401 UNAUTHENTICATED', async () => {
    const anonymous = new Browser(url);
    for (const [method, path] of [
      ['GET', '/api/me'],
      ['GET', '/api/sessions'],
      ['DELETE', '/api/sessions/abc'],
      ['POST', '/api/sessions/revoke-others'],
      ['GET', '/api/events'],
    ] as const) {
      const r = await anonymous.json<ErrorAnswer>(path, { method });
      expect(r.status, path).toBe(401);
      expect(r.body.error.code).toBe('UNAUTHENTICATED');
    }
  });
});
