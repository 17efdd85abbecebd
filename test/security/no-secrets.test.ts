import { describe, expect, it } from 'vitest';
import { createSessionLimiter } from '../../src/index.js';

describe('no secret in any output', () => {
  it('revoke never echoes a token or secret passed where a session id belongs', async () => {
    const limiter = createSessionLimiter({ policy: { max: 1 } });
    const opened = await limiter.open({ userId: 'u' });
    if (!opened.ok) throw new Error('setup');
    const secret = opened.token.slice(opened.token.indexOf('.') + 1);
    for (const value of [opened.token, secret]) {
      const error = await limiter.revoke('u', value).catch((e: unknown) => e);
      expect(error).toMatchObject({ code: 'SESSION_NOT_FOUND' });
      expect((error as Error).message).not.toContain(secret);
    }
    // A session id is public: naming it helps whoever reads the log.
    await expect(limiter.revoke('v', opened.session.id)).rejects.toThrow(opened.session.id);
    await limiter.dispose();
  });
});
