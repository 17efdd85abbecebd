import {
  type JsonWebKey,
  KeyObject,
  createPrivateKey,
  createPublicKey,
  createSecretKey,
  webcrypto,
} from 'node:crypto';
import { CompactSign, compactVerify } from 'jose';
import { configError } from '../errors.js';

/**
 * A Web Crypto key, as `crypto.subtle.generateKey` or `importKey` returns it.
 *
 * @example
 * ```ts
 * const { privateKey, publicKey } = (await crypto.subtle.generateKey({ name: 'Ed25519' }, false, [
 *   'sign',
 *   'verify',
 * ])) as CryptoKeyPair;
 * ```
 */
export type WebCryptoKey = webcrypto.CryptoKey;

/**
 * An asymmetric key in any form the JWT module accepts: a `KeyObject`, a Web Crypto key, a PEM
 * string (PKCS#8 or SPKI), or a JWK object.
 *
 * @example
 * ```ts
 * const privateKey: AsymmetricKeyInput = readFileSync('jwt-private.pem', 'utf8');
 * ```
 */
export type AsymmetricKeyInput = KeyObject | WebCryptoKey | string | JsonWebKey;

/**
 * An HS256 secret: at least 32 bytes, as a string (UTF-8), bytes, a secret `KeyObject` or an HMAC
 * Web Crypto key.
 *
 * @example
 * ```ts
 * const secret: SecretInput = process.env.JWT_SECRET!; // e.g. 64 hex characters
 * ```
 */
export type SecretInput = string | Uint8Array | KeyObject | WebCryptoKey;

/**
 * The signature algorithms the JWT module supports: `HS256` for a secret, `EdDSA` (or its newer
 * name `Ed25519`) for an Ed25519 key pair, `ES256` for a P-256 key pair. `none` never is.
 *
 * @example
 * ```ts
 * const algorithms: JwtAlgorithm[] = ['EdDSA'];
 * ```
 */
export type JwtAlgorithm = 'HS256' | 'EdDSA' | 'Ed25519' | 'ES256';

/** Which kind of key was given; it decides which algorithms are allowed. */
export type KeyFamily = 'secret' | 'ed25519' | 'p256';

/** A key as read: Web Crypto keys stay as given, since Node may not copy them out (DEP0204). */
type Key = KeyObject | WebCryptoKey;

/** The key material, checked and normalised, before the one-time Web Crypto import. */
export interface KeyMaterial {
  family: KeyFamily;
  sign: Key;
  verify: Key;
  /** Whether the pair still has to be proven to match (the private key could not be exported). */
  checkPair: boolean;
}

/** The imported keys the signer and verifier use on every call. */
export interface ImportedKeys {
  sign: WebCryptoKey;
  verify: WebCryptoKey;
}

const MIN_SECRET_BYTES = 32;

/** The algorithms each key family can be used with; the first is the default. */
export const ALGORITHMS_FOR: Readonly<Record<KeyFamily, readonly JwtAlgorithm[]>> = {
  secret: ['HS256'],
  ed25519: ['EdDSA', 'Ed25519'],
  p256: ['ES256'],
};

const IMPORT_PARAMS: Readonly<
  Record<
    KeyFamily,
    webcrypto.AlgorithmIdentifier | webcrypto.EcKeyImportParams | webcrypto.HmacImportParams
  >
> = {
  secret: { name: 'HMAC', hash: 'SHA-256' },
  ed25519: { name: 'Ed25519' },
  p256: { name: 'ECDSA', namedCurve: 'P-256' },
};

/**
 * Reads and checks the key options synchronously, so a bad key is an `INVALID_CONFIG` at startup
 * rather than a failure on the first login.
 */
export function readKeys(options: {
  secret?: unknown;
  privateKey?: unknown;
  publicKey?: unknown;
}): KeyMaterial {
  const { secret, privateKey, publicKey } = options;
  if (secret !== undefined) {
    if (privateKey !== undefined || publicKey !== undefined) {
      throw configError(
        'secret',
        'cannot be combined with privateKey/publicKey: give one or the other',
      );
    }
    const key = readSecret(secret);
    return { family: 'secret', sign: key, verify: key, checkPair: false };
  }
  if (privateKey === undefined) {
    throw configError(
      'secret',
      'or privateKey is required: an HS256 secret of at least 32 bytes, or an Ed25519 or P-256 key pair',
    );
  }
  const sign = readAsymmetric(privateKey, 'private', 'privateKey');
  const family = familyOf(sign, 'privateKey');
  const exportable = asKeyObject(sign);
  const derived = exportable && createPublicKey(exportable);
  if (publicKey === undefined) {
    if (derived === undefined) {
      throw configError(
        'publicKey',
        'is required when privateKey is a non-extractable CryptoKey, whose public key cannot be derived: pass the publicKey of its CryptoKeyPair',
      );
    }
    return { family, sign, verify: derived, checkPair: false };
  }
  const verify = readAsymmetric(publicKey, 'public', 'publicKey');
  const given = asKeyObject(verify);
  if (
    familyOf(verify, 'publicKey') !== family ||
    (derived && given && !samePublicKey(derived, given))
  ) {
    throw configError('publicKey', 'does not belong to privateKey');
  }
  return { family, sign, verify, checkPair: !(derived && given) };
}

/**
 * Imports the checked keys into Web Crypto once, for the algorithm in use, so no call pays for
 * an import (jose would import a raw secret again on every call). A CryptoKey is used as given.
 */
export async function importKeys(material: KeyMaterial): Promise<ImportedKeys> {
  if (material.sign === material.verify) {
    const key = await toWebCrypto(material.sign, material.family, ['sign', 'verify']);
    return { sign: key, verify: key };
  }
  const [sign, verify] = await Promise.all([
    toWebCrypto(material.sign, material.family, ['sign']),
    toWebCrypto(material.verify, material.family, ['verify']),
  ]);
  if (material.checkPair && !(await isPair(sign, verify, material.family))) {
    throw configError('publicKey', 'does not belong to privateKey');
  }
  return { sign, verify };
}

function toWebCrypto(
  key: Key,
  family: KeyFamily,
  usages: webcrypto.KeyUsage[],
): Promise<WebCryptoKey> {
  if (isWebCryptoKey(key)) return Promise.resolve(key);
  const { subtle } = webcrypto;
  const params = IMPORT_PARAMS[family];
  if (key.type === 'secret') return subtle.importKey('raw', key.export(), params, false, usages);
  if (key.type === 'private') {
    const der = key.export({ format: 'der', type: 'pkcs8' });
    return subtle.importKey('pkcs8', der, params, false, usages);
  }
  const der = key.export({ format: 'der', type: 'spki' });
  return subtle.importKey('spki', der, params, false, usages);
}

function readSecret(secret: unknown): Key {
  let key: Key;
  if (typeof secret === 'string') {
    key = createSecretKey(Buffer.from(secret, 'utf8'));
  } else if (secret instanceof Uint8Array) {
    key = createSecretKey(Buffer.from(secret));
  } else if (secret instanceof KeyObject || isWebCryptoKey(secret)) {
    key = secret;
    if (key.type !== 'secret') {
      throw configError(
        'secret',
        `must be a secret key (got a ${key.type} key: use privateKey/publicKey)`,
      );
    }
    if (isWebCryptoKey(key)) {
      if (!isHmacSha256(key)) {
        throw configError('secret', 'must be an HMAC key for SHA-256 when given as a CryptoKey');
      }
      requireUsages(key, ['sign', 'verify'], 'secret');
    }
  } else {
    throw configError(
      'secret',
      'must be a string, a Uint8Array, a secret KeyObject or an HMAC CryptoKey',
    );
  }
  const bytes = isWebCryptoKey(key) ? hmacBytes(key) : (key.symmetricKeySize ?? 0);
  if (bytes < MIN_SECRET_BYTES) {
    throw configError(
      'secret',
      `must be at least ${MIN_SECRET_BYTES} bytes for HS256 (got ${bytes}); generate one with: openssl rand -base64 48`,
    );
  }
  return key;
}

function readAsymmetric(input: unknown, type: 'private' | 'public', field: string): Key {
  let key: Key;
  try {
    if (input instanceof KeyObject || isWebCryptoKey(input)) {
      key = input;
    } else if (typeof input === 'string') {
      key = type === 'private' ? createPrivateKey(input) : createPublicKey(input);
    } else if (typeof input === 'object' && input !== null) {
      const jwk = { key: input as JsonWebKey, format: 'jwk' as const };
      key = type === 'private' ? createPrivateKey(jwk) : createPublicKey(jwk);
    } else {
      throw new TypeError('unsupported input');
    }
  } catch (cause) {
    throw configError(
      field,
      `must be a ${type} key: a KeyObject, a CryptoKey, a PEM string or a JWK (${describeCause(cause)})`,
    );
  }
  if (key.type !== type) {
    throw configError(field, `must be a ${type} key (got a ${key.type} key)`);
  }
  if (isWebCryptoKey(key)) requireUsages(key, [type === 'private' ? 'sign' : 'verify'], field);
  return key;
}

/** The families by KeyObject type and curve, and by Web Crypto algorithm and curve. */
const FAMILIES: Readonly<Record<string, KeyFamily>> = {
  ed25519: 'ed25519',
  'ec prime256v1': 'p256',
  Ed25519: 'ed25519',
  'ECDSA P-256': 'p256',
};

function familyOf(key: Key, field: string): KeyFamily {
  const [kind, curve] = isWebCryptoKey(key)
    ? [key.algorithm.name, (key.algorithm as Partial<webcrypto.EcKeyAlgorithm>).namedCurve]
    : [key.asymmetricKeyType ?? '?', key.asymmetricKeyDetails?.namedCurve];
  const got = curve ? `${kind} ${curve}` : kind;
  const family = FAMILIES[got];
  if (family) return family;
  throw configError(field, `must be an Ed25519 (EdDSA) or P-256 (ES256) key (got ${got})`);
}

function samePublicKey(a: KeyObject, b: KeyObject): boolean {
  const der = (k: KeyObject) => k.export({ format: 'der', type: 'spki' });
  return der(a).equals(der(b));
}

/** The key as a KeyObject, unless it is a non-extractable CryptoKey (DEP0204 forbids the copy). */
function asKeyObject(key: Key): KeyObject | undefined {
  if (key instanceof KeyObject) return key;
  return key.extractable ? KeyObject.from(key) : undefined;
}

/** Signs a probe with the private key and checks it with the public one. */
async function isPair(
  sign: WebCryptoKey,
  verify: WebCryptoKey,
  family: KeyFamily,
): Promise<boolean> {
  const alg = ALGORITHMS_FOR[family][0] as JwtAlgorithm;
  const probe = await new CompactSign(new Uint8Array(1)).setProtectedHeader({ alg }).sign(sign);
  return compactVerify(probe, verify).then(
    () => true,
    () => false,
  );
}

// Node 20's `webcrypto.CryptoKey` is not the class its keys are made from; the global is.
const CryptoKeyClass = (globalThis as { CryptoKey?: abstract new () => WebCryptoKey }).CryptoKey;

function isWebCryptoKey(value: unknown): value is WebCryptoKey {
  return CryptoKeyClass !== undefined && value instanceof CryptoKeyClass;
}

function isHmacSha256(key: WebCryptoKey): boolean {
  const algorithm = key.algorithm as Partial<webcrypto.HmacKeyAlgorithm>;
  return algorithm.name === 'HMAC' && algorithm.hash?.name === 'SHA-256';
}

/** An HMAC CryptoKey's length is in bits. */
function hmacBytes(key: WebCryptoKey): number {
  return Math.floor((key.algorithm as webcrypto.HmacKeyAlgorithm).length / 8);
}

function requireUsages(key: WebCryptoKey, usages: webcrypto.KeyUsage[], field: string): void {
  const missing = usages.filter((usage) => !key.usages.includes(usage));
  if (missing.length > 0) {
    throw configError(field, `must be a CryptoKey whose usages include ${missing.join(' and ')}`);
  }
}

function describeCause(cause: unknown): string {
  return cause instanceof Error ? cause.message : 'unreadable';
}
