import { isIP } from 'node:net';
import Bowser from 'bowser';

/**
 * The device kinds the library recognises from a User-Agent. An app may pass its own kind
 * (for example `'kiosk'`) and use it in `perDevice`.
 *
 * @example
 * ```ts
 * const caps: Partial<Record<DeviceKind, number>> = { mobile: 1, desktop: 2 };
 * const policy: Policy = { perDevice: caps };
 * ```
 */
export type DeviceKind = 'mobile' | 'tablet' | 'desktop' | 'other';

/**
 * What the app knows about the device a login comes from. All fields are optional.
 *
 * @example
 * ```ts
 * await limiter.open({ userId, device: { userAgent: req.get('user-agent'), ip: req.ip } });
 * await limiter.open({ userId, device: { kind: 'kiosk', label: 'Front desk kiosk' } });
 * ```
 */
export interface DeviceInput {
  /** The request's User-Agent header; the kind and label are read from it. */
  userAgent?: string | undefined;
  /** The client's IP address, kept for the "your sessions" list. Anything not an IP is dropped. */
  ip?: string | undefined;
  /** The app's own kind, overriding the one read from the User-Agent. */
  kind?: string | undefined;
  /** The app's own label, overriding the one read from the User-Agent (same safe characters). */
  label?: string | undefined;
}

/**
 * The device of a session, as shown in a "your sessions" list.
 *
 * @example
 * ```ts
 * const { kind, label } = session.device; // 'desktop', 'Chrome 131 on macOS'
 * ```
 */
export interface DeviceInfo {
  /** `'mobile' | 'tablet' | 'desktop' | 'other'`, or the app's own kind. */
  kind: DeviceKind | (string & {});
  /**
   * A label a person recognises, such as `Chrome 131 on macOS`: letters, digits, spaces and
   * `. - _ ( ) /` only, at most 100 characters.
   */
  label: string;
  /** The IP address the session was opened from, when known. */
  ip?: string;
}

// User-Agent headers can be arbitrarily long; nothing useful lies past this.
const MAX_USER_AGENT = 512;
const MAX_LABEL = 100;
const MAX_KIND = 32;
const KIND_PATTERN = /^[a-z0-9][a-z0-9_-]*$/i;
// eslint-disable-next-line no-control-regex
const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f]/g;
// A label travels into messages, 401 bodies, the notice cookie, HTML lists and logs: it keeps
// letters, digits, spaces and . - _ ( ) / only, so it can never carry markup.
const UNSAFE_IN_LABEL = /[^\p{L}\p{Nd} ._()/-]+/gu;
const UNKNOWN_DEVICE = 'Unknown device';

const BROWSER_NAMES: Record<string, string> = {
  'Microsoft Edge': 'Edge',
  'Samsung Internet for Android': 'Samsung Internet',
};
// Bowser names an unknown client after its first product token, as sent: only these are real.
const KNOWN_BROWSERS: ReadonlySet<string> = new Set(Object.values(Bowser.BROWSER_MAP));
const KINDS: ReadonlySet<string> = new Set(['mobile', 'tablet', 'desktop']);

/**
 * Reads a device's kind and label from what the app knows about it. The label, read from the
 * User-Agent or given by the app, keeps only letters, digits, spaces and `. - _ ( ) /`, at most
 * 100 characters; a browser it does not know reads `Unknown browser on Linux` (or the system).
 * The kind is what the client claims: it comes from the User-Agent, which the client controls.
 *
 * @example
 * ```ts
 * describeDevice({ userAgent: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0' });
 * // { kind: 'desktop', label: 'Firefox 133 on Windows' }
 * ```
 */
export function describeDevice(input: DeviceInput = {}): DeviceInfo {
  const userAgent = cleanText(input.userAgent, MAX_USER_AGENT);
  const parsed = userAgent ? parseUserAgent(userAgent) : { kind: 'other', label: '' };
  const info: DeviceInfo = {
    kind: normaliseKind(input.kind) ?? parsed.kind,
    label: safeLabel(input.label) || safeLabel(parsed.label) || UNKNOWN_DEVICE,
  };
  const ip = typeof input.ip === 'string' ? input.ip.trim() : '';
  if (ip && isIP(ip)) info.ip = ip;
  return info;
}

function parseUserAgent(userAgent: string): { kind: string; label: string } {
  const result = Bowser.parse(userAgent);
  const platform = result.platform.type ?? '';
  const kind = KINDS.has(platform) ? platform : 'other';
  const rawBrowser = result.browser.name ?? '';
  const os = result.os.name ?? '';
  if (KNOWN_BROWSERS.has(rawBrowser)) {
    const browser = BROWSER_NAMES[rawBrowser] ?? rawBrowser;
    const major = /^\d+/.exec(result.browser.version ?? '')?.[0];
    const named = major ? `${browser} ${major}` : browser;
    return { kind, label: os ? `${named} on ${os}` : named };
  }
  if (os) return { kind, label: `Unknown browser on ${os}` };
  // Not a browser (curl, an HTTP library, an app): its first product token reads well enough.
  const product = /^([\w.-]+)\/([\w.-]+)/.exec(userAgent);
  return { kind, label: product ? `${product[1]} ${product[2]}` : UNKNOWN_DEVICE };
}

function normaliseKind(kind: unknown): string | undefined {
  if (typeof kind !== 'string') return undefined;
  const trimmed = kind.trim().toLowerCase();
  return trimmed.length <= MAX_KIND && KIND_PATTERN.test(trimmed) ? trimmed : undefined;
}

/** Drops control characters and surrounding space, and bounds the length. */
function cleanText(value: unknown, max: number): string {
  if (typeof value !== 'string') return '';
  return value
    .slice(0, max * 2)
    .replace(CONTROL_CHARACTERS, '')
    .trim()
    .slice(0, max);
}

/** The label's safe characters (others become a space), at most MAX_LABEL; '' if none is left. */
function safeLabel(value: unknown): string {
  const text = cleanText(value, MAX_LABEL * 4)
    .replace(UNSAFE_IN_LABEL, ' ')
    .replace(/ {2,}/g, ' ')
    .trim();
  // A cut may halve a surrogate pair: drop the half.
  return text.slice(0, MAX_LABEL).replace(UNSAFE_IN_LABEL, '').trim();
}
