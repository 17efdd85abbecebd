import { describe, expect, it } from 'vitest';
import { noticeWithoutData, type SessionEnd, type SessionInfo } from '../../src/session.js';

const info = (id: string): SessionInfo => ({
  id,
  userId: 'u',
  createdAt: 1,
  lastSeenAt: 2,
  expiresAt: null,
  device: { kind: 'desktop', label: 'Firefox 133 on Windows', ip: '203.0.113.7' },
  data: { cart: 'x'.repeat(1_000) },
});

describe('noticeWithoutData', () => {
  it('leaves out the app data of the session and of by, and keeps the rest', () => {
    const end: SessionEnd = {
      session: info('a'),
      reason: 'evicted',
      at: 3,
      by: info('b'),
      keepUntil: 4,
      origin: 'here',
    };
    const { data: _a, ...session } = info('a');
    const { data: _b, ...by } = info('b');
    expect(noticeWithoutData(end)).toEqual({
      session,
      reason: 'evicted',
      at: 3,
      by,
      keepUntil: 4,
      origin: 'here',
    });
    expect(end.session.data).toBeDefined();
    expect(end.by?.data).toBeDefined();
  });

  it('adds no by when the end had none', () => {
    const end: SessionEnd = {
      session: info('a'),
      reason: 'logout',
      at: 3,
      keepUntil: 4,
      origin: 'o',
    };
    expect(noticeWithoutData(end)).not.toHaveProperty('by');
  });
});
