import {
  type JsonWebKey,
  KeyObject,
  createPrivateKey,
  createPublicKey,
  createSecretKey,
  webcrypto,
} from 'node:crypto';
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

/** The key material, checked and normalised, before the one-time Web Crypto import. */
export interface KeyMaterial {
  family: KeyFamily;
  sign: KeyObject;
  verify: KeyObject;
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
    return { family: 'secret', sign: key, verify: key };
  }
  if (privateKey === undefined) {
    throw configError(
      'secret',
      'or privateKey is required: an HS256 secret of at least 32 bytes, or an Ed25519 or P-256 key pair',
    );
  }
  const sign = readAsymmetric(privateKey, 'private', 'privateKey');
  const family = familyOf(sign, 'privateKey');
  const derived = createPublicKey(sign);
  if (publicKey === undefined) return { family, sign, verify: derived };
  const verify = readAsymmetric(publicKey, 'public', 'publicKey');
  if (!samePublicKey(derived, verify)) {
    throw configError('publicKey', 'does not belong to privateKey');
  }
  return { family, sign, verify };
}

/**
 * Imports the checked keys into Web Crypto once, for the algorithm in use, so no call pays for
 * an import (jose would import a raw secret again on every call).
 */
export async function importKeys(material: KeyMaterial): Promise<ImportedKeys> {
  const params = IMPORT_PARAMS[material.family];
  const { subtle } = webcrypto;
  if (material.family === 'secret') {
    const key = await subtle.importKey('raw', material.sign.export(), params, false, [
      'sign',
      'verify',
    ]);
    return { sign: key, verify: key };
  }
  const [sign, verify] = await Promise.all([
    subtle.importKey(
      'pkcs8',
      material.sign.export({ format: 'der', type: 'pkcs8' }),
      params,
      false,
      ['sign'],
    ),
    subtle.importKey(
      'spki',
      material.verify.export({ format: 'der', type: 'spki' }),
      params,
      false,
      ['verify'],
    ),
  ]);
  return { sign, verify };
}

function readSecret(secret: unknown): KeyObject {
  let key: KeyObject;
  if (typeof secret === 'string') {
    key = createSecretKey(Buffer.from(secret, 'utf8'));
  } else if (secret instanceof Uint8Array) {
    key = createSecretKey(Buffer.from(secret));
  } else if (secret instanceof KeyObject || isWebCryptoKey(secret)) {
    key = toKeyObject(secret);
    if (key.type !== 'secret') {
      throw configError(
        'secret',
        `must be a secret key (got a ${key.type} key: use privateKey/publicKey)`,
      );
    }
    if (isWebCryptoKey(secret) && !isHmacSha256(secret)) {
      throw configError('secret', 'must be an HMAC key for SHA-256 when given as a CryptoKey');
    }
  } else {
    throw configError(
      'secret',
      'must be a string, a Uint8Array, a secret KeyObject or an HMAC CryptoKey',
    );
  }
  const bytes = key.symmetricKeySize ?? 0;
  if (bytes < MIN_SECRET_BYTES) {
    throw configError(
      'secret',
      `must be at least ${MIN_SECRET_BYTES} bytes for HS256 (got ${bytes}); generate one with: openssl rand -base64 48`,
    );
  }
  return key;
}

function readAsymmetric(input: unknown, type: 'private' | 'public', field: string): KeyObject {
  let key: KeyObject;
  try {
    if (input instanceof KeyObject || isWebCryptoKey(input)) {
      key = toKeyObject(input);
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
  return key;
}

function familyOf(key: KeyObject, field: string): KeyFamily {
  if (key.asymmetricKeyType === 'ed25519') return 'ed25519';
  if (key.asymmetricKeyType === 'ec' && key.asymmetricKeyDetails?.namedCurve === 'prime256v1') {
    return 'p256';
  }
  const curve = key.asymmetricKeyDetails?.namedCurve;
  const got = curve ? `${key.asymmetricKeyType ?? '?'} ${curve}` : (key.asymmetricKeyType ?? '?');
  throw configError(field, `must be an Ed25519 (EdDSA) or P-256 (ES256) key (got ${got})`);
}

function samePublicKey(a: KeyObject, b: KeyObject): boolean {
  const der = (k: KeyObject) => k.export({ format: 'der', type: 'spki' });
  return der(a).equals(der(b));
}

function toKeyObject(key: KeyObject | WebCryptoKey): KeyObject {
  return key instanceof KeyObject ? key : KeyObject.from(key);
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

function describeCause(cause: unknown): string {
  return cause instanceof Error ? cause.message : 'unreadable';
}
