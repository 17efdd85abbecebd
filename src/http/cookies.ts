/**
 * The session cookie: `__Host-<name>` (Secure, HttpOnly, SameSite=Lax, Path=/, no Domain), so
 * no subdomain and no plain-http page can set or read it. Browsers and curl accept Secure
 * cookies on http://localhost and 127.0.0.1, so this is the cookie in development too. An app
 * may opt in to a plain-http development cookie (`secure: false`): named `<name>`, no Secure
 * flag; never chosen from a Host header, which a proxy may rewrite.
 */
export interface CookieSettings {
  /** Base name; the secure cookie is `__Host-<name>`. Default `'sid'`. */
  name: string;
  /** Cookie lifetime in seconds, or null for a browser-session cookie (the default). */
  maxAge: number | null;
  /** `__Host-` prefix and the Secure flag. Default true; false only by the app's explicit choice. */
  secure: boolean;
}

const NAME_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;

/** Whether `name` is a safe cookie base name. */
export function isCookieName(name: unknown): name is string {
  return typeof name === 'string' && NAME_PATTERN.test(name);
}

/** The cookie's full name: `__Host-<name>`, or `<name>` for the opted-in plain-http cookie. */
export function cookieNameFor(settings: CookieSettings): string {
  return settings.secure ? `__Host-${settings.name}` : settings.name;
}

/**
 * Reads one cookie from a Cookie header by its exact name, without parsing the rest (this runs
 * on every request). The header is a list of `name=value` pairs split on `;`; a pair's name is
 * compared whole, after trimming spaces and tabs, and the first pair with the name wins (as
 * jshttp's `cookie` parser reads it). A name that only appears inside another cookie's value
 * (`a=x __Host-sid=EVIL`, a "tossed" cookie) is never taken. Returns undefined when absent.
 * Values are not decoded: tokens are base64url.
 */
export function readCookie(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  const length = header.length;
  let at = header.indexOf(name);
  while (at !== -1) {
    const end = header.indexOf(';', at);
    const pairEnd = end === -1 ? length : end;
    if (startsPair(header, at)) {
      const eq = skipBlanks(header, at + name.length);
      if (eq < pairEnd && header.charCodeAt(eq) === 61 /* = */) {
        return trimBlanks(header, eq + 1, pairEnd);
      }
    }
    if (end === -1) return undefined;
    at = header.indexOf(name, end + 1);
  }
  return undefined;
}

/** Whether only blanks stand between the pair's start (after a `;` or the header's start) and `at`. */
function startsPair(header: string, at: number): boolean {
  for (let i = at - 1; i >= 0; i--) {
    const code = header.charCodeAt(i);
    if (code === 59 /* ; */) return true;
    if (code !== 32 && code !== 9) return false;
  }
  return true;
}

function skipBlanks(header: string, from: number): number {
  let i = from;
  while (i < header.length && (header.charCodeAt(i) === 32 || header.charCodeAt(i) === 9)) i++;
  return i;
}

function trimBlanks(header: string, from: number, to: number): string {
  let start = skipBlanks(header, from);
  let end = to;
  while (end > start && (header.charCodeAt(end - 1) === 32 || header.charCodeAt(end - 1) === 9)) {
    end--;
  }
  if (start > end) start = end;
  return header.slice(start, end);
}

/** A Set-Cookie value that stores `value` under `name` with the library's attributes. */
export function serializeCookie(
  name: string,
  value: string,
  options: { secure: boolean; maxAge: number | null },
): string {
  let cookie = `${name}=${value}; Path=/; HttpOnly; SameSite=Lax`;
  if (options.secure) cookie += '; Secure';
  if (options.maxAge !== null) cookie += `; Max-Age=${Math.max(0, Math.floor(options.maxAge))}`;
  return cookie;
}

/** A Set-Cookie value that deletes the cookie. */
export function expireCookie(name: string, secure: boolean): string {
  return serializeCookie(name, '', { secure, maxAge: 0 });
}
