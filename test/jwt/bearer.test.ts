// The framework-neutral bearer step: strict header parsing, and answers ready to send.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createSessionLimiter, MemoryStore, type SessionLimiter } from '../../src/index.js';
import {
  type JwtSessions,
  authenticateBearer,
  createJwtSessions,
  readBearerToken,
} from '../../src/jwt/index.js';
import { AUDIENCE, CHROME_MAC, FIREFOX_WIN, ISSUER, MINUTE, SECRET, START } from './support.js';

describe('readBearerToken', () => {
  const token = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ1In0.c2ln-_';

  it.each([
    ['no header', undefined],
    ['an empty header', ''],
    ['another scheme', 'Basic dXNlcjpwYXNz'],
    ['a scheme that only starts like Bearer', `Bearerx ${token}`],
  ])('%s is no token: pass through', (_, header) => {
    expect(readBearerToken(header)).toEqual({ kind: 'none' });
  });

  it.each([
    ['Bearer', `Bearer ${token}`],
    ['the scheme in any case', `bEARER ${token}`],
    ['b64token padding', 'Bearer abc+/def=='],
  ])('reads %s', (_, header) => {
    expect(readBearerToken(header)).toEqual({ kind: 'token', token: header.slice(7) });
  });

  it.each([
    ['the scheme alone', 'Bearer'],
    ['an empty token', 'Bearer '],
    ['two spaces', `Bearer  ${token}`],
    ['a trailing space', `Bearer ${token} `],
    ['two tokens', `Bearer ${token} ${token}`],
    ['a comma-separated list', `Bearer ${token}, Bearer ${token}`],
    ['characters outside b64token', 'Bearer abc"def'],
    ['padding in the middle', 'Bearer ab=c'],
    ['a tab', `Bearer\t${token}`],
    ['a huge token', `Bearer ${'a'.repeat(10_000)}`],
    ['a repeated header (array)', [`Bearer ${token}`, `Bearer ${token}`] as unknown as string],
  ])('%s is malformed, with the problem said', (_, header) => {
    const read = readBearerToken(header);
    expect(read).toEqual({
      kind: 'malformed',
      problem: expect.stringMatching(/^The Authorization header /) as unknown,
    });
  });
});

describe('authenticateBearer', () => {
  let clock: number;
  let store: MemoryStore;
  let limiter: SessionLimiter;
  let jwt: JwtSessions;

  async function accessToken(userId: string, userAgent = CHROME_MAC): Promise<string> {
    const login = await jwt.login({ userId, device: { userAgent } });
    if (!login.ok) throw new Error('setup');
    return login.accessToken;
  }

  beforeEach(() => {
    clock = START;
    store = new MemoryStore();
    limiter = createSessionLimiter({
      store,
      policy: { max: 1 },
      now: () => clock,
      pruneInterval: false,
    });
    jwt = createJwtSessions(limiter, {
      secret: SECRET,
      issuer: ISSUER,
      audience: AUDIENCE,
      now: () => clock,
    });
  });

  afterEach(() => limiter.dispose());

  it('passes a request without a bearer token through', async () => {
    expect(await authenticateBearer(jwt, undefined)).toEqual({ kind: 'none' });
    expect(await authenticateBearer(jwt, 'Basic dXNlcjpwYXNz')).toEqual({ kind: 'none' });
  });

  it('authenticates a live session, with its claims', async () => {
    const token = await accessToken('alice');
    const auth = await authenticateBearer(jwt, `Bearer ${token}`);
    expect(auth).toMatchObject({
      kind: 'authenticated',
      session: { userId: 'alice', device: { label: 'Chrome 131 on macOS' } },
      claims: { sub: 'alice' },
    });
  });

  it('refuses an evicted session with 401 and the sentence that says why', async () => {
    const token = await accessToken('alice');
    clock += MINUTE;
    await accessToken('alice', FIREFOX_WIN);
    expect(await authenticateBearer(jwt, `Bearer ${token}`)).toMatchObject({
      kind: 'refused',
      status: 401,
      code: 'SESSION_REVOKED',
      reason: 'evicted',
      message:
        'You were signed out because your account signed in on another device (Firefox 133 on Windows) at 14:03 UTC.',
      wwwAuthenticate: 'Bearer error="invalid_token", error_description="SESSION_REVOKED evicted"',
      result: { at: clock },
    });
  });

  it('refuses a bad token with INVALID_TOKEN and a clear sentence', async () => {
    expect(await authenticateBearer(jwt, 'Bearer not.a.token')).toEqual({
      kind: 'refused',
      status: 401,
      code: 'INVALID_TOKEN',
      reason: 'malformed',
      message: 'Your access token is not valid. Please sign in again.',
      wwwAuthenticate: 'Bearer error="invalid_token", error_description="INVALID_TOKEN malformed"',
      result: { ok: false, code: 'INVALID_TOKEN', reason: 'malformed' },
    });
    const token = await accessToken('bob');
    clock += 5 * MINUTE;
    expect(await authenticateBearer(jwt, `Bearer ${token}`)).toMatchObject({
      code: 'INVALID_TOKEN',
      reason: 'expired',
      message: 'Your access token has expired. Refresh it or sign in again.',
    });
  });

  it('refuses a malformed header as an invalid request, without verifying anything', async () => {
    expect(await authenticateBearer(jwt, 'Bearer')).toMatchObject({
      kind: 'refused',
      status: 401,
      code: 'INVALID_TOKEN',
      reason: 'malformed',
      message: expect.stringMatching(
        /^The Authorization header must be "Bearer <token>"/,
      ) as unknown,
      wwwAuthenticate:
        'Bearer error="invalid_request", error_description="INVALID_TOKEN malformed"',
    });
  });

  it('throws STORE_UNAVAILABLE when the store is down (answer 503, never let it through)', async () => {
    const token = await accessToken('alice');
    store.find = () => Promise.reject(new Error('connection refused'));
    await expect(authenticateBearer(jwt, `Bearer ${token}`)).rejects.toMatchObject({
      code: 'STORE_UNAVAILABLE',
    });
  });
});
