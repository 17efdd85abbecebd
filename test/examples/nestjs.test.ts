// The NestJS example on both platforms, on a free port: a sign-in story over real HTTP with the
// demo's answers and its event stream. Compiled without decorator metadata, as `npm run example:nestjs` (tsx) runs it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningExample, startNestExample } from '../../examples/nestjs/server.js';
import { SessionsController } from '../../examples/nestjs/sessions.controller.js';
import { Browser } from '../support/browser.js';
import { openEvents } from '../support/events.js';
import { FIREFOX_WINDOWS, IPHONE } from '../demo/support.js';

interface ErrorAnswer {
  error: { code: string; message: string; reason?: string };
}

const signIn = (b: Browser, username: string, password = username, replace?: string) =>
  b.json<ErrorAnswer & { active?: { id: string }[]; session?: { id: string } }>('/api/login', {
    json: { username, password, ...(replace ? { replace } : {}) },
  });

describe.each(['express', 'fastify'] as const)('the NestJS example on %s', (platform) => {
  let example: RunningExample;
  beforeAll(async () => {
    example = await startNestExample({ port: 0, host: '127.0.0.1', platform });
  });
  afterAll(() => example.close());

  it('runs without decorator metadata: every injection names its token', () => {
    expect(Reflect.getMetadata('design:paramtypes', SessionsController)).toBeUndefined();
  });

  it('signs alice out on one device when she signs in on another, and says why', async () => {
    const a = new Browser(example.url, IPHONE);
    const b = new Browser(example.url, FIREFOX_WINDOWS);
    expect(await signIn(a, 'alice', 'bob')).toEqual({
      status: 401,
      body: { error: { code: 'INVALID_CREDENTIALS', message: 'Wrong username or password.' } },
    });
    expect((await signIn(a, 'alice')).status).toBe(200);
    expect(await a.json('/api/me')).toMatchObject({ status: 200, body: { user: { id: 'alice' } } });
    const stream = await openEvents(a);
    expect((await signIn(b, 'alice')).status).toBe(200);
    const event = JSON.parse((await stream.next('revoked', 2000)).data) as { reason: string };
    expect(event.reason).toBe('evicted');
    stream.close();
    const dead = await a.json<ErrorAnswer>('/api/me');
    expect(dead.status).toBe(401);
    expect(dead.body.error).toMatchObject({ code: 'SESSION_REVOKED', reason: 'evicted' });
    expect(dead.body.error.message).toContain('(Firefox 133 on Windows)');
    expect(await a.json('/api/me')).toEqual({
      status: 401,
      body: { error: { code: 'UNAUTHENTICATED', message: 'Sign in first.' } },
    });
    expect(await b.json('/api/logout', { method: 'POST' })).toEqual({
      status: 200,
      body: { signedOut: true },
    });
  });

  it('refuses carol a third device with her sessions, then replaces the one she picks', async () => {
    const devices = [new Browser(example.url, IPHONE), new Browser(example.url)];
    for (const d of devices) expect((await signIn(d, 'carol')).status).toBe(200);
    const third = new Browser(example.url, FIREFOX_WINDOWS);
    const refused = await signIn(third, 'carol');
    expect(refused.status).toBe(409);
    expect(refused.body.error).toEqual({
      code: 'SESSION_LIMIT_REACHED',
      message:
        'Carol is already signed in on 2 devices, the most this account allows. Choose a device to sign out.',
    });
    const replace = refused.body.active![0]!.id;
    expect((await signIn(third, 'carol', 'carol', replace)).status).toBe(200);
    const list = await third.json<{ sessions: { id: string }[]; current: string }>('/api/sessions');
    expect(list.body.sessions).toHaveLength(2);
    expect(list.body.sessions.map((s) => s.id)).not.toContain(replace);
    const others = await third.json<{ revoked: unknown[] }>('/api/sessions/revoke-others', {
      method: 'POST',
    });
    expect(others.body.revoked).toHaveLength(1);
    expect(await third.json('/api/sessions/nope', { method: 'DELETE' })).toEqual({
      status: 404,
      body: { error: { code: 'SESSION_NOT_FOUND', message: 'None of your sessions has that id.' } },
    });
  });

  it('answers bad input and unknown routes as the demo does', async () => {
    const post = async (body: string) => {
      const res = await fetch(`${example.url}/api/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body,
      });
      return { status: res.status, body: (await res.json()) as ErrorAnswer };
    };
    expect(await post('{bad')).toEqual({
      status: 400,
      body: { error: { code: 'INVALID_REQUEST', message: 'The request body is not valid JSON.' } },
    });
    expect((await post(JSON.stringify({ username: 'x'.repeat(20_000) }))).body.error.message).toBe(
      'The request body is too large (at most 10kb).',
    );
    expect((await post('[1]')).body.error.code).toBe('INVALID_REQUEST');
    expect(await new Browser(example.url).json('/api/nothing?x=1')).toEqual({
      status: 404,
      body: { error: { code: 'NOT_FOUND', message: 'There is no GET /api/nothing here.' } },
    });
  });
});
