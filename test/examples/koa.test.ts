// The Koa example serves the demo's session routes with the demo's answers, and the live notice.
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startKoaExample, type RunningExample } from '../../examples/koa/server.js';
import { Browser } from '../support/browser.js';
import { CHROME_MAC, FIREFOX_WINDOWS, openEvents } from '../demo/support.js';
import { describeExample } from './story.js';

describeExample({
  name: 'Koa',
  script: 'example:koa',
  start: startKoaExample,
  main: fileURLToPath(new URL('../../examples/koa/main.ts', import.meta.url)),
});

describe('Koa example, the live notice', () => {
  let example: RunningExample;
  beforeAll(async () => {
    example = await startKoaExample({ port: 0, host: '127.0.0.1' });
  });
  afterAll(() => example.close());

  it('streams revoked on GET /api/events when another device signs in, and 401 without a session', async () => {
    const a = new Browser(example.url, CHROME_MAC);
    await a.request('/api/login', { json: { username: 'alice', password: 'alice' } });
    const stream = await openEvents(a);
    try {
      expect(stream.status).toBe(200);
      const b = new Browser(example.url, FIREFOX_WINDOWS);
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
    const none = await openEvents(new Browser(example.url));
    none.close();
    expect(none.status).toBe(401);
  });

  it('ends open streams when it closes', async () => {
    const own = await startKoaExample({ port: 0, host: '127.0.0.1' });
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
