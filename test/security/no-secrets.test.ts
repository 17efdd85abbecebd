// No secret in any output: sign-ins, checks, evictions, revokes, logouts and JWT rotation run
// through the limiter and the Express adapter (cookie and bearer mode, the event stream), with
// bad input and a failing store on the way. Everything the library says is captured (events,
// watch notices, console lines, onError, thrown errors with their causes, HTTP status lines,
// headers and bodies) and scanned for every token, its secret, the JWT key, and their SHA-256
// hashes in hex, base64 and base64url. Only the Set-Cookie that carries the session may hold
// its token.
import { createHash, randomBytes } from 'node:crypto';
import { format, inspect } from 'node:util';
import express, {
  type NextFunction,
  type Request,
  type Response as ExpressResponse,
} from 'express';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  createSessionLimiter,
  MemoryStore,
  SessionLimiterError,
  type SessionLimiter,
  type SessionStore,
} from '../../src/index.js';
import { sessionEvents, sessionLimit } from '../../src/adapters/express.js';
import { createJwtSessions, type JwtSessions } from '../../src/jwt/index.js';
import { Browser, listen } from '../support/browser.js';
import { mountSessionRoutes } from '../support/session-routes.js';
import { openEvents } from '../demo/support.js';

const EVENTS = ['opened', 'evicted', 'rejected', 'revoked', 'closed', 'expired'] as const;
const UA = 'Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0';

interface User {
  id: string;
}

/** The secrets in play, each with the forms a leak could take. */
class Secrets {
  readonly #needles = new Map<string, string>();

  /** A cookie token `<id>.<secret>`: the token and the secret, and their hashes. */
  addToken(token: string, label: string): void {
    this.#add(token, `${label} token`);
    this.#add(token.slice(token.indexOf('.') + 1), `${label} secret`);
  }

  /** A JWT: the token, its signature, and their hashes. */
  addJwt(token: string, label: string): void {
    this.#add(token, `${label} JWT`);
    this.#add(token.slice(token.lastIndexOf('.') + 1), `${label} JWT signature`);
  }

  addKey(key: string): void {
    this.#add(key, 'JWT key');
  }

  /** Every needle found in `text`, by what it is. */
  foundIn(text: string): string[] {
    const lower = text.toLowerCase();
    return [...this.#needles]
      .filter(([needle]) => (/^[0-9a-f]{64}$/.test(needle) ? lower : text).includes(needle))
      .map(([, label]) => label);
  }

  #add(value: string, label: string): void {
    this.#needles.set(value, label);
    const digest = createHash('sha256').update(value).digest();
    this.#needles.set(digest.toString('hex'), `SHA-256 (hex) of the ${label}`);
    this.#needles.set(digest.toString('base64'), `SHA-256 (base64) of the ${label}`);
    this.#needles.set(digest.toString('base64url'), `SHA-256 (base64url) of the ${label}`);
  }
}

/** Everything the library said, by where it said it. */
class Output {
  readonly entries: { source: string; text: string }[] = [];

  add(source: string, value: unknown): void {
    this.entries.push({ source, text: render(value) });
  }

  /** Runs `call`, recording what it returns or throws. */
  async call(source: string, call: () => Promise<unknown>): Promise<unknown> {
    try {
      const value = await call();
      this.add(source, value);
      return value;
    } catch (error) {
      this.add(`${source} (thrown)`, error);
      return error;
    }
  }
}

/** A value as every reader would see it: JSON, util.inspect, and an error's message, stack and causes. */
function render(value: unknown): string {
  const parts: string[] = [inspect(value, { depth: 10, showHidden: true })];
  try {
    const json = JSON.stringify(value) as string | undefined; // undefined for undefined
    parts.push(json ?? '');
  } catch {
    // circular: inspect has it
  }
  let error: unknown = value;
  while (error instanceof Error) {
    parts.push(error.message, error.stack ?? '');
    error = error.cause;
  }
  return parts.join('\n');
}

function token(result: { ok: boolean; token?: string }): string {
  if (!result.ok || !result.token) throw new Error('expected a session');
  return result.token;
}

/** A store that fails every call, as an unreachable server would. */
function failingStore(): SessionStore {
  const fail = () => Promise.reject(new Error('connect ECONNREFUSED 127.0.0.1:6379'));
  return {
    loadUser: fail,
    commitUser: fail,
    endSession: fail,
    find: fail,
    touch: fail,
    lapsed: fail,
    prune: fail,
  };
}

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  vi.restoreAllMocks();
  for (const close of closers.splice(0)) await close();
});

/** The limiter under watch: every event, watch notice, console line and onError recorded. */
function watchedLimiter(output: Output, store: SessionStore = new MemoryStore()) {
  const limiter = createSessionLimiter<User>({
    store,
    policy: (user) => (user.id.startsWith('solo') ? { max: 1 } : { max: Infinity }),
    onError: (error) => output.add('onError', error),
  });
  for (const event of EVENTS) limiter.on(event, (payload) => output.add(`event ${event}`, payload));
  closers.push(() => limiter.dispose());
  return limiter;
}

/** An app on the adapter: cookie routes, the event stream, and a bearer-mode `/bearer/me`. */
async function serve(limiter: SessionLimiter<User>, jwt: JwtSessions<User>): Promise<string> {
  const app = express();
  app.use(express.json());
  app.get('/bearer/me', sessionLimit(limiter, { mode: 'bearer', jwt }), (req, res) => {
    res.json({ session: req.sessionLimit.session, claims: req.sessionLimit.claims });
  });
  app.use(sessionLimit(limiter, { loginPath: '/login' }));
  app.post('/api/login', (req, res, next) => {
    const { username } = req.body as { username: string };
    req.sessionLimit
      .login({ id: username })
      .then((r) => res.json(r.ok ? { session: r.session } : { error: { code: r.code } }))
      .catch(next);
  });
  app.get('/api/me', (req, res) => res.json({ session: req.sessionLimit.session }));
  app.get('/login', (req, res) => res.type('html').send(`<p>${req.sessionLimit.notice ?? ''}</p>`));
  app.get('/api/events', sessionEvents());
  mountSessionRoutes(app);
  app.use((error: unknown, _req: Request, res: ExpressResponse, _next: NextFunction) => {
    const code = error instanceof SessionLimiterError ? error.code : 'INTERNAL';
    // An app that logs what it cannot answer: this log line is scanned too.
    console.error('request failed:', error);
    res
      .status(code === 'SESSION_NOT_FOUND' ? 404 : 500)
      .json({ error: { code, message: String(error) } });
  });
  const server = await listen(app);
  closers.push(server.close);
  return server.url;
}

describe('no secret in any output', () => {
  it('revoke never echoes a token or secret passed where a session id belongs', async () => {
    const limiter = createSessionLimiter({ policy: { max: 1 } });
    const opened = await limiter.open({ userId: 'u' });
    if (!opened.ok) throw new Error('setup');
    const secret = opened.token.slice(opened.token.indexOf('.') + 1);
    for (const value of [opened.token, secret]) {
      const error = await limiter.revoke('u', value).catch((e: unknown) => e);
      expect(error).toMatchObject({ code: 'SESSION_NOT_FOUND' });
      expect((error as Error).message).not.toContain(secret);
    }
    // A session id is public: naming it helps whoever reads the log.
    await expect(limiter.revoke('v', opened.session.id)).rejects.toThrow(opened.session.id);
    await limiter.dispose();
  });

  it('events, log lines, errors and HTTP answers carry no token, secret, key or hash of one', async () => {
    const output = new Output();
    for (const level of ['log', 'info', 'warn', 'error', 'debug'] as const) {
      vi.spyOn(console, level).mockImplementation((...args: unknown[]) =>
        output.add(`console.${level}`, format(...args)),
      );
    }
    const secrets = new Secrets();
    const key = randomBytes(32).toString('base64url');
    secrets.addKey(key);
    const limiter = watchedLimiter(output);
    const jwt = createJwtSessions(limiter, { secret: key, issuer: 'test', audience: 'test' });

    // The limiter, directly: an eviction at limit 1, checks of every kind, bad input.
    const device = { userAgent: UA, ip: '203.0.113.7' };
    const first = token(await limiter.open({ userId: 'solo', user: { id: 'solo' }, device }));
    secrets.addToken(first, 'evicted');
    const firstId = first.slice(0, first.indexOf('.'));
    limiter.watch(firstId, (ended) => output.add('watch', ended));
    const second = token(await limiter.open({ userId: 'solo', user: { id: 'solo' }, device }));
    secrets.addToken(second, 'live');
    const secondId = second.slice(0, second.indexOf('.'));
    for (const checked of [first, second, `${second}x`, second.replace(/.$/, 'A'), 'junk']) {
      await output.call('validate', () => limiter.validate(checked));
    }
    // A token passed where a session id belongs (a client sending its cookie as the id), a secret.
    await output.call('revoke', () => limiter.revoke('solo', second));
    await output.call('revoke', () =>
      limiter.revoke('solo', second.slice(second.indexOf('.') + 1)),
    );
    await output.call('revoke', () => limiter.revoke('somebody-else', secondId));
    await output.call('open', () => limiter.open({ userId: '', user: { id: '' } }));
    await output.call('list', () => limiter.list('solo'));
    const listener = () => {
      throw new Error('a listener failed');
    };
    limiter.on('closed', listener);
    await output.call('close', () => limiter.close(second));
    limiter.off('closed', listener);
    await output.call('close', () => limiter.close(second));

    // JWT: sign-in, checks, rotation, reuse (which revokes), logout, forgeries.
    const signedIn = await jwt.login({ userId: 'jo', user: { id: 'jo' }, device });
    if (!signedIn.ok) throw new Error('setup');
    secrets.addJwt(signedIn.accessToken, 'access');
    secrets.addJwt(signedIn.refreshToken, 'refresh');
    await output.call('jwt.verify', () => jwt.verify(signedIn.accessToken));
    await output.call('jwt.verify', () => jwt.verify(`${signedIn.accessToken.slice(0, -2)}AA`));
    await output.call('jwt.verify', () => jwt.verify(signedIn.refreshToken));
    const rotated = await jwt.refresh(signedIn.refreshToken);
    if (!rotated.ok) throw new Error('setup');
    secrets.addJwt(rotated.accessToken, 'rotated access');
    secrets.addJwt(rotated.refreshToken, 'rotated refresh');
    await output.call('jwt.refresh (reuse)', () => jwt.refresh(signedIn.refreshToken));
    await output.call('jwt.verify (revoked)', () => jwt.verify(rotated.accessToken));
    const again = await jwt.login({ userId: 'jo', user: { id: 'jo' }, device });
    if (!again.ok) throw new Error('setup');
    secrets.addJwt(again.accessToken, 'second access');
    secrets.addJwt(again.refreshToken, 'second refresh');
    await output.call('jwt.logout', () => jwt.logout(again.accessToken));
    await output.call('jwt.verify (logged out)', () => jwt.verify(again.accessToken));

    // A store that cannot be reached: errors, the default onError (console), 503s below.
    const down = watchedLimiter(output, failingStore());
    await output.call('open (store down)', () =>
      down.open({ userId: 'solo', user: { id: 'solo' } }),
    );
    await output.call('validate (store down)', () => down.validate(first));
    const quiet = createSessionLimiter({ store: failingStore(), pruneInterval: '1ms' });
    closers.push(() => quiet.dispose());
    await new Promise((resolve) => setTimeout(resolve, 20)); // a failed sweep, logged by default

    // The Express adapter: cookie sessions, an eviction, the event stream, revokes, bad ids,
    // a dead session as JSON and as a page navigation, bearer tokens good and bad.
    const url = await serve(limiter, jwt);
    const answers: { source: string; response: Response }[] = [];
    const send = async (
      browser: Browser,
      path: string,
      init: Parameters<Browser['request']>[1] = {},
    ) => {
      const response = await browser.request(path, init);
      answers.push({ source: `HTTP ${init.method ?? 'GET'} ${path}`, response });
      return response;
    };
    const phone = new Browser(url, UA);
    const laptop = new Browser(url, UA);
    await send(phone, '/api/login', { json: { username: 'solo-web' } });
    const phoneToken = phone.cookies.get('__Host-sid') ?? '';
    secrets.addToken(phoneToken, 'evicted cookie');
    const stream = await openEvents(phone);
    await send(laptop, '/api/login', { json: { username: 'solo-web' } });
    const laptopToken = laptop.cookies.get('__Host-sid') ?? '';
    secrets.addToken(laptopToken, 'live cookie');
    output.add('event stream', await stream.next('revoked'));
    stream.close();
    await send(phone, '/api/me');
    const navigating = new Browser(url, UA);
    navigating.cookies.set('__Host-sid', phoneToken);
    await send(navigating, '/api/me', {
      headers: { accept: 'text/html', 'sec-fetch-mode': 'navigate' },
    });
    await send(navigating, '/login', { headers: { accept: 'text/html' } });
    await send(laptop, '/api/me');
    await send(laptop, '/api/sessions');
    await send(laptop, `/api/sessions/${encodeURIComponent(laptopToken)}`, { method: 'DELETE' });
    await send(laptop, `/api/sessions/${encodeURIComponent(phoneToken)}`, { method: 'DELETE' });
    await send(laptop, '/api/sessions/revoke-others', { method: 'POST' });
    const bearer = new Browser(url, UA);
    for (const t of [
      again.accessToken,
      signedIn.accessToken,
      `${rotated.accessToken}x`,
      laptopToken,
    ]) {
      await send(bearer, '/bearer/me', { headers: { authorization: `Bearer ${t}` } });
    }
    await send(laptop, '/api/logout', { method: 'POST' });
    await send(laptop, '/api/me');

    let sessionCookies = 0;
    for (const { source, response } of answers) {
      const headers: [string, string][] = [];
      response.headers.forEach((value, name) => {
        if (name !== 'set-cookie') headers.push([name, value]);
      });
      // The session cookie carries the token by design; any other cookie (the notice) may not.
      for (const cookie of response.headers.getSetCookie()) {
        if (cookie.startsWith('__Host-sid=') && !cookie.startsWith('__Host-sid=;'))
          sessionCookies++;
        else headers.push(['set-cookie', cookie]);
      }
      const head = `${response.status}\n${headers.map(([n, v]) => `${n}: ${v}`).join('\n')}`;
      output.add(source, `${head}\n\n${await response.text()}`);
    }

    // The scan can fail: the session cookie, left out above, holds a token.
    expect(secrets.foundIn(`__Host-sid=${laptopToken}`)).toContain('live cookie token');
    expect(sessionCookies).toBeGreaterThanOrEqual(2);
    expect(output.entries.length).toBeGreaterThan(50);
    expect(output.entries.some((e) => e.source.startsWith('event evicted'))).toBe(true);
    expect(output.entries.some((e) => e.source === 'onError')).toBe(true);
    expect(output.entries.some((e) => e.source === 'console.error')).toBe(true);

    const leaks = output.entries.flatMap(({ source, text }) =>
      secrets.foundIn(text).map((label) => `${source}: ${label}`),
    );
    expect(leaks).toEqual([]);
  });
});
