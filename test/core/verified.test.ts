import { afterEach, describe, expect, it, vi } from 'vitest';
import { createSessionLimiter } from '../../src/index.js';
import { hashSecret } from '../../src/token.js';
import { VerifiedSecrets } from '../../src/verified.js';

const secret = 'a'.repeat(43);
const other = 'b'.repeat(43);

describe('VerifiedSecrets', () => {
  it('answers as the hash comparison does, remembered or not', () => {
    const secrets = new VerifiedSecrets(10);
    const stored = hashSecret(secret);
    for (let round = 0; round < 2; round++) {
      expect(secrets.matches('s1', secret, stored)).toBe(true);
      expect(secrets.matches('s1', other, stored)).toBe(false);
      expect(secrets.matches('s1', `${secret}x`, stored)).toBe(false);
      expect(secrets.matches('s1', '', stored)).toBe(false);
    }
    expect(secrets.size).toBe(1);
  });

  it('trusts a remembered secret only against the hash it was checked with', () => {
    const secrets = new VerifiedSecrets(10);
    expect(secrets.matches('s1', secret, hashSecret(secret))).toBe(true);
    // The store now holds another hash for this id: the remembered secret proves nothing.
    expect(secrets.matches('s1', secret, hashSecret(other))).toBe(false);
    expect(secrets.matches('s1', other, hashSecret(other))).toBe(true);
    expect(secrets.matches('s1', secret, hashSecret(other))).toBe(false);
  });

  it('keeps at most maxEntries, dropping the oldest', () => {
    const secrets = new VerifiedSecrets(2);
    for (const id of ['s1', 's2', 's3']) secrets.matches(id, secret, hashSecret(secret));
    expect(secrets.size).toBe(2);
    secrets.matches('s2', secret, hashSecret(secret));
    expect(secrets.size).toBe(2);
    // s1, the oldest, was the one dropped: forgetting it changes nothing.
    secrets.forget('s1');
    expect(secrets.size).toBe(2);
  });

  it('never remembers a wrong secret', () => {
    const secrets = new VerifiedSecrets(2);
    expect(secrets.matches('s1', other, hashSecret(secret))).toBe(false);
    expect(secrets.size).toBe(0);
  });

  it('forgets a session that ended', () => {
    const secrets = new VerifiedSecrets(10);
    secrets.matches('s1', secret, hashSecret(secret));
    secrets.forget('s1');
    expect(secrets.size).toBe(0);
    expect(secrets.matches('s1', secret, hashSecret(secret))).toBe(true);
  });
});

describe('the limiter and its verified secrets', () => {
  /** The limiter's VerifiedSecrets, caught on its first use. */
  function watchSecrets(): () => VerifiedSecrets {
    const matches = vi.spyOn(VerifiedSecrets.prototype, 'matches');
    return () => {
      const instance: unknown = matches.mock.contexts[0];
      if (!(instance instanceof VerifiedSecrets)) throw new Error('the limiter checked no secret');
      return instance;
    };
  }

  afterEach(() => vi.restoreAllMocks());

  it('never puts the secret of an ended session back', async () => {
    const secrets = watchSecrets();
    const limiter = createSessionLimiter({ policy: { max: 1 }, pruneInterval: false });
    const closed = await limiter.open({ userId: 'u' });
    if (!closed.ok) throw new Error('setup');
    expect((await limiter.validate(closed.token)).ok).toBe(true);
    expect(secrets().size).toBe(1);
    await limiter.close(closed.token);
    expect(secrets().size).toBe(0);

    const evicted = await limiter.open({ userId: 'u' });
    if (!evicted.ok) throw new Error('setup');
    expect((await limiter.validate(evicted.token)).ok).toBe(true);
    await limiter.open({ userId: 'u' }); // evicts it
    expect(secrets().size).toBe(0);

    for (const token of [closed.token, evicted.token, closed.token]) {
      expect(await limiter.validate(token)).toMatchObject({ code: 'SESSION_REVOKED' });
      expect(limiter.validateNow(token)).toMatchObject({ code: 'SESSION_REVOKED' });
      expect(await limiter.close(token)).toBe(false);
    }
    expect(secrets().size).toBe(0);
    await limiter.dispose();
  });
});
