// One story of sign-ins, the three policies, the sessions routes and bad input, run against the
// demo and each framework's example over real HTTP: every example must get the demo's answers.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Browser } from '../support/browser.js';
import {
  CHROME_MAC,
  FIREFOX_WINDOWS,
  IPHONE,
  openEvents,
  startDemoProcess,
  startTestDemo,
  tempDirectory,
} from '../demo/support.js';

/** One answer of the story, with what differs from run to run blanked. */
export interface Answer {
  step: string;
  status: number;
  location?: string | null;
  body: unknown;
}

/** Blanks what differs from run to run: ids, times and the minute in a sentence. */
function stable(value: unknown, key = ''): unknown {
  if (['id', 'current', 'createdAt', 'lastSeenAt', 'expiresAt', 'at'].includes(key)) return '*';
  if (typeof value === 'string') return value.replace(/\d\d:\d\d UTC/, 'HH:MM UTC');
  if (Array.isArray(value)) return value.map((item) => stable(item));
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, stable(v, k)]));
  }
  return value;
}

/** Sign-ins, the three policies, the sessions routes and bad input; every answer recorded. */
export async function story(url: string): Promise<Answer[]> {
  const answers: Answer[] = [];
  const call = async (
    step: string,
    browser: Browser,
    path: string,
    init: Parameters<Browser['request']>[1] = {},
  ) => {
    const response = await browser.request(path, init);
    const text = await response.text();
    const body: unknown = text.startsWith('{') ? JSON.parse(text) : text;
    const answer: Answer = { step, status: response.status, body: stable(body) };
    // A redirect's body is the framework's own, and each body parser words a body it cannot
    // read in its own way: what counts there is the status, the place and the code.
    if (response.status === 303) {
      answer.location = response.headers.get('location');
      answer.body = null;
    }
    if (response.status === 400) answer.body = (body as { error: { code: string } }).error.code;
    answers.push(answer);
    return body as { session?: { id: string }; sessions?: { id: string }[] };
  };
  const signIn = (step: string, browser: Browser, username: string, extra = {}) =>
    call(step, browser, '/api/login', { json: { username, password: username, ...extra } });

  const anonymous = new Browser(url);
  await call('me without a session', anonymous, '/api/me');
  await call('sessions without a session', anonymous, '/api/sessions');
  await call('wrong password', anonymous, '/api/login', {
    json: { username: 'alice', password: 'bob' },
  });
  await call('not JSON', anonymous, '/api/login', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
  });
  await call('no password', anonymous, '/api/login', { json: { username: 'alice' } });
  await call('an oversized body', anonymous, '/api/login', {
    json: { username: 'a'.repeat(20_000), password: 'x' },
  });
  await call('an unknown route', anonymous, '/api/nothing-here');

  const a = new Browser(url, CHROME_MAC);
  const b = new Browser(url, FIREFOX_WINDOWS);
  await signIn('alice on A', a, 'alice');
  await call('alice me on A', a, '/api/me');
  await signIn('alice on B', b, 'alice');
  await call('A after B signed in', a, '/api/me');
  await signIn('alice signs in again on A', a, 'alice');
  await call('B navigates to the page, signed out', b, '/', {
    headers: { accept: 'text/html', 'sec-fetch-mode': 'navigate' },
  });

  const phone = new Browser(url, IPHONE);
  const laptop = new Browser(url, CHROME_MAC);
  const third = new Browser(url, FIREFOX_WINDOWS);
  await signIn('carol on the phone', phone, 'carol');
  await signIn('carol on the laptop', laptop, 'carol');
  await signIn('carol on a third device', third, 'carol');
  const phoneId = (await call('carol me on the phone', phone, '/api/me')).session!.id;
  await signIn('carol replaces the phone', third, 'carol', { replace: phoneId });
  await call('the replaced phone', phone, '/api/me');

  const here = new Browser(url, CHROME_MAC);
  const there = new Browser(url, IPHONE);
  await signIn('bob here', here, 'bob');
  await signIn('bob there', there, 'bob');
  const list = await call('bob lists his sessions', here, '/api/sessions');
  await call('bob revokes carol', here, `/api/sessions/${phoneId}`, { method: 'DELETE' });
  const other = list.sessions!.find((s) => s.id !== (list as { current?: string }).current)!;
  await call('bob revokes there', here, `/api/sessions/${other.id}`, { method: 'DELETE' });
  await call('there, revoked', there, '/api/me');
  await signIn('bob there again', there, 'bob');
  await call('bob signs out elsewhere', here, '/api/sessions/revoke-others', { method: 'POST' });
  await call('bob logs out', here, '/api/logout', { method: 'POST' });
  await call('bob after logout', here, '/api/me');
  return answers;
}

/** A running example or demo. */
interface Running {
  url: string;
  close(): Promise<void>;
}

/**
 * Registers an example's tests: the story gets the demo's answers, and `npm run example:<name>`
 * (its `main`, as a process on PORT) serves a sign-in.
 */
export function describeExample(example: {
  /** `'Koa'`, `'Fastify'`, ... */
  name: string;
  /** The npm script, for the test's name: `'example:koa'`. */
  script: string;
  /** Starts the example in this process. */
  start(options: { port: number; host: string }): Promise<Running>;
  /** The example's `main.ts`, as a file path. */
  main: string;
  /** What runs `main` as its npm script does: Node with tsx by default, or Bun's or Deno's command. */
  runner?: readonly string[];
}): void {
  describe(`${example.name} example`, () => {
    let demo: Running;
    let running: Running;
    beforeAll(async () => {
      [demo, running] = await Promise.all([
        startTestDemo('memory'),
        example.start({ port: 0, host: '127.0.0.1' }),
      ]);
    });
    afterAll(async () => {
      await Promise.all([demo.close(), running.close()]);
    });

    it("answers the demo's session routes exactly as the demo does", async () => {
      const [expected, actual] = await Promise.all([story(demo.url), story(running.url)]);
      expect(actual).toEqual(expected);
      // The story is one that can tell them apart: refusals, sign-outs and a redirect.
      const statuses = new Set(actual.map((a) => a.status));
      expect([...statuses].sort()).toEqual([200, 303, 400, 401, 404, 409]);
      expect(actual.find((a) => a.step === 'A after B signed in')?.body).toMatchObject({
        error: { code: 'SESSION_REVOKED', reason: 'evicted' },
      });
    });

    it(`starts with npm run ${example.script} on PORT and serves a sign-in`, async () => {
      const dir = tempDirectory();
      const started = await startDemoProcess(dir.path, {}, example.main, {
        runner: example.runner,
        // Another runtime's first start also reads and compiles the dependencies.
        startupMs: example.runner ? 60_000 : undefined,
      });
      try {
        const browser = new Browser(started.url);
        const login = await browser.json('/api/login', {
          json: { username: 'dave', password: 'dave' },
        });
        expect(login).toMatchObject({ status: 200, body: { user: { id: 'dave' } } });
        expect((await browser.json('/api/me')).status).toBe(200);
      } finally {
        await started.stop();
        dir.remove();
      }
    });
  });
}

/**
 * Registers an example's live-notice tests: `GET /api/events` streams revoked when another device
 * signs in (401 without a session), and closing the example ends open streams.
 */
export function describeLiveNotice(example: {
  name: string;
  start(options: { port: number; host: string }): Promise<Running>;
}): void {
  describe(`${example.name} example, the live notice`, () => {
    let running: Running;
    beforeAll(async () => {
      running = await example.start({ port: 0, host: '127.0.0.1' });
    });
    afterAll(() => running.close());

    it('streams revoked on GET /api/events when another device signs in, and 401 without a session', async () => {
      const a = new Browser(running.url, CHROME_MAC);
      await a.request('/api/login', { json: { username: 'alice', password: 'alice' } });
      const stream = await openEvents(a);
      try {
        expect(stream.status).toBe(200);
        const b = new Browser(running.url, FIREFOX_WINDOWS);
        await b.request('/api/login', { json: { username: 'alice', password: 'alice' } });
        expect(JSON.parse((await stream.next('revoked', 2000)).data)).toMatchObject({
          code: 'SESSION_REVOKED',
          reason: 'evicted',
          by: { kind: 'desktop' },
        });
        await stream.ended(2000);
      } finally {
        stream.close();
      }
      const none = await openEvents(new Browser(running.url));
      none.close();
      expect(none.status).toBe(401);
    });

    it('ends open streams when it closes', async () => {
      const own = await example.start({ port: 0, host: '127.0.0.1' });
      const a = new Browser(own.url);
      await a.request('/api/login', { json: { username: 'bob', password: 'bob' } });
      const stream = await openEvents(a);
      try {
        expect(stream.status).toBe(200);
        await own.close();
        await stream.ended(2000);
      } finally {
        stream.close();
      }
    });
  });
}
