import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { describeDevice } from '../../src/index.js';

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
