// Every bad token gets INVALID_TOKEN with its reason word: never a throw, never a pass, and no
// store lookup for a token that fails its own checks.
import { randomBytes } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createSessionLimiter, MemoryStore, type SessionLimiter } from '../../src/index.js';
import {
  type InvalidTokenReason,
  type JwtSessions,
  type JwtSessionsOptions,
  createJwtSessions,
} from '../../src/jwt/index.js';
import { InstrumentedStore } from '../conformance/suite.js';
import {
  AUDIENCE,
  ED25519,
  ISSUER,
  MINUTE,
  SECRET,
  SECRET_BYTES,
  START,
  forge,
  parts,
  tamper,
  unsigned,
} from './support.js';

describe('JWT verify refuses bad tokens', () => {
  let clock: number;
  let store: InstrumentedStore;
  let limiter: SessionLimiter;
  let jwt: JwtSessions;
  let access: string;
  let refresh: string;
  let sid: string;

  function instance(options: Partial<JwtSessionsOptions> = {}): JwtSessions {
    return createJwtSessions(limiter, {
      secret: SECRET,
      issuer: ISSUER,
      audience: AUDIENCE,
      now: () => clock,
      ...options,
    });
  }

  /** Claims a real token of ours would carry, for forging variants of it. */
  function claims(): Record<string, unknown> {
    return parts(access).payload;
  }

  async function expectInvalid(token: unknown, reason: InvalidTokenReason): Promise<void> {
    const finds = store.finds;
    expect(await jwt.verify(token)).toEqual({ ok: false, code: 'INVALID_TOKEN', reason });
    expect(store.finds).toBe(finds);
  }

  beforeEach(async () => {
    clock = START;
    store = new InstrumentedStore(new MemoryStore());
    limiter = createSessionLimiter({ store, now: () => clock, pruneInterval: false });
    jwt = instance();
    const login = await jwt.login({ userId: 'alice' });
    if (!login.ok) throw new Error('setup');
    ({ accessToken: access, refreshToken: refresh } = login);
    sid = login.session.id;
    expect((await jwt.verify(access)).ok).toBe(true);
  });

  afterEach(() => limiter.dispose());

  it('an empty string is malformed', () => expectInvalid('', 'malformed'));
  it('garbage is malformed', () => expectInvalid('not a token at all', 'malformed'));
  it('two segments are malformed', () =>
    expectInvalid(access.split('.').slice(0, 2).join('.'), 'malformed'));
  it('a huge token is malformed, before any parsing', () =>
    expectInvalid(`${access}.${'A'.repeat(1_000_000)}`, 'malformed'));
  it('a non-string is malformed', async () => {
    for (const bad of [undefined, null, 42, {}, ['a.b.c']]) await expectInvalid(bad, 'malformed');
  });
  it('a header that is not JSON is malformed', () =>
    expectInvalid(`e30x.${access.split('.').slice(1).join('.')}`, 'malformed'));

  it('alg: none is refused', () => expectInvalid(unsigned(access), 'algorithm'));

  it('an HS256 token is refused by an EdDSA-configured instance (no confusion)', async () => {
    jwt = instance({ secret: undefined, ...ED25519 });
    await expectInvalid(access, 'algorithm');
    // The classic attack: HS256 keyed with the public key's bytes.
    const publicBytes = ED25519.publicKey.export({ format: 'der', type: 'spki' });
    await expectInvalid(
      await forge(claims(), { alg: 'HS256', typ: 'at+jwt' }, publicBytes),
      'algorithm',
    );
  });

  it('an EdDSA token is refused by an HS256-configured instance (no confusion)', async () => {
    const token = await forge(claims(), { alg: 'EdDSA', typ: 'at+jwt' }, ED25519.privateKey);
    await expectInvalid(token, 'algorithm');
  });

  it('a token signed with another key is refused', async () => {
    await expectInvalid(
      await forge(claims(), { alg: 'HS256', typ: 'at+jwt' }, randomBytes(32)),
      'signature',
    );
  });

  it('an expired token is refused', async () => {
    clock += 5 * MINUTE;
    await expectInvalid(access, 'expired');
  });

  it('a token not yet valid is refused', async () => {
    const nbf = START / 1000 + 60;
    await expectInvalid(
      await forge({ ...claims(), nbf }, { alg: 'HS256', typ: 'at+jwt' }, SECRET_BYTES),
      'not-yet-valid',
    );
  });

  it('a token for another issuer is refused', async () => {
    jwt = instance({ issuer: 'https://other.example.test' });
    await expectInvalid(access, 'issuer');
  });

  it('a token for another audience is refused', async () => {
    jwt = instance({ audience: 'https://other-api.example.test' });
    await expectInvalid(access, 'audience');
  });

  it('a refresh token is not an access token', () => expectInvalid(refresh, 'type'));

  it('an access token is not a refresh token', async () => {
    const finds = store.finds;
    expect(await jwt.refresh(access)).toEqual({
      ok: false,
      code: 'INVALID_TOKEN',
      reason: 'type',
    });
    expect(store.finds).toBe(finds);
    expect((await jwt.verify(access)).ok).toBe(true); // and nothing was revoked
  });

  it('a token without typ is refused', async () => {
    await expectInvalid(await forge(claims(), { alg: 'HS256' }, SECRET_BYTES), 'type');
  });

  it('a tampered sid is refused (signature kept)', async () => {
    const bob = await jwt.login({ userId: 'bob' });
    if (!bob.ok) throw new Error('setup');
    await expectInvalid(
      tamper(access, (p) => (p.sid = bob.session.id)),
      'signature',
    );
  });

  it('a tampered sub is refused (signature kept)', () =>
    expectInvalid(
      tamper(access, (p) => (p.sub = 'mallory')),
      'signature',
    ));

  it('a tampered exp is refused (signature kept)', () =>
    expectInvalid(
      tamper(access, (p) => (p.exp = 4_000_000_000)),
      'signature',
    ));

  it('a token without sid is refused', async () => {
    const rest = claims();
    delete rest.sid;
    await expectInvalid(await forge(rest, { alg: 'HS256', typ: 'at+jwt' }, SECRET_BYTES), 'claims');
  });

  it('a token without exp is refused', async () => {
    const rest = claims();
    delete rest.exp;
    await expectInvalid(await forge(rest, { alg: 'HS256', typ: 'at+jwt' }, SECRET_BYTES), 'claims');
  });

  it('a refresh token with a bad generation is refused', async () => {
    const token = await forge(
      { ...parts(refresh).payload, gen: -1 },
      { alg: 'HS256', typ: 'rt+jwt' },
      SECRET_BYTES,
    );
    expect(await jwt.refresh(token)).toEqual({
      ok: false,
      code: 'INVALID_TOKEN',
      reason: 'claims',
    });
    expect((await jwt.verify(access)).ok).toBe(true);
  });

  it("a signed token whose sub is not its session's user is refused", async () => {
    const token = await forge(
      { ...claims(), sub: 'mallory', sid },
      { alg: 'HS256', typ: 'at+jwt' },
      SECRET_BYTES,
    );
    expect(await jwt.verify(token)).toEqual({ ok: false, code: 'INVALID_TOKEN', reason: 'claims' });
  });

  it('a store failure throws STORE_UNAVAILABLE (fail closed), never a pass', async () => {
    const inner = new MemoryStore();
    limiter = createSessionLimiter({ store: inner, now: () => clock, pruneInterval: false });
    jwt = instance();
    const login = await jwt.login({ userId: 'alice' });
    if (!login.ok) throw new Error('setup');
    const down = () => Promise.reject(new Error('connection refused'));
    inner.find = down;
    inner.loadUser = down;
    // Each call starts only when awaited: one started early would reject with no handler yet.
    const calls = [() => jwt.verify(login.accessToken), () => jwt.refresh(login.refreshToken)];
    for (const call of calls) {
      await expect(call()).rejects.toMatchObject({ code: 'STORE_UNAVAILABLE' });
    }
  });
});
