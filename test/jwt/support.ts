// Shared fixtures of the JWT tests: keys of every accepted form, a fake clock, token surgery.
import { type KeyObject, generateKeyPairSync, randomBytes, webcrypto } from 'node:crypto';
import { type JWTHeaderParameters, type JWTPayload, SignJWT, base64url } from 'jose';
import type { JwtSessionsOptions } from '../../src/jwt/index.js';

export const START = Date.UTC(2026, 10, 25, 14, 2);
export const MINUTE = 60_000;
export const DAY = 24 * 60 * MINUTE;
export const ISSUER = 'https://auth.example.test';
export const AUDIENCE = 'https://api.example.test';

export const CHROME_MAC =
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36';
export const FIREFOX_WIN =
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0';

/** A 48-byte HS256 secret. */
export const SECRET = randomBytes(48).toString('base64url');
export const ED25519 = generateKeyPairSync('ed25519');
export const P256 = generateKeyPairSync('ec', { namedCurve: 'P-256' });

/** Web Crypto keys, made once, non-extractable as Web Crypto advises. */
export const webKeys = {
  ed25519: (await webcrypto.subtle.generateKey({ name: 'Ed25519' }, false, [
    'sign',
    'verify',
  ])) as webcrypto.CryptoKeyPair,
  p256: await webcrypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, false, [
    'sign',
    'verify',
  ]),
  hmac: await webcrypto.subtle.generateKey({ name: 'HMAC', hash: 'SHA-256', length: 256 }, false, [
    'sign',
    'verify',
  ]),
};

/** One key option per accepted form, with the algorithm it implies. */
export const KEY_FORMS: { name: string; alg: string; key: Partial<JwtSessionsOptions> }[] = [
  { name: 'HS256 string secret', alg: 'HS256', key: { secret: SECRET } },
  { name: 'HS256 bytes', alg: 'HS256', key: { secret: randomBytes(32) } },
  { name: 'HS256 CryptoKey', alg: 'HS256', key: { secret: webKeys.hmac } },
  { name: 'EdDSA KeyObject pair', alg: 'EdDSA', key: ED25519 },
  { name: 'EdDSA private KeyObject alone', alg: 'EdDSA', key: { privateKey: ED25519.privateKey } },
  {
    name: 'EdDSA PEM pair',
    alg: 'EdDSA',
    key: {
      privateKey: ED25519.privateKey.export({ format: 'pem', type: 'pkcs8' }) as string,
      publicKey: ED25519.publicKey.export({ format: 'pem', type: 'spki' }) as string,
    },
  },
  { name: 'EdDSA CryptoKey pair', alg: 'EdDSA', key: webKeys.ed25519 },
  {
    name: 'ES256 JWK pair',
    alg: 'ES256',
    key: {
      privateKey: P256.privateKey.export({ format: 'jwk' }),
      publicKey: P256.publicKey.export({ format: 'jwk' }),
    },
  },
  { name: 'ES256 KeyObject pair', alg: 'ES256', key: P256 },
  { name: 'ES256 CryptoKey pair', alg: 'ES256', key: webKeys.p256 },
];

/** Signs anything at all, for forging tokens the module must refuse. */
export function forge(
  payload: JWTPayload,
  header: JWTHeaderParameters,
  key: KeyObject | Uint8Array,
): Promise<string> {
  return new SignJWT(payload).setProtectedHeader(header).sign(key);
}

/** The token's three parts, decoded. */
export function parts(token: string): {
  header: Record<string, unknown>;
  payload: Record<string, unknown>;
  signature: string;
} {
  const [h, p, signature] = token.split('.') as [string, string, string];
  const decode = (s: string) =>
    JSON.parse(new TextDecoder().decode(base64url.decode(s))) as Record<string, unknown>;
  return { header: decode(h), payload: decode(p), signature };
}

/** Rewrites a token's payload and keeps its (now wrong) signature. */
export function tamper(token: string, change: (payload: Record<string, unknown>) => void): string {
  const [h, , s] = token.split('.') as [string, string, string];
  const { payload } = parts(token);
  change(payload);
  return `${h}.${base64url.encode(JSON.stringify(payload))}.${s}`;
}

/** Re-encodes a token with another header and payload, and no signature: `alg: none`. */
export function unsigned(token: string): string {
  const { header, payload } = parts(token);
  const encode = (v: unknown) => base64url.encode(JSON.stringify(v));
  return `${encode({ ...header, alg: 'none' })}.${encode(payload)}.`;
}

/** The secret as bytes, for forging with jose. */
export const SECRET_BYTES = new TextEncoder().encode(SECRET);
