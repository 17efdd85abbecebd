// The one reader of pushed notices that every store's channel uses.
import { describe, expect, it } from 'vitest';
import type { SessionEnd } from '../../src/session.js';
import { deliverNotice, parseNotice } from '../../src/stores/notice.js';

const NOTICE = {
  session: { id: 's1', userId: 'alice', createdAt: 1, lastSeenAt: 1, expiresAt: null, device: {} },
  reason: 'evicted',
  origin: 'process-a',
};

function recorder() {
  const calls: string[] = [];
  return {
    calls,
    handlers: {
      ended: (notice: SessionEnd) => calls.push(`ended ${notice.session.id}`),
      status: (up: boolean) => calls.push(up ? 'up' : 'down'),
    },
  };
}

describe('pushed notices', () => {
  it('reads a notice, and nothing that lacks its session id, reason or origin', () => {
    expect(parseNotice(JSON.stringify(NOTICE))).toEqual(NOTICE);
    for (const text of [
      '',
      'null',
      '{"resync":true}',
      '{',
      JSON.stringify({ ...NOTICE, origin: undefined }),
      JSON.stringify({ ...NOTICE, reason: 7 }),
      JSON.stringify({ ...NOTICE, session: { id: 1 } }),
    ]) {
      expect(parseNotice(text), text).toBeUndefined();
    }
  });

  it('hands a notice on, and makes the subscriber forget its cache for one it cannot read', () => {
    const { calls, handlers } = recorder();
    deliverNotice(handlers, JSON.stringify(NOTICE));
    deliverNotice(handlers, '{"resync":true}');
    expect(calls).toEqual(['ended s1', 'down', 'up']);
  });

  it('never throws when a handler does', () => {
    const throwing = {
      ended: () => {
        throw new Error('handler bug');
      },
      status: () => {
        throw new Error('handler bug');
      },
    };
    expect(() => deliverNotice(throwing, JSON.stringify(NOTICE))).not.toThrow();
    expect(() => deliverNotice(throwing, 'garbage')).not.toThrow();
  });
});
