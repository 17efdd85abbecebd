// Non-extractable Web Crypto keys are used as they are: Node deprecates copying them into a
// KeyObject (DEP0204) and a later Node refuses it.
import { webcrypto } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { createSessionLimiter, SessionLimiterError } from '../../src/index.js';
import { type JwtSessionsOptions, createJwtSessions } from '../../src/jwt/index.js';
import { AUDIENCE, ISSUER, webKeys } from './support.js';

const limiter = createSessionLimiter({ pruneInterval: false });
afterAll(() => limiter.dispose());

const base = { issuer: ISSUER, audience: AUDIENCE };
const keyOptions: Partial<JwtSessionsOptions>[] = [
  { secret: webKeys.hmac },
  webKeys.ed25519,
  webKeys.p256,
];

function otherPair(): Promise<webcrypto.CryptoKeyPair> {
  return webcrypto.subtle.generateKey({ name: 'Ed25519' }, false, [
    'sign',
    'verify',
  ]) as Promise<webcrypto.CryptoKeyPair>;
}

describe('JWT sessions with non-extractable CryptoKeys', () => {
  // Node warns once per process, so this runs first, in its own file.
  it('reads the keys, signs and verifies without a DeprecationWarning', async () => {
    const warnings: Error[] = [];
    const collect = (warning: Error) => warnings.push(warning);
    process.on('warning', collect);
    try {
      for (const key of keyOptions) {
        const jwt = createJwtSessions(limiter, { ...base, ...key });
        const login = await jwt.login({ userId: 'u' });
        if (!login.ok) throw new Error('setup');
        expect((await jwt.verify(login.accessToken)).ok).toBe(true);
      }
      // process.emitWarning delivers on a later tick.
      await new Promise((resolve) => setImmediate(resolve));
    } finally {
      process.off('warning', collect);
    }
    const deprecations = warnings.filter((w) => w.name === 'DeprecationWarning');
    expect(deprecations.map((w) => `${(w as { code?: string }).code}: ${w.message}`)).toEqual([]);
  });

  it('refuses a publicKey of another pair when the private key cannot be exported', async () => {
    const jwt = createJwtSessions(limiter, {
      ...base,
      privateKey: webKeys.ed25519.privateKey,
      publicKey: (await otherPair()).publicKey,
    });
    const error: unknown = await jwt.verify('a.b.c').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SessionLimiterError);
    expect(error).toMatchObject({ code: 'INVALID_CONFIG', field: 'publicKey' });
  });
});
