import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { describeDevice } from '../../src/index.js';

/** Every label is made of these only: letters, digits, spaces, `.`, `-`, `_`, `(`, `)`, `/`. */
const SAFE_LABEL = /^[\p{L}\p{Nd} ._()/-]{1,100}$/u;

interface Case {
  ua: string;
  kind: string;
  browser: string | null;
  os: string | null;
}
const { cases } = JSON.parse(
  readFileSync(new URL('../fixtures/user-agents.json', import.meta.url), 'utf8'),
) as { cases: Case[] };

describe('device labels from real User-Agents', () => {
  for (const c of cases) {
    it(`${c.browser ?? 'non-browser'} on ${c.os ?? 'unknown'} (${c.kind}): ${c.ua.slice(0, 50) || 'empty'}`, () => {
      const device = describeDevice({ userAgent: c.ua });
      expect(device.kind).toBe(c.kind);
      if (c.browser && c.os) {
        expect(device.label).toMatch(new RegExp(`^${c.browser} \\d+ on ${c.os}$`));
      } else {
        expect(device.label.length).toBeGreaterThan(0);
        expect(device.label.length).toBeLessThanOrEqual(100);
      }
    });
  }

  it('reads as a person would: "Chrome 131 on macOS"', () => {
    expect(describeDevice({ userAgent: cases[0]!.ua }).label).toBe('Chrome 131 on macOS');
  });

  it('names non-browser clients by their product', () => {
    expect(describeDevice({ userAgent: 'curl/8.5.0' }).label).toBe('curl 8.5.0');
    expect(describeDevice({ userAgent: '' }).label).toBe('Unknown device');
    expect(describeDevice().label).toBe('Unknown device');
  });

  it('never copies markup from the User-Agent into the label', () => {
    const hostile = describeDevice({ userAgent: '<img src=x onerror=alert(1)>/1 (x' });
    expect(hostile.label).toMatch(SAFE_LABEL);
    expect(hostile.label).toBe('Unknown device');
  });

  it('names a browser it does not know by its system only', () => {
    expect(describeDevice({ userAgent: 'Mozilla/5.0 (X11; Linux x86_64) Weird/1.0' }).label).toBe(
      'Unknown browser on Linux',
    );
    expect(
      describeDevice({ userAgent: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) <b>/1.0' }).label,
    ).toBe('Unknown browser on Windows');
  });

  it("keeps only safe characters of the app's own label", () => {
    expect(describeDevice({ label: '<b onclick="x()">Front desk</b> “é” 🖥' }).label).toBe(
      'b onclick x() Front desk /b é',
    );
    expect(describeDevice({ label: '<>&"' }).label).toBe('Unknown device');
  });

  it('gives labels of safe characters only, whatever the input (property)', () => {
    const piece = fc.oneof(
      fc.constantFrom(
        'Mozilla/5.0 ',
        '(X11; Linux x86_64) ',
        '(iPhone; CPU iPhone OS 17_5 like Mac OS X) ',
        'AppleWebKit/537.36 (KHTML, like Gecko) ',
        'Chrome/131.0.0.0 ',
        'Firefox/',
        'Safari/604.1',
        'curl/8',
        '<script>alert(1)</script>',
        '<img src=x onerror=alert(1)>',
        '"\'&;=',
        '/',
        ' (',
        ')',
        '\u0000\u001b[31m',
        '\u202e',
        '\uD83D',
      ),
      fc.string({ unit: 'binary', maxLength: 12 }),
    );
    const text = fc.oneof(
      fc.array(piece, { maxLength: 12 }).map((parts) => parts.join('')),
      fc.string({ unit: 'binary', maxLength: 300 }),
    );
    fc.assert(
      fc.property(text, fc.option(text, { nil: undefined }), (userAgent, label) => {
        expect(describeDevice({ userAgent, label }).label).toMatch(SAFE_LABEL);
      }),
      { numRuns: 3_000 },
    );
  });

  it("takes the app's own kind and label, and keeps only real IPs", () => {
    expect(describeDevice({ kind: 'Kiosk', label: 'Front desk', ip: '203.0.113.7' })).toEqual({
      kind: 'kiosk',
      label: 'Front desk',
      ip: '203.0.113.7',
    });
    expect(describeDevice({ ip: 'not an ip' }).ip).toBeUndefined();
    expect(describeDevice({ ip: '2001:db8::1' }).ip).toBe('2001:db8::1');
  });

  it('survives hostile input: huge, control characters, wrong types', () => {
    const huge = describeDevice({ userAgent: `Mozilla/5.0 ${'(x; '.repeat(100_000)}` });
    expect(huge.label.length).toBeLessThanOrEqual(100);
    const control = describeDevice({ userAgent: 'evil\u0000\u001b[31m/1.0', label: 'a\nb' });
    expect(control.label).toBe('ab');
    // eslint-disable-next-line @typescript-eslint/no-unsafe-argument, @typescript-eslint/no-explicit-any
    const typed = describeDevice({ userAgent: 42, kind: {}, ip: [] } as any);
    expect(typed).toEqual({ kind: 'other', label: 'Unknown device' });
    expect(describeDevice({ kind: '../../etc' }).kind).toBe('other');
  });
});
