// Hostile requests for property-based tests, and the one rule every answer must meet: a 2xx, a
// 303 to a same-origin path, or a 4xx with a stable code; a 5xx only as 503 STORE_UNAVAILABLE.
import fc from 'fast-check';
import type { RawAnswer, RawRequest } from './raw.js';

/** What a test knows of the server under attack, to mix real credentials into the junk. */
export interface Known {
  /** The session cookie's name (`__Host-sid`). */
  cookieName: string;
  /** Cookie tokens: of a live session, of a revoked one. */
  live: string;
  revoked: string;
  /** The whole Cookie header of the live session's browser, when it takes more than one cookie. */
  liveCookies?: string;
  /** A live session's public id. */
  liveId: string;
  /** JWTs, when the server takes bearer tokens. */
  accessToken?: string;
  refreshToken?: string;
  revokedAccessToken?: string;
  /** The routes worth hitting. */
  paths: string[];
  /** Names the app signs in (its password check aside). */
  usernames: string[];
}

/** The session routes of every app under attack: the demo's and the adapter suite's. */
export const SESSION_PATHS: readonly string[] = [
  '/api/me',
  '/api/login',
  '/api/logout',
  '/api/sessions',
  '/api/sessions/revoke-others',
  '/api/events',
];

const CLASSIC = [
  '',
  ' ',
  '=',
  ';',
  ';;;',
  '"',
  '%',
  '%E0%A4%A',
  '%00',
  '\0',
  '\t',
  '\x7f',
  '\u00ff',
  '\u2028',
  '\ud800',
  '😀',
  'null',
  'undefined',
  '[object Object]',
  '__proto__',
  'constructor',
  '../../etc/passwd',
  '<script>alert(1)</script>',
  '<img src=x onerror=alert(1)>/1 (x',
  "' OR '1'='1",
  '${7*7}',
  'a'.repeat(300),
];

const SEPARATORS = [
  ';',
  '=',
  ' ',
  ',',
  '"',
  '%',
  '\\',
  '\t',
  '\0',
  '\x7f',
  '\u00e9',
  '<',
  '>',
  '/',
  '.',
  ':',
  '@',
];

/** Text from nowhere good: random code units, any Unicode, separators, classic payloads. */
export function junk(maxLength = 200): fc.Arbitrary<string> {
  return fc.oneof(
    fc.string({ maxLength }),
    fc.string({ unit: 'binary', maxLength }),
    fc.string({ unit: fc.constantFrom(...SEPARATORS), maxLength }),
    fc.constantFrom(...CLASSIC),
  );
}

/** Text long enough to strain a limit: 2 KB to 20 KB (Node refuses headers past 16 KB). */
export const oversized: fc.Arbitrary<string> = fc
  .tuple(fc.integer({ min: 2_000, max: 20_000 }), fc.constantFrom('x', 'a=b; ', '%', ';'))
  .map(([length, piece]) => piece.repeat(Math.ceil(length / piece.length)).slice(0, length));

const base64url = (minLength: number, maxLength: number) =>
  fc.string({
    unit: fc.constantFrom(
      ...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'.split(''),
    ),
    minLength,
    maxLength,
  });

/** Something shaped like a session token (`<28>.<43>` base64url) that no session has. */
export const tokenShaped: fc.Arbitrary<string> = fc
  .tuple(base64url(28, 28), base64url(43, 43))
  .map(([id, secret]) => `${id}.${secret}`);

/** A real token with one character changed, dropped or added. */
export function tampered(token: string): fc.Arbitrary<string> {
  return fc
    .tuple(fc.nat({ max: token.length - 1 }), fc.constantFrom('A', '.', '', 'AA', '%'))
    .map(([at, put]) => token.slice(0, at) + put + token.slice(at + 1))
    .filter((t) => t !== token);
}

/** Something shaped like a JWT: three base64url parts, with a header that may ask for `none`. */
export const jwtShaped: fc.Arbitrary<string> = fc
  .tuple(
    fc.constantFrom('{"alg":"none","typ":"JWT"}', '{"alg":"HS256"}', '{"alg":"RS256"}', '{}', '['),
    fc.jsonValue({ maxDepth: 2 }),
    base64url(0, 50),
  )
  .map(
    ([header, payload, signature]) =>
      `${Buffer.from(header).toString('base64url')}.${Buffer.from(JSON.stringify(payload)).toString('base64url')}.${signature}`,
  );

/** A Cookie header: pairs of real and junk names and values, pure junk, or far too much. */
export function cookieHeader(known: Known): fc.Arbitrary<string> {
  const names = fc.oneof(
    fc.constantFrom(
      known.cookieName,
      known.cookieName.replace('__Host-', ''),
      `${known.cookieName}-notice`,
      known.cookieName.toLowerCase(),
      ` ${known.cookieName}`,
      `${known.cookieName} `,
      `a=x ${known.cookieName}`,
    ),
    junk(30),
  );
  const values = fc.oneof(
    fc.constantFrom(known.live, known.revoked, `"${known.live}"`, `${known.live}; x`),
    tokenShaped,
    tampered(known.live),
    junk(100),
  );
  const pairs = fc
    .tuple(
      fc.array(fc.tuple(names, values), { maxLength: 6 }),
      fc.constantFrom('; ', ';', ' ', ', ', ';\t'),
    )
    .map(([list, separator]) => list.map(([name, value]) => `${name}=${value}`).join(separator));
  const whole = known.liveCookies
    ? [
        {
          arbitrary: fc
            .tuple(pairs, fc.constant(known.liveCookies))
            .map(([p, l]) => (p ? `${p}; ${l}` : l)),
          weight: 2,
        },
      ]
    : [];
  return fc.oneof({ arbitrary: pairs, weight: 6 }, junk(300), oversized, ...whole);
}

/** An Authorization header: real, tampered, none-signed, junk, or oversized bearer tokens. */
export function authorization(known: Known): fc.Arbitrary<string> {
  const real = [known.accessToken, known.revokedAccessToken, known.refreshToken].filter(
    (t): t is string => t !== undefined,
  );
  const tokens = fc.oneof(
    fc.constantFrom(...real, known.live),
    ...(known.accessToken ? [tampered(known.accessToken)] : []),
    jwtShaped,
    junk(200),
    oversized,
  );
  return fc.oneof(
    tokens.map((t) => `Bearer ${t}`),
    fc
      .tuple(fc.constantFrom('bearer ', 'Bearer', 'Bearer  ', 'Basic ', 'BEARER '), tokens)
      .map(([scheme, t]) => scheme + t),
    junk(100),
  );
}

const HEADER_NAMES = [
  'accept',
  'origin',
  'referer',
  'host',
  'sec-fetch-site',
  'sec-fetch-mode',
  'x-forwarded-proto',
  'x-forwarded-host',
  'x-forwarded-for',
  'x-forwarded-port',
  'forwarded',
  'x-requested-with',
  'content-type',
  'content-encoding',
];
const HEADER_VALUES = [
  'text/html',
  'text/event-stream',
  'application/json',
  'text/html, application/json',
  '*/*',
  'navigate',
  'cors',
  'cross-site',
  'same-site',
  'same-origin',
  'none',
  'null',
  'https://evil.example',
  'http://127.0.0.1',
  'https',
  'http',
  'evil.example',
  '127.0.0.1',
  'localhost:1',
  '[::1]',
  'for=1.2.3.4;proto=https;host=evil.example',
  'gzip',
  'text/plain',
  'application/x-www-form-urlencoded',
];

/** A request aimed at `known.paths`, with hostile cookies, tokens, agents, headers and bodies. */
export function hostileRequest(known: Known): fc.Arbitrary<RawRequest> {
  const id = fc.oneof(
    fc.constantFrom(known.liveId, '%E0%A4%A', '%', '..', '%2F', '%00', 'x'.repeat(300)),
    tokenShaped,
    junk(80).map(encodePart),
  );
  const path = fc.oneof(
    { arbitrary: fc.constantFrom(...known.paths), weight: 6 },
    { arbitrary: id.map((i) => `/api/sessions/${i}`), weight: 2 },
    fc.tuple(fc.constantFrom(...known.paths), junk(40)).map(([p, q]) => `${p}?q=${encodePart(q)}`),
    fc.constantFrom('/%E0', '//evil.example/api/me', '/api/../api/me', '/api/me/', '/API/ME'),
  );
  // Most bodies parse, so that most requests get past the app's body parser to the adapter.
  const body = fc.oneof(
    { arbitrary: fc.constant(undefined), weight: 4 },
    { arbitrary: fc.json({ maxDepth: 3 }), weight: 2 },
    {
      arbitrary: fc
        .record(
          {
            username: fc.oneof(fc.constantFrom(...known.usernames), junk(40), fc.jsonValue()),
            password: fc.oneof(fc.constantFrom(...known.usernames), junk(40)),
            replace: fc.oneof(id, fc.jsonValue({ maxDepth: 2 })),
          },
          { requiredKeys: [] },
        )
        .map((b) => JSON.stringify(b)),
      weight: 3,
    },
    junk(300),
    oversized,
  );
  const header = fc.tuple(
    fc.constantFrom(...HEADER_NAMES),
    fc.oneof(fc.constantFrom(...HEADER_VALUES), junk(80)),
  );
  return fc
    .record({
      method: fc.oneof(
        { arbitrary: fc.constantFrom('GET', 'POST', 'DELETE', 'PUT', 'PATCH'), weight: 8 },
        fc.constantFrom('HEAD', 'OPTIONS', 'TRACE', 'FOO', 'get'),
      ),
      path,
      // Two Cookie headers now and then: the server joins them with `; `.
      cookies: fc.array(cookieHeader(known), { maxLength: 2 }),
      authorization: fc.option(authorization(known), { freq: 3 }),
      userAgent: fc.option(fc.oneof(junk(300), oversized), { freq: 3 }),
      headers: fc.array(header, { maxLength: 4 }),
      body,
      // Control bytes in a header make the server refuse the request before the app sees it:
      // kept in one request of five, dropped from the rest so they reach the adapter.
      keepControlBytes: fc.nat({ max: 4 }).map((n) => n === 0),
    })
    .map(
      ({
        method,
        path: p,
        cookies,
        authorization: auth,
        userAgent,
        headers,
        body: b,
        keepControlBytes,
      }) => {
        const all: [string, string][] = [...headers];
        for (const cookie of cookies) all.push(['Cookie', cookie]);
        if (auth !== null) all.push(['Authorization', auth]);
        if (userAgent !== null) all.push(['User-Agent', userAgent]);
        if (b !== undefined && !headers.some(([n]) => n === 'content-type')) {
          all.push(['Content-Type', 'application/json']);
        }
        // CR and LF would end the header early: what follows is framing, Node's concern.
        const clean = (value: string) => {
          const line = value.replace(/[\r\n]/g, ' ');
          return keepControlBytes ? line : line.replace(CONTROL_BYTES, '');
        };
        const headersOnOneLine = all.map(([n, v]): [string, string] => [n, clean(v)]);
        return {
          method,
          path: p,
          headers: headersOnOneLine,
          ...(b === undefined ? {} : { body: b }),
        };
      },
    );
}

/** Bytes a header value may not hold (HTAB is allowed). */
// eslint-disable-next-line no-control-regex
const CONTROL_BYTES = /[\x00-\x08\x0a-\x1f\x7f]/g;

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/** Percent-encodes text for a URL; a lone surrogate (which cannot be encoded) becomes U+FFFD. */
function encodePart(text: string): string {
  return encodeURIComponent(text.replace(LONE_SURROGATE, '\uFFFD'));
}

/** Status codes the server answers by itself, before any app code runs. */
const SERVER_REFUSALS = new Set([400, 413, 414, 431]);
/** Fastify's own answer to bytes it cannot parse (Node's has no body at all). */
const FASTIFY_REFUSAL =
  /^\{"error":"[A-Za-z ]+","message":"(Client Error|Exceeded maximum allowed HTTP header size)","statusCode":4\d\d\}$/;

/** Whether the server refused a request it could not parse before any app code ran. */
export function refusedByServer({ status, body }: RawAnswer): boolean {
  return SERVER_REFUSALS.has(status) && (body === '' || FASTIFY_REFUSAL.test(body));
}

/**
 * Why an answer breaks the rule, or null when it keeps it: a 2xx; a 303 to a same-origin path;
 * a 4xx whose JSON body carries one of `codes` in `error.code` (or the server's own refusal of a
 * request it cannot parse); a 503 with `STORE_UNAVAILABLE`. Never a hang, a dropped connection or
 * another 5xx.
 */
export function ruleBroken(
  answer: RawAnswer | 'closed' | 'hang',
  method: string,
  codes: ReadonlySet<string>,
): string | null {
  if (answer === 'closed' || answer === 'hang') return `no answer (${answer})`;
  const { status, headers, body } = answer;
  if (status >= 200 && status < 300) return null;
  // A HEAD answer has the headers of the GET answer and no body.
  if (method === 'HEAD') return status >= 500 && status !== 503 ? `${status} to HEAD` : null;
  if (status >= 300 && status < 400) {
    const location = headers.location ?? '';
    return status === 303 && location.startsWith('/') && !/^\/[/\\]/.test(location)
      ? null
      : `${status} to ${JSON.stringify(location)}`;
  }
  if (status >= 500 && status !== 503) return `${status}: ${body.slice(0, 200)}`;
  if (refusedByServer(answer)) return null;
  const json = headers['content-type']?.includes('application/json') === true;
  if (!json) return `${status} without a JSON code: ${body.slice(0, 120)}`;
  let code: unknown;
  try {
    code = (JSON.parse(body) as { error?: { code?: unknown } } | null)?.error?.code;
  } catch {
    return `${status} with a body that is not JSON: ${body.slice(0, 120)}`;
  }
  if (typeof code !== 'string' || !codes.has(code)) {
    return `${status} without a code of the library or the app: ${body.slice(0, 120)}`;
  }
  if (status === 503 && code !== 'STORE_UNAVAILABLE') return `${status} ${code}`;
  return status >= 400 ? null : `${status} ${code}`;
}
