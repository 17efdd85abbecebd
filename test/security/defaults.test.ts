// The defaults docs/SECURITY.md documents (ASVS 7.1.1 and 7.1.2 ask for them), checked on a
// limiter and a JWT module made with no options but a clock: if one changes, so must the page.
import { afterEach, describe, expect, it } from 'vitest';
import { createSessionLimiter, type SessionLimiter } from '../../src/index.js';
import { createJwtSessions } from '../../src/jwt/index.js';
import { parts } from '../jwt/support.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

let clock = Date.UTC(2026, 0, 1);
let limiter: SessionLimiter;

function fresh(): SessionLimiter {
  clock = Date.UTC(2026, 0, 1);
  limiter = createSessionLimiter({ now: () => clock, pruneInterval: false });
  return limiter;
}

async function open(l: SessionLimiter): Promise<string> {
  const opened = await l.open({ userId: 'u' });
  if (!opened.ok) throw new Error('setup');
  return opened.token;
}

afterEach(() => limiter.dispose());

describe('the documented defaults', () => {
  it('idle timeout: 30 minutes without a request ends the session on the server', async () => {
    const l = fresh();
    const token = await open(l);
    clock += 30 * MINUTE - 1;
    expect((await l.validate(token)).ok).toBe(true);
    clock += 30 * MINUTE + 1;
    expect(await l.validate(token)).toMatchObject({
      code: 'SESSION_EXPIRED',
      reason: 'idle-timeout',
    });
  });

  it('absolute timeout: 12 hours, however busy the session', async () => {
    const l = fresh();
    const token = await open(l);
    for (let at = 20 * MINUTE; at < 12 * HOUR; at += 20 * MINUTE) {
      clock = Date.UTC(2026, 0, 1) + at;
      expect((await l.validate(token)).ok).toBe(true);
    }
    clock = Date.UTC(2026, 0, 1) + 12 * HOUR;
    expect(await l.validate(token)).toMatchObject({
      code: 'SESSION_EXPIRED',
      reason: 'absolute-timeout',
    });
  });

  it('no limit until the app sets a policy, under the ceiling of 1,000 sessions per user', async () => {
    const l = fresh();
    const first = await open(l);
    for (let i = 1; i < 1_000; i++) {
      clock += 1;
      await open(l);
    }
    expect(await l.list('u')).toHaveLength(1_000);
    await open(l); // the 1,001st evicts the least recently active: the first
    expect(await l.validate(first)).toMatchObject({ code: 'SESSION_REVOKED', reason: 'evicted' });
    expect(await l.list('u')).toHaveLength(1_000);
  });

  it('tombstones: a signed-out device is told why for 7 days', async () => {
    const l = fresh();
    const token = await open(l);
    await l.close(token);
    clock += 7 * DAY - 1;
    await l.prune();
    expect(await l.validate(token)).toMatchObject({ code: 'SESSION_REVOKED', reason: 'logout' });
    clock += 1;
    await l.prune();
    expect(await l.validate(token)).toMatchObject({ code: 'SESSION_UNKNOWN' });
  });

  it('JWT: access tokens live 5 minutes; refresh tokens never outlive the session', async () => {
    const l = fresh();
    const jwt = createJwtSessions(l, {
      secret: 'a test secret of at least thirty-two bytes',
      issuer: 'i',
      audience: 'a',
      now: () => clock,
    });
    const signedIn = await jwt.login({ userId: 'u' });
    if (!signedIn.ok) throw new Error('setup');
    const access = parts(signedIn.accessToken).payload as { iat: number; exp: number };
    const refresh = parts(signedIn.refreshToken).payload as { iat: number; exp: number };
    expect(access.exp - access.iat).toBe(5 * 60);
    // 30 days, cut to the session's absolute timeout (12 hours by default).
    expect(refresh.exp - refresh.iat).toBe(12 * 60 * 60);
  });
});
