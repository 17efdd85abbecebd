/**
 * The session cookie: `__Host-<name>` (Secure, HttpOnly, SameSite=Lax, Path=/, no Domain), so
 * no subdomain and no plain-http page can set or read it. Browsers refuse `__Host-` cookies on
 * plain http, so on http://localhost (and 127.0.0.1, ::1, *.localhost) during development the
 * cookie is named `<name>` and has no Secure flag. Any other plain-http request still gets the
 * secure cookie: behind a TLS-terminating proxy, set Express's `trust proxy` so `req.secure`
 * is right.
 */
export interface CookieSettings {
  /** Base name; the secure cookie is `__Host-<name>`. Default `'sid'`. */
  name: string;
  /** Cookie lifetime in seconds, or null for a browser-session cookie (the default). */
  maxAge: number | null;
  /** Use the unprefixed, non-Secure fallback on plain http to a loopback host. Default true. */
  insecureLocalhost: boolean;
}

const NAME_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;
const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '::1', '[::1]']);

/** Whether `name` is a safe cookie base name. */
export function isCookieName(name: unknown): name is string {
  return typeof name === 'string' && NAME_PATTERN.test(name);
}

/** Whether a request to `hostname` over plain http may use the development fallback. */
export function isLoopbackHost(hostname: string | undefined): boolean {
  if (!hostname) return false;
  return LOOPBACK_HOSTS.has(hostname) || hostname.endsWith('.localhost');
}

/** The cookie name for a request: `__Host-<name>` unless on the http-loopback fallback. */
export function cookieNameFor(settings: CookieSettings, useFallback: boolean): string {
  return useFallback ? settings.name : `__Host-${settings.name}`;
}

/**
 * Reads one cookie from a Cookie header without parsing the rest (this runs on every request).
 * Returns undefined when absent. Values are not decoded: tokens are base64url.
 */
export function readCookie(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  const key = `${name}=`;
  let from = 0;
  while (from < header.length) {
    const at = header.indexOf(key, from);
    if (at === -1) return undefined;
    const boundary =
      at === 0 || header.charCodeAt(at - 1) === 32 || header.charCodeAt(at - 1) === 59;
    if (boundary) {
      const end = header.indexOf(';', at);
      return header.slice(at + key.length, end === -1 ? undefined : end).trim();
    }
    from = at + key.length;
  }
  return undefined;
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
