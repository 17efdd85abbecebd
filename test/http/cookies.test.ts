import { parseCookie } from 'cookie';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { readCookie } from '../../src/http/cookies.js';

const NAME = '__Host-sid';

describe('readCookie', () => {
  it('reads a cookie by its exact name', () => {
    expect(readCookie(`${NAME}=abc`, NAME)).toBe('abc');
    expect(readCookie(`a=1; ${NAME}=abc; b=2`, NAME)).toBe('abc');
    expect(readCookie(`a=1;${NAME}=abc`, NAME)).toBe('abc');
    expect(readCookie(`a=1; ${NAME} = abc ;b=2`, NAME)).toBe('abc');
    expect(readCookie('a=1; b=2', NAME)).toBeUndefined();
    expect(readCookie(undefined, NAME)).toBeUndefined();
  });

  it('never takes a name that only appears inside another cookie value (a tossed cookie)', () => {
    expect(readCookie(`a=x ${NAME}=EVIL; ${NAME}=good`, NAME)).toBe('good');
    expect(readCookie(`a=x ${NAME}=EVIL`, NAME)).toBeUndefined();
    expect(readCookie(`a=${NAME}=EVIL; ${NAME}=good`, NAME)).toBe('good');
    expect(readCookie(`x${NAME}=EVIL; ${NAME}x=EVIL; ${NAME}=good`, NAME)).toBe('good');
  });

  it('takes the first of several cookies with the name', () => {
    expect(readCookie(`${NAME}=first; ${NAME}=second`, NAME)).toBe('first');
  });

  it('reads what the cookie package (used by Express) reads, on any header', () => {
    const piece = fc.constantFrom(NAME, 'sid', 'a', '=', ';', ' ', '\t', 'x', '"', '%', '-');
    const header = fc.array(piece, { maxLength: 24 }).map((parts) => parts.join(''));
    fc.assert(
      fc.property(header, fc.constantFrom(NAME, 'sid', 'a'), (value, name) => {
        const expected = parseCookie(value, { decode: (s) => s })[name];
        expect(readCookie(value, name)).toBe(expected);
      }),
      { numRuns: 20_000 },
    );
  });
});
