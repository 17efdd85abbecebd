// Two demo processes sharing one store: a sign-in on one signs alice out on the other, and the
// other's open event stream hears it. SQLite always; Redis and PostgreSQL when reachable.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Browser } from '../support/browser.js';
import { DATABASE_URL, REDIS_URL, serviceAvailable } from '../support/services.js';
import {
  CHROME_MAC,
  FIREFOX_WINDOWS,
  openEvents,
  startDemoProcess,
  tempDirectory,
  type DemoProcess,
} from './support.js';

const stores: { name: string; env: Record<string, string>; printed: RegExp }[] = [
  { name: 'SQLite', env: {}, printed: /\(store: SQLite at .+sessions\.db\)/ },
];
if (await serviceAvailable('Redis', REDIS_URL, 6379)) {
  stores.push({ name: 'Redis', env: { REDIS_URL }, printed: /\(store: Redis at redis:/ });
}
if (await serviceAvailable('PostgreSQL', DATABASE_URL, 5432)) {
  stores.push({
    name: 'PostgreSQL',
    env: { DATABASE_URL },
    printed: /\(store: PostgreSQL at postgres(ql)?:/,
  });
}

const signIn = (b: Browser, username: string) =>
  b.json('/api/login', { json: { username, password: username } });

for (const { name, env, printed } of stores) {
  describe(`two demo processes on one ${name} store`, () => {
    const dir = tempDirectory();
    let one: DemoProcess;
    let two: DemoProcess;
    beforeAll(async () => {
      [one, two] = await Promise.all([
        startDemoProcess(dir.path, env),
        startDemoProcess(dir.path, env),
      ]);
    });
    afterAll(async () => {
      await Promise.all([one.stop(), two.stop()]);
      dir.remove();
    });

    it('prints one line saying where it listens and which store it uses', () => {
      expect(one.output()).toMatch(
        /^session-limiter demo listening on http:\/\/127\.0\.0\.1:\d+ \(store: [^)]+\)\n$/,
      );
      expect(one.output()).toMatch(printed);
    });

    it('signs alice out on one when she signs in on the other, and tells its event stream', async () => {
      const a = new Browser(one.url, CHROME_MAC);
      const b = new Browser(two.url, FIREFOX_WINDOWS);
      expect((await signIn(a, 'alice')).status).toBe(200);
      const stream = await openEvents(a);
      expect(stream.status).toBe(200);

      expect((await signIn(b, 'alice')).status).toBe(200);

      const event = JSON.parse((await stream.next('revoked', 2000)).data) as { reason: string };
      expect(event.reason).toBe('evicted');
      const me = await a.json<{ error: { code: string; reason: string; message: string } }>(
        '/api/me',
      );
      expect(me.status).toBe(401);
      expect(me.body.error).toMatchObject({ code: 'SESSION_REVOKED', reason: 'evicted' });
      expect(me.body.error.message).toContain('Firefox 133 on Windows');
      stream.close();
    });

    it('shares the token secret: a token issued by one is accepted by the other', async () => {
      const res = await fetch(`${one.url}/api/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ username: 'bob', password: 'bob' }),
      });
      const { accessToken } = (await res.json()) as { accessToken: string };
      const me = await fetch(`${two.url}/api/token/me`, {
        headers: { authorization: `Bearer ${accessToken}` },
      });
      expect(me.status).toBe(200);
    });
  });
}
