import { configError } from '../errors.js';

/** Methods that only read: a cross-site request with them changes nothing. */
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS', 'TRACE']);

/**
 * The origins an app trusts to send unsafe requests with the session cookie (its own front end on
 * another host, say), normalised once. Each must be a full origin such as
 * `'https://app.example.com'`.
 */
export function trustedOriginsOf(origins: unknown): ReadonlySet<string> {
  if (origins === undefined) return new Set();
  if (!Array.isArray(origins)) {
    throw configError(
      'trustedOrigins',
      "must be an array of origins such as ['https://app.example.com']",
    );
  }
  const trusted = new Set<string>();
  for (const origin of origins as unknown[]) {
    const parsed = typeof origin === 'string' ? parseUrl(origin) : null;
    if (!parsed || !/^https?:$/.test(parsed.protocol) || parsed.origin !== stripSlash(origin)) {
      throw configError(
        'trustedOrigins',
        `${JSON.stringify(origin)} is not an origin: write scheme, host and port only, such as 'https://app.example.com'`,
      );
    }
    trusted.add(parsed.origin);
  }
  return trusted;
}

/**
 * Whether a request that carries the session cookie came from another site and would change
 * something: an unsafe method with `Sec-Fetch-Site: cross-site` or `same-site` (a sibling
 * subdomain, another localhost port), or, from a browser that sends no `Sec-Fetch-Site`, an
 * `Origin` whose host is not the request's own. SameSite=Lax alone covers neither a sibling
 * subdomain nor another port. Requests without either header (not from a browser) pass.
 *
 * `request.header` reads one header by lower-case name (an `HttpExchange` is one); a safe
 * method reads none, which keeps the check off most requests' path.
 *
 * @example
 * ```ts
 * if (isCrossSiteWrite(x.method, x, settings.trustedOrigins)) return forbidden();
 * ```
 */
export function isCrossSiteWrite(
  method: string,
  request: { header(name: string): string | undefined },
  trusted: ReadonlySet<string>,
): boolean {
  if (SAFE_METHODS.has(method)) return false;
  const secFetchSite = request.header('sec-fetch-site');
  if (secFetchSite === 'same-origin' || secFetchSite === 'none') return false;
  const origin = request.header('origin');
  if (origin !== undefined && trusted.has(origin)) return false;
  if (secFetchSite === 'cross-site' || secFetchSite === 'same-site') return true;
  if (origin === undefined) return false;
  return hostOf(origin) !== request.header('host')?.toLowerCase();
}

/** The host (with port) of an Origin header; null for `null` or anything unparseable. */
function hostOf(origin: string): string | null {
  return parseUrl(origin)?.host ?? null;
}

function parseUrl(value: string): URL | null {
  try {
    return new URL(value);
  } catch {
    return null;
  }
}

function stripSlash(value: unknown): unknown {
  return typeof value === 'string' && value.endsWith('/') ? value.slice(0, -1) : value;
}

/** The 403 body for a refused cross-site write. */
export function crossOriginBody(): { error: { code: string; message: string } } {
  return {
    error: {
      code: 'CROSS_ORIGIN_REQUEST',
      message:
        'This request came from another site and was refused. Go back to the page and try again.',
    },
  };
}
