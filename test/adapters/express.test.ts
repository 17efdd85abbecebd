import type { Express } from 'express';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  createSessionLimiter,
  MemoryStore,
  type SessionLimiter,
  type SessionStore,
} from '../../src/index.js';
import { sessionLimit } from '../../src/adapters/express.js';
import { Browser, listen } from '../support/browser.js';
import {
  describeAdapterConformance,
  FIREFOX_WIN,
  suitePolicy,
  type SuiteUser,
} from '../conformance/adapters.js';
import { EXPRESS_VERSIONS, expressHarness, makeApp, withExpressSession } from './express-app.js';

type User = SuiteUser;

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0)) await close();
});

async function serve(app: Express): Promise<string> {
  const server = await listen(app);
  closers.push(server.close);
  return server.url;
}

function newLimiter(store: SessionStore = new MemoryStore()): SessionLimiter<User> {
  const limiter = createSessionLimiter<User>({ store, policy: suitePolicy, pruneInterval: false });
  closers.push(() => limiter.dispose());
  return limiter;
}

for (const [name, express] of EXPRESS_VERSIONS) {
  describeAdapterConformance(expressHarness(name, express));

  describe(`${name} adapter, Express specifics`, () => {
    it('uses a plain-http development cookie only when the app opts in, and warns once', async () => {
      const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
      try {
        const url = await serve(makeApp(express, newLimiter(), { cookie: { secure: false } }));
        sessionLimit(newLimiter(), { cookie: { secure: false } });
        expect(
          warn.mock.calls.filter(([m]) => String(m).includes('cookie.secure is false')).length,
        ).toBeLessThanOrEqual(1);
        const b = new Browser(url);
        await b.request('/api/login', { json: { username: 'bob' } });
        expect(b.lastSetCookies[0]?.name).toBe('sid');
        expect(b.lastSetCookies[0]?.attributes.secure).toBeUndefined();
        expect((await b.json('/api/me')).status).toBe(200);
      } finally {
        warn.mockRestore();
      }
      expect(() =>
        sessionLimit(newLimiter(), {
          cookie: { insecureLocalhost: true } as unknown as { secure: boolean },
        }),
      ).toThrow(/cookie.insecureLocalhost.*secure: false/);
    });

    it('hands dead sessions and store outages to onRevoked and onStoreError', async () => {
      const store = new MemoryStore();
      const limiter = newLimiter(store);
      const url = await serve(
        makeApp(express, limiter, {
          onRevoked: (_req, res, dead) => res.status(419).json({ why: dead.reason }),
          onStoreError: (_req, res, error) => res.status(599).json({ code: error.code }),
        }),
      );
      const a = new Browser(url);
      await a.request('/api/login', { json: { username: 'alice' } });
      await new Browser(url).request('/api/login', { json: { username: 'alice' } });
      expect(await a.json('/api/me')).toEqual({ status: 419, body: { why: 'evicted' } });
      const b = new Browser(url);
      await b.request('/api/login', { json: { username: 'bob' } });
      store.find = () => Promise.reject(new Error('down'));
      store.findNow = () => {
        throw new Error('down');
      };
      expect(await b.json('/api/me')).toEqual({ status: 599, body: { code: 'STORE_UNAVAILABLE' } });
    });
  });

  describe(`${name} adapter, express-session mode`, () => {
    function sessionApp(limiter: SessionLimiter<User>) {
      return makeApp(express, limiter, { mode: 'express-session' }, withExpressSession);
    }

    it('keeps its token in req.session, regenerates the session id on login, destroys it when dead', async () => {
      const url = await serve(sessionApp(newLimiter()));
      const a = new Browser(url);
      await a.request('/api/me');
      await a.request('/api/login', { json: { username: 'alice' } });
      const sid = a.cookies.get('connect.sid');
      expect(sid).toBeDefined();
      expect(a.cookies.has('__Host-sid')).toBe(false);
      expect((await a.json('/api/me')).status).toBe(200);

      await a.request('/api/login', { json: { username: 'alice' } });
      expect(a.cookies.get('connect.sid')).not.toBe(sid); // regenerated on login

      const b = new Browser(url, FIREFOX_WIN);
      await b.request('/api/login', { json: { username: 'alice' } });
      expect(await a.json('/api/me')).toMatchObject({
        status: 401,
        body: { error: { reason: 'evicted' } },
      });
      expect((await a.json('/api/me')).body).toEqual({ error: { code: 'UNAUTHENTICATED' } });
    });

    it('refuses to run without express-session mounted', async () => {
      const url = await serve(makeApp(express, newLimiter(), { mode: 'express-session' }));
      const response = await new Browser(url).json<{ error: { message: string } }>('/api/me');
      expect(response.status).toBe(500);
      expect(response.body.error.message).toContain('express-session');
    });
  });
}
