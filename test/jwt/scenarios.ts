// The JWT behaviour every store must give: round trips, eviction, rejection, rotation and reuse,
// logout and expiry, against a real limiter on a fake clock.
import { decodeJwt, decodeProtectedHeader } from 'jose';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  createSessionLimiter,
  type SessionLimiter,
  type SessionLimiterOptions,
  type SessionStore,
} from '../../src/index.js';
import {
  type JwtLoginResult,
  type JwtSessions,
  type JwtSessionsOptions,
  createJwtSessions,
} from '../../src/jwt/index.js';
import {
  AUDIENCE,
  CHROME_MAC,
  DAY,
  FIREFOX_WIN,
  ISSUER,
  KEY_FORMS,
  MINUTE,
  SECRET,
  START,
} from './support.js';

/** What a test file hands the scenarios: a fresh store and how to close it. */
export interface JwtStoreHandle {
  store: SessionStore;
  close(): Promise<void>;
}

type Pair = Extract<JwtLoginResult, { ok: true }>;

function pair(result: JwtLoginResult): Pair {
  if (!result.ok) throw new Error(`expected the login to succeed, got ${result.code}`);
  return result;
}

export function describeJwtSessions(name: string, open: () => Promise<JwtStoreHandle>): void {
  describe(`JWT sessions on ${name}`, () => {
    let handle: JwtStoreHandle;
    let clock: number;
    const limiters: SessionLimiter[] = [];

    function setup(
      limiterOptions: SessionLimiterOptions = {},
      jwtOptions: Partial<JwtSessionsOptions> = {},
    ): { limiter: SessionLimiter; jwt: JwtSessions } {
      const limiter = createSessionLimiter({
        store: handle.store,
        now: () => clock,
        pruneInterval: false,
        ...limiterOptions,
      });
      limiters.push(limiter);
      const jwt = createJwtSessions(limiter, {
        secret: SECRET,
        issuer: ISSUER,
        audience: AUDIENCE,
        now: () => clock,
        ...jwtOptions,
      });
      return { limiter, jwt };
    }

    beforeEach(async () => {
      clock = START;
      handle = await open();
    });

    afterEach(async () => {
      await Promise.all(limiters.splice(0).map((l) => l.dispose()));
      await handle.close();
    });

    it.each(KEY_FORMS)('login and verify round trip with $name', async ({ key, alg }) => {
      const { jwt } = setup({}, { secret: undefined, ...key });
      const login = pair(await jwt.login({ userId: 'bob', device: { userAgent: CHROME_MAC } }));
      expect(decodeProtectedHeader(login.accessToken).alg).toBe(alg);
      const v = await jwt.verify(login.accessToken);
      expect(v).toMatchObject({ ok: true, session: { id: login.session.id, userId: 'bob' } });
      const next = await jwt.refresh(login.refreshToken);
      expect(next.ok).toBe(true);
    });

    it('access and refresh tokens carry the claims and an explicit typ', async () => {
      const { jwt } = setup();
      const login = pair(await jwt.login({ userId: 'bob' }));
      expect(decodeProtectedHeader(login.accessToken)).toEqual({ alg: 'HS256', typ: 'at+jwt' });
      const claims = decodeJwt(login.accessToken);
      expect(claims).toEqual({
        sub: 'bob',
        sid: login.session.id,
        jti: expect.stringMatching(/^[A-Za-z0-9_-]{22}$/) as unknown,
        iat: START / 1000,
        exp: START / 1000 + 300,
        iss: ISSUER,
        aud: AUDIENCE,
      });
      expect(decodeProtectedHeader(login.refreshToken)).toEqual({ alg: 'HS256', typ: 'rt+jwt' });
      expect(decodeJwt(login.refreshToken)).toMatchObject({
        sub: 'bob',
        sid: login.session.id,
        gen: 0,
        iss: ISSUER,
        aud: AUDIENCE,
      });
      const v = await jwt.verify(login.accessToken);
      expect(v.ok && v.claims).toEqual(claims);
      // A fresh jti per token.
      const again = pair(await jwt.login({ userId: 'bob' }));
      expect(decodeJwt(again.accessToken).jti).not.toBe(claims.jti);
    });

    it('alice (max 1) logs in twice: the first access token dies on its next verify', async () => {
      const { jwt } = setup({ policy: { max: 1, onLimit: 'evict' } });
      const first = pair(await jwt.login({ userId: 'alice', device: { userAgent: CHROME_MAC } }));
      expect((await jwt.verify(first.accessToken)).ok).toBe(true);
      clock += MINUTE;
      const second = pair(await jwt.login({ userId: 'alice', device: { userAgent: FIREFOX_WIN } }));
      expect(second.evicted.map((s) => s.id)).toEqual([first.session.id]);

      const v = await jwt.verify(first.accessToken);
      expect(v).toMatchObject({ ok: false, code: 'SESSION_REVOKED', reason: 'evicted', at: clock });
      if (v.ok || v.code === 'INVALID_TOKEN') return;
      expect(v.by?.id).toBe(second.session.id);
      expect(v.by?.device.label).toBe('Firefox 133 on Windows');
      // ...long before the token itself expires.
      expect(decodeJwt(first.accessToken).exp! * 1000).toBeGreaterThan(clock + 3 * MINUTE);
      // Its refresh token is dead too, and the winner's tokens work.
      expect(await jwt.refresh(first.refreshToken)).toMatchObject({
        code: 'SESSION_REVOKED',
        reason: 'evicted',
      });
      expect((await jwt.verify(second.accessToken)).ok).toBe(true);
    });

    it('reject mode: the login is refused with the live sessions, then replace picks one', async () => {
      const { jwt } = setup({ policy: { max: 1, onLimit: 'reject' } });
      const first = pair(await jwt.login({ userId: 'carol', device: { userAgent: CHROME_MAC } }));
      const refused = await jwt.login({ userId: 'carol', device: { userAgent: FIREFOX_WIN } });
      expect(refused).toEqual({
        ok: false,
        code: 'SESSION_LIMIT_REACHED',
        active: [expect.objectContaining({ id: first.session.id }) as unknown],
      });
      const { accessToken, refreshToken, session } = refused;
      expect([accessToken, refreshToken, session]).toEqual([undefined, undefined, undefined]);
      expect((await jwt.verify(first.accessToken)).ok).toBe(true);

      const replaced = pair(
        await jwt.login({
          userId: 'carol',
          device: { userAgent: FIREFOX_WIN },
          replace: first.session.id,
        }),
      );
      expect(await jwt.verify(first.accessToken)).toMatchObject({
        code: 'SESSION_REVOKED',
        reason: 'replaced',
      });
      expect((await jwt.verify(replaced.accessToken)).ok).toBe(true);
    });

    it('refresh rotates; replaying the old refresh token revokes the session and its new tokens', async () => {
      const { jwt } = setup();
      const login = pair(await jwt.login({ userId: 'bob' }));
      clock += 4 * MINUTE;
      const next = await jwt.refresh(login.refreshToken);
      if (!next.ok) throw new Error(`refresh failed: ${next.code}`);
      expect(next.session.id).toBe(login.session.id);
      expect(next.refreshToken).not.toBe(login.refreshToken);
      expect(next.accessToken).not.toBe(login.accessToken);
      expect(decodeJwt(next.refreshToken).gen).toBe(1);
      expect(decodeJwt(next.accessToken).exp).toBe((clock + 5 * MINUTE) / 1000);
      expect((await jwt.verify(next.accessToken)).ok).toBe(true);

      // The old refresh token is replayed (say, by whoever copied it).
      clock += MINUTE;
      expect(await jwt.refresh(login.refreshToken)).toEqual({
        ok: false,
        code: 'SESSION_REVOKED',
        reason: 'refresh-token-reuse',
        at: clock,
      });
      expect(await jwt.verify(next.accessToken)).toMatchObject({
        code: 'SESSION_REVOKED',
        reason: 'refresh-token-reuse',
      });
      expect(await jwt.refresh(next.refreshToken)).toMatchObject({
        code: 'SESSION_REVOKED',
        reason: 'refresh-token-reuse',
      });
    });

    it('a refresh token works at most once, even when presented twice at the same moment', async () => {
      const { jwt } = setup();
      const login = pair(await jwt.login({ userId: 'bob' }));
      const results = await Promise.all([
        jwt.refresh(login.refreshToken),
        jwt.refresh(login.refreshToken),
      ]);
      const winners = results.filter((r) => r.ok);
      expect(winners).toHaveLength(1);
      expect(results.find((r) => !r.ok)).toMatchObject({
        code: 'SESSION_REVOKED',
        reason: 'refresh-token-reuse',
      });
      const winner = winners[0];
      if (!winner?.ok) throw new Error('unreachable');
      expect(await jwt.verify(winner.accessToken)).toMatchObject({
        code: 'SESSION_REVOKED',
        reason: 'refresh-token-reuse',
      });
    });

    it('logout ends the session with an access or a refresh token; a bad token is a no-op', async () => {
      const { jwt, limiter } = setup();
      const a = pair(await jwt.login({ userId: 'bob' }));
      const b = pair(await jwt.login({ userId: 'bob' }));
      expect(await jwt.logout(a.accessToken)).toBe(true);
      expect(await jwt.verify(a.accessToken)).toMatchObject({
        code: 'SESSION_REVOKED',
        reason: 'logout',
      });
      expect(await jwt.logout(a.accessToken)).toBe(false);
      expect(await jwt.logout(b.refreshToken)).toBe(true);
      expect(await jwt.refresh(b.refreshToken)).toMatchObject({ reason: 'logout' });
      for (const bad of ['', 'garbage', 42, undefined]) expect(await jwt.logout(bad)).toBe(false);
      expect(await limiter.list('bob')).toEqual([]);
    });

    it('expiry follows the shared fake clock: the access token, then the refresh token', async () => {
      const { jwt, limiter } = setup(
        { idleTimeout: Infinity, absoluteTimeout: '90d' },
        { accessTtl: '5m', refreshTtl: '1d' },
      );
      const login = pair(await jwt.login({ userId: 'bob' }));
      clock += 5 * MINUTE - 1000;
      expect((await jwt.verify(login.accessToken)).ok).toBe(true);
      clock += 1000;
      expect(await jwt.verify(login.accessToken)).toEqual({
        ok: false,
        code: 'INVALID_TOKEN',
        reason: 'expired',
      });
      expect(await limiter.list('bob')).toHaveLength(1); // the session lives on
      clock += DAY;
      expect(await jwt.refresh(login.refreshToken)).toEqual({
        ok: false,
        code: 'INVALID_TOKEN',
        reason: 'expired',
      });
    });

    it("no token outlives the session's absolute timeout", async () => {
      const { jwt } = setup({ idleTimeout: '30m', absoluteTimeout: '12h' });
      const login = pair(await jwt.login({ userId: 'bob' }));
      const end = START + 12 * 60 * MINUTE;
      expect(decodeJwt(login.refreshToken).exp).toBe(end / 1000); // not 30 days
      clock = end - 2 * MINUTE;
      // Kept alive by refreshes (each within the idle timeout) to near its end.
      let refreshToken = login.refreshToken;
      for (let t = START + 20 * MINUTE; t < end - 2 * MINUTE; t += 20 * MINUTE) {
        clock = t;
        const next = await jwt.refresh(refreshToken);
        if (!next.ok) throw new Error(`refresh failed at ${t}: ${next.code}`);
        refreshToken = next.refreshToken;
      }
      clock = end - 2 * MINUTE;
      const late = await jwt.refresh(refreshToken);
      if (!late.ok) throw new Error(`refresh failed: ${late.code}`);
      expect(decodeJwt(late.accessToken).exp).toBe(end / 1000); // 2 minutes, not 5
      expect(decodeJwt(late.refreshToken).exp).toBe(end / 1000);
      clock = end;
      expect(await jwt.refresh(late.refreshToken)).toMatchObject({
        code: 'INVALID_TOKEN',
        reason: 'expired',
      });
    });

    it('an idle session ends on the server even while its refresh token is unexpired', async () => {
      const { jwt } = setup({ idleTimeout: '30m' });
      const login = pair(await jwt.login({ userId: 'bob' }));
      clock += 31 * MINUTE;
      expect(await jwt.refresh(login.refreshToken)).toMatchObject({
        ok: false,
        code: 'SESSION_EXPIRED',
        reason: 'idle-timeout',
      });
    });
  });
}
