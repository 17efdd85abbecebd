// Options are checked up front: INVALID_CONFIG naming the field, before any token exists.
import { generateKeyPairSync, randomBytes, webcrypto } from 'node:crypto';
import { decodeJwt, decodeProtectedHeader } from 'jose';
import { describe, expect, it } from 'vitest';
import { createSessionLimiter, MemoryStore, SessionLimiterError } from '../../src/index.js';
import {
  type JwtAlgorithm,
  type JwtSessionsOptions,
  createJwtSessions,
} from '../../src/jwt/index.js';
import { AUDIENCE, ED25519, ISSUER, MINUTE, P256, SECRET, START, webKeys } from './support.js';

const limiter = createSessionLimiter({ pruneInterval: false });

function configErrorOf(options: unknown, target: unknown = limiter): SessionLimiterError {
  try {
    createJwtSessions(target as typeof limiter, options as JwtSessionsOptions);
  } catch (error) {
    if (error instanceof SessionLimiterError) return error;
    throw error;
  }
  throw new Error('expected INVALID_CONFIG, but the options were accepted');
}

const base = { secret: SECRET, issuer: ISSUER, audience: AUDIENCE };
const pairBase = { issuer: ISSUER, audience: AUDIENCE };

/** Non-extractable Web Crypto keys that each break one rule. */
const { subtle } = webcrypto;
const badWebKeys = {
  shortHmac: await subtle.generateKey({ name: 'HMAC', hash: 'SHA-256', length: 128 }, false, [
    'sign',
    'verify',
  ]),
  hmacSha384: await subtle.generateKey({ name: 'HMAC', hash: 'SHA-384' }, false, [
    'sign',
    'verify',
  ]),
  hmacSignOnly: await subtle.generateKey({ name: 'HMAC', hash: 'SHA-256' }, false, ['sign']),
  p384: await subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-384' }, false, ['sign', 'verify']),
};

describe('createJwtSessions options', () => {
  it.each([
    ['a short secret', { ...base, secret: 'x'.repeat(31) }, 'secret'],
    ['a short byte secret', { ...base, secret: randomBytes(16) }, 'secret'],
    ['no key at all', { issuer: ISSUER, audience: AUDIENCE }, 'secret'],
    ['a secret and a key pair', { ...base, ...ED25519 }, 'secret'],
    ['a number as secret', { ...base, secret: 12345 }, 'secret'],
    ['a missing issuer', { secret: SECRET, audience: AUDIENCE }, 'issuer'],
    ['an empty issuer', { ...base, issuer: ' ' }, 'issuer'],
    ['a missing audience', { secret: SECRET, issuer: ISSUER }, 'audience'],
    ['an algorithm that does not match the key', { ...base, algorithms: ['EdDSA'] }, 'algorithms'],
    [
      'HS256 for an Ed25519 key',
      { ...base, secret: undefined, ...ED25519, algorithms: ['HS256'] },
      'algorithms',
    ],
    ["'none'", { ...base, algorithms: ['none'] }, 'algorithms'],
    ['an empty allow-list', { ...base, algorithms: [] }, 'algorithms'],
    [
      'an RSA key',
      {
        issuer: ISSUER,
        audience: AUDIENCE,
        privateKey: generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey,
      },
      'privateKey',
    ],
    [
      'a P-384 key',
      {
        issuer: ISSUER,
        audience: AUDIENCE,
        privateKey: generateKeyPairSync('ec', { namedCurve: 'P-384' }).privateKey,
      },
      'privateKey',
    ],
    [
      'a public key as privateKey',
      { issuer: ISSUER, audience: AUDIENCE, privateKey: ED25519.publicKey },
      'privateKey',
    ],
    [
      'a PEM that is not a key',
      { issuer: ISSUER, audience: AUDIENCE, privateKey: '-----BEGIN NOTHING-----' },
      'privateKey',
    ],
    [
      'a publicKey of another pair',
      {
        issuer: ISSUER,
        audience: AUDIENCE,
        privateKey: ED25519.privateKey,
        publicKey: generateKeyPairSync('ed25519').publicKey,
      },
      'publicKey',
    ],
    ['an Ed25519 CryptoKey as secret', { ...base, secret: webKeys.ed25519.privateKey }, 'secret'],
    ['a 16-byte HMAC CryptoKey', { ...base, secret: badWebKeys.shortHmac }, 'secret'],
    ['an HMAC SHA-384 CryptoKey', { ...base, secret: badWebKeys.hmacSha384 }, 'secret'],
    [
      'an HMAC CryptoKey that cannot verify',
      { ...base, secret: badWebKeys.hmacSignOnly },
      'secret',
    ],
    ['a P-384 CryptoKey', { ...pairBase, privateKey: badWebKeys.p384.privateKey }, 'privateKey'],
    [
      'a public CryptoKey as privateKey',
      { ...pairBase, privateKey: webKeys.ed25519.publicKey },
      'privateKey',
    ],
    [
      'a non-extractable private CryptoKey without publicKey',
      { ...pairBase, privateKey: webKeys.ed25519.privateKey },
      'publicKey',
    ],
    [
      'a publicKey CryptoKey of another algorithm',
      { ...pairBase, privateKey: webKeys.ed25519.privateKey, publicKey: webKeys.p256.publicKey },
      'publicKey',
    ],
    ['a zero accessTtl', { ...base, accessTtl: 0 }, 'accessTtl'],
    ['a sub-second accessTtl', { ...base, accessTtl: '500ms' }, 'accessTtl'],
    ['an unreadable refreshTtl', { ...base, refreshTtl: 'forever' }, 'refreshTtl'],
    ['an infinite refreshTtl', { ...base, refreshTtl: Infinity }, 'refreshTtl'],
    ['a clock that is not a function', { ...base, now: 42 }, 'now'],
    ['an unknown option', { ...base, expiresIn: '5m' }, 'expiresIn'],
  ])('refuses %s', (_, options, field) => {
    const error = configErrorOf(options);
    expect(error.code).toBe('INVALID_CONFIG');
    expect(error.field).toBe(field);
  });

  it('refuses something that is not a limiter', () => {
    expect(configErrorOf(base, {}).field).toBe('limiter');
    expect(configErrorOf(base, null).field).toBe('limiter');
  });

  it('accepts exactly 32 bytes, and EdDSA under its newer name Ed25519', async () => {
    const clock = START;
    const l = createSessionLimiter({ store: new MemoryStore(), now: () => clock });
    const hs = createJwtSessions(l, { ...base, secret: 'k'.repeat(32), now: () => clock });
    expect((await hs.login({ userId: 'u' })).ok).toBe(true);
    const algorithms: JwtAlgorithm[] = ['Ed25519', 'EdDSA'];
    const ed = createJwtSessions(l, {
      ...base,
      secret: undefined,
      ...ED25519,
      algorithms,
      now: () => clock,
    });
    const login = await ed.login({ userId: 'u' });
    if (!login.ok) throw new Error('setup');
    expect(decodeProtectedHeader(login.accessToken).alg).toBe('Ed25519');
    expect((await ed.verify(login.accessToken)).ok).toBe(true);
    await l.dispose();
  });

  it('applies accessTtl and refreshTtl', async () => {
    const clock = START;
    const l = createSessionLimiter({
      now: () => clock,
      absoluteTimeout: Infinity,
      idleTimeout: '1h',
    });
    const jwt = createJwtSessions(l, {
      ...base,
      secret: undefined,
      ...P256,
      accessTtl: '90s',
      refreshTtl: '7d',
      now: () => clock,
    });
    const login = await jwt.login({ userId: 'u' });
    if (!login.ok) throw new Error('setup');
    expect(decodeJwt(login.accessToken).exp).toBe((START + 90_000) / 1000);
    expect(decodeJwt(login.refreshToken).exp).toBe((START + 7 * 24 * 60 * MINUTE) / 1000);
    await l.dispose();
  });

  it("issues tokens capped at the session's nearer end when its record cannot be read", async () => {
    const clock = START;
    const store = new MemoryStore();
    const l = createSessionLimiter({ store, now: () => clock, idleTimeout: '30m' });
    const jwt = createJwtSessions(l, { ...base, now: () => clock });
    store.find = () => Promise.reject(new Error('connection reset'));
    const login = await jwt.login({ userId: 'u' });
    if (!login.ok) throw new Error('setup');
    expect(decodeJwt(login.refreshToken).exp).toBe((START + 30 * MINUTE) / 1000);
    await l.dispose();
  });
});
