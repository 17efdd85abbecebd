import {
  type JWTPayload,
  SignJWT,
  exportJWK,
  generateKeyPair,
  jwtVerify,
  createLocalJWKSet,
} from 'jose';
import { afterEach, describe, expect, it } from 'vitest';
import { createSessionLimiter, type SessionLimiter } from '../../src/index.js';
import { checkIdpSession } from '../../src/integrations/idp.js';
import { FIREFOX_WIN } from '../conformance/adapters.js';

// The recipe for apps that verify an identity provider's tokens themselves: a local key plays the
// provider (no network); the app verifies with jose against its JWKS, then asks the limiter.

const ISSUER = 'https://idp.example.test';
const AUDIENCE = 'authenticated';

async function provider() {
  const { privateKey, publicKey } = await generateKeyPair('ES256');
  const jwks = createLocalJWKSet({ keys: [{ ...(await exportJWK(publicKey)), kid: 'k1' }] });
  return {
    /** A token as the provider would issue it for one of its sessions. */
    issue: (claims: JWTPayload) =>
      new SignJWT(claims)
        .setProtectedHeader({ alg: 'ES256', kid: 'k1' })
        .setIssuer(ISSUER)
        .setAudience(AUDIENCE)
        .setIssuedAt()
        .setExpirationTime('5m')
        .sign(privateKey),
    /** What the app does on each request: verify, then check the session. */
    verify: async (token: string) =>
      (await jwtVerify(token, jwks, { issuer: ISSUER, audience: AUDIENCE })).payload,
  };
}

const limiters: SessionLimiter<{ plan: string }>[] = [];
afterEach(async () => {
  for (const limiter of limiters.splice(0)) await limiter.dispose();
});

function newLimiter(): SessionLimiter<{ plan: string }> {
  const limiter = createSessionLimiter<{ plan: string }>({
    policy: (user) => (user.plan === 'family' ? { max: 1, onLimit: 'reject' } : { max: 1 }),
  });
  limiters.push(limiter);
  return limiter;
}

describe('identity-provider sessions (session-limiter/idp)', () => {
  it('tracks an OpenID Connect sid at first sight and refuses it once a newer session evicts it', async () => {
    const idp = await provider();
    const limiter = newLimiter();
    const staff = { user: { plan: 'staff' } };
    const laptop = await idp.issue({ sub: 'alice', sid: 'sid-laptop' });
    expect(await checkIdpSession(limiter, await idp.verify(laptop), staff)).toEqual({
      ok: true,
      userId: 'alice',
      sessionId: 'sid-laptop',
      ended: [],
    });

    const phone = await idp.issue({ sub: 'alice', sid: 'sid-phone' });
    const second = await checkIdpSession(limiter, await idp.verify(phone), {
      ...staff,
      device: { userAgent: FIREFOX_WIN },
    });
    expect(second).toMatchObject({ ok: true, ended: ['sid-laptop'] });

    // The laptop's token still verifies (it lives until it expires), but its session is over.
    const refused = await checkIdpSession(limiter, await idp.verify(laptop), staff);
    expect(refused).toMatchObject({ ok: false, code: 'SESSION_REVOKED', reason: 'evicted' });
    expect(!refused.ok && 'message' in refused && refused.message).toContain(
      'Firefox 133 on Windows',
    );
    // A refreshed token of the same provider session is refused as well.
    const refreshed = await idp.issue({ sub: 'alice', sid: 'sid-laptop', jti: 'refresh-2' });
    expect(await checkIdpSession(limiter, await idp.verify(refreshed), staff)).toMatchObject({
      ok: false,
      reason: 'evicted',
    });
    expect(await checkIdpSession(limiter, await idp.verify(phone), staff)).toMatchObject({
      ok: true,
      ended: [],
    });
  });

  it("reads Supabase's session_id, and reject mode refuses a second session", async () => {
    const idp = await provider();
    const limiter = newLimiter();
    const family = { user: { plan: 'family' } };
    const first = await idp.issue({ sub: 'carol', session_id: 'supa-1', role: 'authenticated' });
    expect(await checkIdpSession(limiter, await idp.verify(first), family)).toMatchObject({
      ok: true,
      sessionId: 'supa-1',
    });
    const second = await idp.issue({ sub: 'carol', session_id: 'supa-2' });
    const refused = await checkIdpSession(limiter, await idp.verify(second), family);
    expect(refused).toMatchObject({ ok: false, code: 'SESSION_LIMIT_REACHED' });
    expect(!refused.ok && 'active' in refused && refused.active.map((s) => s.id)).toEqual([
      'supa-1',
    ]);
    expect(await checkIdpSession(limiter, await idp.verify(first), family)).toMatchObject({
      ok: true,
    });
  });

  it('a session revoked in the app is refused; a custom claim can name the session', async () => {
    const idp = await provider();
    const limiter = newLimiter();
    const token = await idp.issue({ sub: 'dave', session: 'kc-42' });
    const claims = await idp.verify(token);
    const options = { user: { plan: 'staff' }, claim: 'session' };
    expect(await checkIdpSession(limiter, claims, options)).toMatchObject({ ok: true });
    const [tracked] = await limiter.list('dave');
    await limiter.revoke('dave', tracked?.id ?? '');
    expect(await checkIdpSession(limiter, claims, options)).toMatchObject({
      ok: false,
      reason: 'revoked',
    });
  });

  it('refuses claims without a subject or a session id, naming the claim', async () => {
    const limiter = newLimiter();
    await expect(checkIdpSession(limiter, { sid: 'x' })).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
      field: 'claims.sub',
    });
    await expect(checkIdpSession(limiter, { sub: 'erin' })).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
      field: 'claims.sid',
    });
    await expect(
      checkIdpSession(limiter, { sub: 'erin', sid: 'has space' }, { user: { plan: 'staff' } }),
    ).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
  });
});
