import { describe, expect, it } from 'vitest';
import { isCrossSiteWrite, trustedOriginsOf } from '../../src/http/origin.js';

const none = new Set<string>();
const check = (
  method: string,
  secFetchSite: string | undefined,
  origin: string | undefined,
  trusted: ReadonlySet<string> = none,
) => {
  const headers: Record<string, string | undefined> = {
    'sec-fetch-site': secFetchSite,
    origin,
    host: 'app.example.com',
  };
  return isCrossSiteWrite(method, { header: (name) => headers[name] }, trusted);
};

describe('isCrossSiteWrite', () => {
  it('refuses unsafe methods marked cross-site or same-site by Sec-Fetch-Site', () => {
    for (const method of ['POST', 'PUT', 'PATCH', 'DELETE']) {
      expect(check(method, 'cross-site', 'https://evil.example')).toBe(true);
      expect(check(method, 'same-site', 'https://other.example.com')).toBe(true);
      expect(check(method, 'same-origin', 'https://app.example.com')).toBe(false);
      expect(check(method, 'none', undefined)).toBe(false);
    }
  });

  it('never refuses a safe method', () => {
    for (const method of ['GET', 'HEAD', 'OPTIONS']) {
      expect(check(method, 'cross-site', 'https://evil.example')).toBe(false);
    }
  });

  it('reads no header for a safe method (the check stays off most requests)', () => {
    const read: string[] = [];
    const header = (name: string) => {
      read.push(name);
      return 'cross-site';
    };
    expect(isCrossSiteWrite('GET', { header }, none)).toBe(false);
    expect(read).toEqual([]);
    expect(isCrossSiteWrite('POST', { header }, none)).toBe(true);
    expect(read).toEqual(['sec-fetch-site', 'origin']);
  });

  it('falls back to comparing the Origin with the Host when Sec-Fetch-Site is missing', () => {
    expect(check('POST', undefined, 'https://evil.example')).toBe(true);
    expect(check('POST', undefined, 'https://app.example.com:8443')).toBe(true);
    expect(check('POST', undefined, 'null')).toBe(true);
    expect(check('POST', undefined, 'https://app.example.com')).toBe(false);
    expect(check('POST', undefined, undefined)).toBe(false);
  });

  it('lets trusted origins through', () => {
    const trusted = trustedOriginsOf(['https://admin.example.com']);
    expect(check('POST', 'same-site', 'https://admin.example.com', trusted)).toBe(false);
    expect(check('POST', undefined, 'https://admin.example.com', trusted)).toBe(false);
    expect(check('POST', 'same-site', 'https://other.example.com', trusted)).toBe(true);
  });

  it('accepts only whole origins as trusted', () => {
    expect([...trustedOriginsOf(['https://a.example.com/', 'http://localhost:5173'])]).toEqual([
      'https://a.example.com',
      'http://localhost:5173',
    ]);
    for (const bad of [
      ['a.example.com'],
      ['https://a.example.com/path'],
      ['ftp://x'],
      [1],
      'https://a',
    ]) {
      expect(() => trustedOriginsOf(bad)).toThrow(/trustedOrigins/);
    }
  });
});
