import { describe, expect, it } from 'vitest';
import { describeDevice, describeSessionEnd, type SessionInfo } from '../../src/index.js';

const at = Date.UTC(2026, 10, 25, 14, 2);
const by: SessionInfo = {
  id: 'x',
  userId: 'u',
  createdAt: at,
  lastSeenAt: at,
  expiresAt: null,
  device: describeDevice({
    userAgent: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0',
  }),
};

describe('describeSessionEnd', () => {
  it('names the device and the time of an eviction', () => {
    expect(
      describeSessionEnd({ ok: false, code: 'SESSION_REVOKED', reason: 'evicted', at, by }, at),
    ).toBe(
      'You were signed out because your account signed in on another device (Firefox 133 on Windows) at 14:02 UTC.',
    );
  });

  it('adds the date when it was not today', () => {
    expect(
      describeSessionEnd(
        { ok: false, code: 'SESSION_EXPIRED', reason: 'idle-timeout', at },
        at + 86_400_000,
      ),
    ).toBe(
      'You were signed out because this session was inactive for too long at 14:02 UTC on 25 Nov 2026.',
    );
  });

  it('has a sentence for every reason, and for app reasons', () => {
    for (const reason of [
      'replaced',
      'logout',
      'absolute-timeout',
      'refresh-token-reuse',
      'revoked',
      'password-changed',
    ]) {
      const text = describeSessionEnd({ ok: false, code: 'SESSION_REVOKED', reason, at }, at);
      expect(text).toMatch(/^You /);
      expect(text).toContain('14:02 UTC');
    }
    expect(describeSessionEnd({ ok: false, code: 'SESSION_UNKNOWN' })).toBe(
      'Your session is not valid. Please sign in.',
    );
  });
});
