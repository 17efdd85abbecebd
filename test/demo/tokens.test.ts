// The JWT routes: the same limits as cookies, and an evicted token dies long before it expires.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SessionInfo } from '../../src/index.js';
import { CHROME_MAC, FIREFOX_WINDOWS, startTestDemo } from './support.js';

interface Pair {
  accessToken: string;
  refreshToken: string;
  session: SessionInfo;
}
interface ErrorAnswer {
  error: { code: string; reason?: string; message: string };
}

let url: string;
let close: () => Promise<void>;
beforeAll(async () => {
  ({ url, close } = await startTestDemo('memory'));
});
afterAll(() => close());

async function call<T>(path: string, init: { body?: unknown; token?: string; ua?: string } = {}) {
  const headers: Record<string, string> = { 'user-agent': init.ua ?? CHROME_MAC };
  if (init.body !== undefined) headers['content-type'] = 'application/json';
  if (init.token !== undefined) headers.authorization = `Bearer ${init.token}`;
  const res = await fetch(url + path, {
    method: init.body === undefined ? 'GET' : 'POST',
    headers,
    body: init.body === undefined ? null : JSON.stringify(init.body),
  });
  return { status: res.status, body: (await res.json()) as T, headers: res.headers };
}

const signIn = (username: string, ua?: string) =>
  call<Pair>('/api/token', { body: { username, password: username }, ...(ua ? { ua } : {}) });

describe('token routes', () => {
  it('signs alice in twice: the first access token is refused at once, long before it expires', async () => {
    const first = await signIn('alice');
    expect(first.status).toBe(200);
    const me = await call<{ user: { id: string }; claims: { sid: string } }>('/api/token/me', {
      token: first.body.accessToken,
    });
    expect(me.status).toBe(200);
    expect(me.body.user.id).toBe('alice');
    expect(me.body.claims.sid).toBe(first.body.session.id);

    expect((await signIn('alice', FIREFOX_WINDOWS)).status).toBe(200);
    const refused = await call<ErrorAnswer>('/api/token/me', { token: first.body.accessToken });
    expect(refused.status).toBe(401);
    expect(refused.body.error.code).toBe('SESSION_REVOKED');
    expect(refused.body.error.reason).toBe('evicted');
    expect(refused.body.error.message).toContain('Firefox 133 on Windows');
    expect(refused.headers.get('www-authenticate')).toMatch(/^Bearer error="invalid_token"/);
  });

  it('rotates on refresh, and a reused refresh token revokes the session', async () => {
    const first = await signIn('bob');
    const next = await call<Pair>('/api/token/refresh', {
      body: { refreshToken: first.body.refreshToken },
    });
    expect(next.status).toBe(200);
    expect(next.body.refreshToken).not.toBe(first.body.refreshToken);
    expect(next.body.session.id).toBe(first.body.session.id);
    expect((await call('/api/token/me', { token: next.body.accessToken })).status).toBe(200);

    const reused = await call<ErrorAnswer>('/api/token/refresh', {
      body: { refreshToken: first.body.refreshToken },
    });
    expect(reused.status).toBe(401);
    expect(reused.body.error.code).toBe('SESSION_REVOKED');
    expect(reused.body.error.reason).toBe('refresh-token-reuse');
    const after = await call<ErrorAnswer>('/api/token/me', { token: next.body.accessToken });
    expect(after.status).toBe(401);
    expect(after.body.error.reason).toBe('refresh-token-reuse');
  });

  it('refuses a third token sign-in for carol with 409 and her sessions', async () => {
    await signIn('carol');
    await signIn('carol', FIREFOX_WINDOWS);
    const third = await call<ErrorAnswer & { active: SessionInfo[] }>('/api/token', {
      body: { username: 'carol', password: 'carol' },
    });
    expect(third.status).toBe(409);
    expect(third.body.error.code).toBe('SESSION_LIMIT_REACHED');
    expect(third.body.active).toHaveLength(2);
  });

  it('answers a forged or wrong-kind token with 401 INVALID_TOKEN and its reason', async () => {
    const pair = await signIn('bob');
    const forged = `${pair.body.accessToken.slice(0, -4)}AAAA`;
    for (const [token, reason] of [
      [forged, 'signature'],
      [pair.body.refreshToken, 'type'],
    ] as const) {
      const r = await call<ErrorAnswer & { error: { reason?: string } }>('/api/token/me', {
        token,
      });
      expect(r.status).toBe(401);
      expect(r.body.error).toMatchObject({ code: 'INVALID_TOKEN', reason });
    }
    const refresh = await call<ErrorAnswer & { error: { reason?: string } }>('/api/token/refresh', {
      body: { refreshToken: pair.body.accessToken },
    });
    expect(refresh.status).toBe(401);
    expect(refresh.body.error).toMatchObject({ code: 'INVALID_TOKEN', reason: 'type' });
  });
});
