// Row 10: the registry check inside JWT verification. `jwt.verify(token)` (signature, claims,
// then the session looked up in a memory store) against a bare jose `jwtVerify` of the same
// token with the same key and checks, per key type; in-process, in alternating batches.
import { webcrypto } from 'node:crypto';
import { type JWTVerifyOptions, jwtVerify } from 'jose';
import { createSessionLimiter, MemoryStore } from '../../src/index.js';
import { createJwtSessions, type JwtSessionsOptions } from '../../src/jwt/index.js';
import { latencyRounds, mean, roundRatios } from '../lib/rounds.js';
import { ratioFigure, type Figure, type Row } from '../row.js';
import { median, summarize } from '../stats.js';

const ISSUER = 'https://auth.example.test';
const AUDIENCE = 'https://api.example.test';

interface KeyCase {
  name: string;
  key: Partial<JwtSessionsOptions>;
  /** The verification key as jose works fastest with it: a Web Crypto key. */
  verifyKey: webcrypto.CryptoKey;
}

export const row: Row = {
  id: '10',
  name: 'jwt',
  title: 'JWT: jwt.verify (registry lookup included) vs bare jose jwtVerify of the same token',
  async run(context) {
    const settings = context.quick
      ? { rounds: 60, calls: 100, warmup: 10 }
      : { rounds: 300, calls: 100, warmup: 20 };
    const figures: Figure[] = [];
    for (const keyCase of await keyCases()) {
      const times = await measure(keyCase, settings);
      const ratios = summarize(roundRatios(times.bare, times.verify, mean));
      const us = (rounds: number[][]) => (median(rounds.map(mean)) * 1000).toFixed(1);
      context.log(`${keyCase.name}: bare ${us(times.bare)} µs, verify ${us(times.verify)} µs`);
      figures.push(
        ratioFigure(
          `${keyCase.name}: bare jose time / jwt.verify time`,
          ratios,
          { atLeast: 0.9, timing: true },
          `median µs per call: bare ${us(times.bare)}, jwt.verify ${us(times.verify)}; ` +
            `${settings.rounds} rounds of ${settings.calls} calls per side`,
        ),
      );
    }
    return figures;
  },
};

async function keyCases(): Promise<KeyCase[]> {
  const { subtle } = webcrypto;
  const secret = webcrypto.getRandomValues(new Uint8Array(32));
  const ed = (await subtle.generateKey({ name: 'Ed25519' }, true, [
    'sign',
    'verify',
  ])) as webcrypto.CryptoKeyPair;
  const hmac = await subtle.importKey('raw', secret, { name: 'HMAC', hash: 'SHA-256' }, false, [
    'verify',
  ]);
  return [
    { name: 'HS256', key: { secret }, verifyKey: hmac },
    { name: 'EdDSA', key: ed, verifyKey: ed.publicKey },
  ];
}

async function measure(
  keyCase: KeyCase,
  settings: { rounds: number; calls: number; warmup: number },
) {
  const limiter = createSessionLimiter({ store: new MemoryStore(), pruneInterval: false });
  try {
    const jwt = createJwtSessions(limiter, { ...keyCase.key, issuer: ISSUER, audience: AUDIENCE });
    const login = await jwt.login({ userId: 'alice' });
    if (!login.ok) throw new Error('login refused');
    const token = login.accessToken;
    // The checks jwt.verify asks of jose, plus the typ it checks itself.
    const options: JWTVerifyOptions = {
      algorithms: [keyCase.name],
      issuer: ISSUER,
      audience: AUDIENCE,
      typ: 'at+jwt',
      requiredClaims: ['exp', 'iat'],
    };
    return await latencyRounds(
      {
        bare: () => jwtVerify(token, keyCase.verifyKey, options),
        verify: async () => {
          const v = await jwt.verify(token);
          if (!v.ok) throw new Error(`verify refused: ${v.code}`);
        },
      },
      settings,
    );
  } finally {
    await limiter.dispose();
  }
}
