// A JWT may name or carry its own key (the `jwk`, `jku`, `x5u` and `kid` headers). The module
// verifies only with the key the app configured: a token signed with the attacker's key and
// pointing at it is refused, whatever it claims.
import { generateKeyPairSync } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { createSessionLimiter } from '../../src/index.js';
import { createJwtSessions } from '../../src/jwt/index.js';
import { AUDIENCE, ED25519, ISSUER, forge, parts } from '../jwt/support.js';

const limiter = createSessionLimiter({ pruneInterval: false });
afterEach(() => limiter.dispose());

describe('JWT keys come from the options only', () => {
  it('refuses a token that brings or points at its own key', async () => {
    const jwt = createJwtSessions(limiter, { ...ED25519, issuer: ISSUER, audience: AUDIENCE });
    const signedIn = await jwt.login({ userId: 'alice' });
    if (!signedIn.ok) throw new Error('setup');
    expect((await jwt.verify(signedIn.accessToken)).ok).toBe(true);

    const attacker = generateKeyPairSync('ed25519');
    const { header, payload } = parts(signedIn.accessToken);
    const jwk = attacker.publicKey.export({ format: 'jwk' });
    for (const pointer of [
      { jwk },
      { jku: 'https://evil.example/.well-known/jwks.json', kid: 'evil' },
      { x5u: 'https://evil.example/cert.pem' },
    ]) {
      const forged = await forge(
        payload,
        { ...header, alg: 'EdDSA', ...pointer },
        attacker.privateKey,
      );
      expect(await jwt.verify(forged), JSON.stringify(pointer)).toEqual({
        ok: false,
        code: 'INVALID_TOKEN',
        reason: 'signature',
      });
    }
  });
});
