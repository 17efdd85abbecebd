import { describe, expect, it } from 'vitest';
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
