// The cost of the registry check in JWT verification: `jwt.verify(token)` (signature, claims,
// then the session looked up in a memory store) against a bare jose `jwtVerify` of the same token
// with the same key and the same checks. The two take turns in short batches, many times, in one
// process, so machine noise hits both alike; the script prints each side's median time per call
// and the throughput ratio (bare time / verify time) per key type.
//
//   npx tsx bench/jwt.ts [--rounds 300] [--batch 100] [--check]
import { webcrypto } from 'node:crypto';
import { parseArgs } from 'node:util';
import { type JWTVerifyOptions, jwtVerify } from 'jose';
import { createSessionLimiter, MemoryStore } from '../src/index.js';
import { createJwtSessions, type JwtSessionsOptions } from '../src/jwt/index.js';
import { median, percentile } from './stats.js';

const { values } = parseArgs({
  options: {
    rounds: { type: 'string', default: '300' },
    batch: { type: 'string', default: '100' },
    check: { type: 'boolean', default: false },
  },
});
const TARGET = 0.9;
const ROUNDS = Number(values.rounds);
const BATCH = Number(values.batch);
const ISSUER = 'https://auth.example.test';
const AUDIENCE = 'https://api.example.test';

interface Case {
  name: string;
  key: Partial<JwtSessionsOptions>;
  /** The verification key as jose works fastest with it: a Web Crypto key. */
  verifyKey: webcrypto.CryptoKey;
}

const { subtle } = webcrypto;
const secret = webcrypto.getRandomValues(new Uint8Array(32));
const ed = (await subtle.generateKey({ name: 'Ed25519' }, true, [
  'sign',
  'verify',
])) as webcrypto.CryptoKeyPair;
const cases: Case[] = [
  {
    name: 'HS256',
    key: { secret },
    verifyKey: await subtle.importKey('raw', secret, { name: 'HMAC', hash: 'SHA-256' }, false, [
      'verify',
    ]),
  },
  { name: 'EdDSA', key: ed, verifyKey: ed.publicKey },
];

let worst = Infinity;
console.log(`${ROUNDS} rounds of ${BATCH} calls per side, alternating\n`);
console.log('key     bare median  verify median  ratio (bare/verify)  round ratios p25-p75');
for (const c of cases) {
  const ratio = await measure(c);
  worst = Math.min(worst, ratio);
}
console.log(
  `\njwt.verify keeps ${(worst * 100).toFixed(1)}% of bare jose's throughput at worst (target >= ${TARGET * 100}%)`,
);
if (values.check && worst < TARGET) process.exitCode = 1;

async function measure(c: Case): Promise<number> {
  const limiter = createSessionLimiter({ store: new MemoryStore(), pruneInterval: false });
  const jwt = createJwtSessions(limiter, { ...c.key, issuer: ISSUER, audience: AUDIENCE });
  const login = await jwt.login({ userId: 'alice' });
  if (!login.ok) throw new Error('login refused');
  const token = login.accessToken;
  // The same checks jwt.verify asks of jose, plus the typ it checks itself.
  const options: JWTVerifyOptions = {
    algorithms: [c.name],
    issuer: ISSUER,
    audience: AUDIENCE,
    typ: 'at+jwt',
    requiredClaims: ['exp', 'iat'],
  };
  const sides = {
    bare: async () => {
      await jwtVerify(token, c.verifyKey, options);
    },
    verify: async () => {
      const v = await jwt.verify(token);
      if (!v.ok) throw new Error(`verify refused: ${v.code}`);
    },
  };

  for (let i = 0; i < 20; i++) {
    await batch(sides.bare);
    await batch(sides.verify);
  }
  const times = { bare: [] as number[], verify: [] as number[] };
  const ratios: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    // Swap which side goes first each round, so neither always follows the other.
    const first = round % 2 === 0 ? 'bare' : 'verify';
    const second = first === 'bare' ? 'verify' : 'bare';
    const a = await batch(sides[first]);
    const b = await batch(sides[second]);
    const bare = first === 'bare' ? a : b;
    const verify = first === 'bare' ? b : a;
    times.bare.push(bare);
    times.verify.push(verify);
    ratios.push(bare / verify);
  }
  await limiter.dispose();

  const ratio = median(times.bare) / median(times.verify);
  const us = (ms: number) => `${(ms * 1000).toFixed(1)} µs`.padStart(13);
  console.log(
    `${c.name.padEnd(7)} ${us(median(times.bare))} ${us(median(times.verify)).padStart(14)}  ${ratio.toFixed(3).padStart(19)}  ${percentile(ratios, 25).toFixed(3)}-${percentile(ratios, 75).toFixed(3)}`,
  );
  return ratio;
}

/** Runs `call` BATCH times in a row; returns the mean milliseconds per call. */
async function batch(call: () => Promise<void>): Promise<number> {
  const start = performance.now();
  for (let i = 0; i < BATCH; i++) await call();
  return (performance.now() - start) / BATCH;
}
