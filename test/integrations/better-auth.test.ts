import type Database from 'better-sqlite3';
import { type BetterAuthOptions, betterAuth } from 'better-auth';
import { getMigrations } from 'better-auth/db/migration';
import { toNodeHandler } from 'better-auth/node';
import { afterEach, describe, expect, it } from 'vitest';
import { createSessionLimiter, MemoryStore, type SessionLimiter } from '../../src/index.js';
import {
  type BetterAuthUser,
  type SessionLimitPluginOptions,
  sessionLimit,
} from '../../src/integrations/better-auth.js';
import { Browser, listen } from '../support/browser.js';
import { FIREFOX_WIN, IPHONE } from '../conformance/adapters.js';

// A real better-auth (its own Kysely over SQLite, migrated by its own migrator) behind its own
// Node handler, driven over HTTP. SQLite is node:sqlite where Node has it (22 and later), which
// better-auth takes as it is, and better-sqlite3 on Node 20.

/** The part of both SQLite clients the tests use. */
interface SqliteDatabase {
  prepare(sql: string): {
    all(...params: unknown[]): unknown[];
    run(...params: unknown[]): unknown;
  };
}

async function openDatabase(): Promise<SqliteDatabase> {
  const builtIn = 'node:sqlite'; // not in Node 20's types
  try {
    const { DatabaseSync } = (await import(builtIn)) as {
      DatabaseSync: new (path: string) => SqliteDatabase;
    };
    return new DatabaseSync(':memory:');
  } catch {
    // Loaded only here: on Node 22 and later it may not be installed at all.
    const { default: BetterSqlite3 } = await import('better-sqlite3');
    return new BetterSqlite3(':memory:');
  }
}

const PASSWORD = 'correct horse battery';
const closers: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
});

/** alice: one session, the newest sign-in wins; carol: two, then she chooses; others: unlimited. */
function newLimiter(
  store = new MemoryStore(),
  now: () => number = Date.now,
): SessionLimiter<BetterAuthUser> {
  const limiter = createSessionLimiter<BetterAuthUser>({
    store,
    now,
    policy: (user) =>
      user.email.startsWith('alice')
        ? { max: 1 }
        : user.email.startsWith('carol')
          ? { max: 2, onLimit: 'reject' }
          : { max: Infinity },
  });
  closers.push(() => limiter.dispose());
  return limiter;
}

interface App {
  url: string;
  db: SqliteDatabase;
  limiter: SessionLimiter<BetterAuthUser>;
  signUp: (name: string) => Promise<string>;
  signIn: (name: string, userAgent?: string, headers?: Record<string, string>) => Promise<Browser>;
}

async function start(
  limiter = newLimiter(),
  extra: Partial<BetterAuthOptions> = {},
  plugin: Partial<SessionLimitPluginOptions> | false = {},
  db?: SqliteDatabase,
): Promise<App> {
  db ??= await openDatabase();
  // The server is up first, so better-auth's baseURL can name its port.
  const route: { handle?: ReturnType<typeof toNodeHandler> } = {};
  const server = await listen((req, res) => void route.handle?.(req, res));
  closers.push(server.close);
  const url = server.url;
  const options: BetterAuthOptions = {
    // better-auth takes either client; one type stands for both here.
    database: db as Database.Database,
    secret: 'a-test-secret-that-is-long-enough-0123456789',
    baseURL: url,
    emailAndPassword: { enabled: true },
    logger: { disabled: true },
    plugins: plugin === false ? [] : [sessionLimit({ limiter, ...plugin })],
    ...extra,
  };
  await (await getMigrations(options)).runMigrations();
  const auth = betterAuth(options);
  route.handle = toNodeHandler(auth);
  const app: App = {
    url,
    db,
    limiter,
    async signUp(name) {
      const created = await auth.api.signUpEmail({
        body: { email: `${name}@example.com`, password: PASSWORD, name },
      });
      return created.user.id;
    },
    async signIn(name, userAgent, headers = {}) {
      const browser = new Browser(url, userAgent);
      const response = await browser.request('/api/auth/sign-in/email', {
        json: { email: `${name}@example.com`, password: PASSWORD },
        headers: { origin: url, ...headers },
      });
      Object.assign(browser, { status: response.status, body: await response.text() });
      return browser;
    },
  };
  return app;
}

async function sessionOf(browser: Browser) {
  return browser.json<{ session: { id: string; token: string; userId: string } } | null>(
    '/api/auth/get-session',
  );
}

function answer(browser: Browser): { status: number; body: string } {
  return browser as unknown as { status: number; body: string };
}

describe('session-limiter/better-auth', () => {
  it('alice at limit 1 signs in twice: the first session is gone, and the reason is kept', async () => {
    const app = await start();
    const aliceId = await app.signUp('alice');
    const first = await app.signIn('alice');
    expect(answer(first).status).toBe(200);
    const firstSession = (await sessionOf(first)).body?.session;
    expect(firstSession?.userId).toBe(aliceId);

    const second = await app.signIn('alice', FIREFOX_WIN);
    expect(answer(second).status).toBe(200);

    expect((await sessionOf(first)).body).toBeNull();
    expect((await sessionOf(second)).body?.session.userId).toBe(aliceId);
    // Deleted through better-auth's own adapter: the row is gone.
    const rows = app.db.prepare('select id from session where userId = ?').all(aliceId);
    expect(rows).toEqual([{ id: (await sessionOf(second)).body?.session.id }]);
    expect(await app.limiter.whyEnded(aliceId, firstSession?.id ?? '')).toMatchObject({
      code: 'SESSION_REVOKED',
      reason: 'evicted',
      by: { device: { label: 'Firefox 133 on Windows' } },
    });
    // The signed-out browser can ask why, for its sign-in page.
    const why = await first.json<{ ended: { reason: string; message: string } | null }>(
      '/api/auth/session-limit/ended',
    );
    expect(why.body.ended).toMatchObject({ reason: 'evicted' });
    expect(why.body.ended?.message).toContain(
      'signed in on another device (Firefox 133 on Windows)',
    );
    expect((await second.json('/api/auth/session-limit/ended')).body).toEqual({ ended: null });
  });

  it('reject mode answers 409 with the live sessions and no token; the retry naming one replaces it', async () => {
    const app = await start();
    const carolId = await app.signUp('carol'); // sign-up signs in: one session
    const laptop = await app.signIn('carol', FIREFOX_WIN);
    const third = await app.signIn('carol');
    expect(answer(third).status).toBe(409);
    const refusal = JSON.parse(answer(third).body) as {
      code: string;
      active: { id: string; device: { label: string } }[];
    };
    expect(refusal.code).toBe('SESSION_LIMIT_REACHED');
    expect(refusal.active).toHaveLength(2);
    expect(third.cookies.size).toBe(0);
    const tokens = (
      app.db.prepare('select token from session where userId = ?').all(carolId) as {
        token: string;
      }[]
    ).map((r) => r.token);
    expect(tokens).toHaveLength(2);
    for (const token of tokens) expect(answer(third).body).not.toContain(token);

    const laptopId = (await sessionOf(laptop)).body?.session.id ?? '';
    expect(refusal.active.map((s) => s.id)).toContain(laptopId);
    const retry = await app.signIn('carol', undefined, { 'x-session-limit-replace': laptopId });
    expect(answer(retry).status).toBe(200);
    expect((await sessionOf(retry)).body?.session.userId).toBe(carolId);
    expect((await sessionOf(laptop)).body).toBeNull();
    expect(await app.limiter.whyEnded(carolId, laptopId)).toMatchObject({ reason: 'replaced' });
    expect(await app.limiter.list(carolId)).toHaveLength(2);
  });

  it('a malformed replace header is a 400, not a crash', async () => {
    const app = await start();
    await app.signUp('carol');
    await app.signIn('carol');
    const bad = await app.signIn('carol', undefined, { 'x-session-limit-replace': 'has space' });
    expect(answer(bad).status).toBe(400);
    expect(JSON.parse(answer(bad).body)).toMatchObject({ code: 'INVALID_ARGUMENT' });
  });

  it('revokeSession and revokeOtherSessions keep the registry in step', async () => {
    const app = await start();
    const bobId = await app.signUp('bob');
    const phone = await app.signIn('bob');
    const laptop = await app.signIn('bob', FIREFOX_WIN);
    const tablet = await app.signIn('bob');
    expect(await app.limiter.list(bobId)).toHaveLength(4);

    const listed = await laptop.json<{ id: string; token: string }[]>('/api/auth/list-sessions');
    const phoneId = (await sessionOf(phone)).body?.session.id;
    const phoneRow = listed.body.find((s) => s.id === phoneId);
    const revoked = await laptop.request('/api/auth/revoke-session', {
      json: { token: phoneRow?.token },
      headers: { origin: app.url },
    });
    expect(revoked.status).toBe(200);
    expect(await app.limiter.isLive(bobId, phoneId ?? '')).toBe(false);
    expect(await app.limiter.whyEnded(bobId, phoneId ?? '')).toMatchObject({ reason: 'revoked' });
    expect((await sessionOf(phone)).body).toBeNull();

    const others = await laptop.request('/api/auth/revoke-other-sessions', {
      json: {},
      headers: { origin: app.url },
    });
    expect(others.status).toBe(200);
    const laptopId = (await sessionOf(laptop)).body?.session.id;
    expect((await app.limiter.list(bobId)).map((s) => s.externalId)).toEqual([laptopId]);
    expect((await sessionOf(tablet)).body).toBeNull();

    expect(
      (await laptop.request('/api/auth/sign-out', { json: {}, headers: { origin: app.url } }))
        .status,
    ).toBe(200);
    expect(await app.limiter.list(bobId)).toEqual([]);
    expect(await app.limiter.whyEnded(bobId, laptopId ?? '')).toMatchObject({ reason: 'logout' });
  });

  it('listSessions drops sessions the limiter ended elsewhere, and the registry forgets rows better-auth lost', async () => {
    const app = await start();
    const bobId = await app.signUp('bob');
    const a = await app.signIn('bob');
    const b = await app.signIn('bob', FIREFOX_WIN);
    const aId = (await sessionOf(a)).body?.session.id ?? '';
    const [tracked] = (await app.limiter.list(bobId)).filter((s) => s.externalId === aId);
    await app.limiter.revoke(bobId, tracked?.id ?? '');
    const listed = await b.json<{ id: string }[]>('/api/auth/list-sessions');
    expect(listed.body.map((s) => s.id)).not.toContain(aId);
    expect(app.db.prepare('select id from session where id = ?').all(aId)).toEqual([]);
  });

  it('a session row better-auth lost stops counting once it is 30 s old, never sooner', async () => {
    let clock = Date.now();
    const app = await start(newLimiter(new MemoryStore(), () => clock));
    await app.signUp('carol');
    const first = await app.signIn('carol');
    await app.signIn('carol', FIREFOX_WIN);
    const lostId = (await sessionOf(first)).body?.session.id ?? '';
    // Gone from better-auth's table with no hook: a row deleted by hand, or an insert that failed.
    app.db.prepare('delete from session where id = ?').run(lostId);

    // Its row may just not be visible yet: a young session still counts.
    expect(answer(await app.signIn('carol', IPHONE)).status).toBe(409);
    clock += 30_000;
    expect(answer(await app.signIn('carol', IPHONE)).status).toBe(200);
  });

  it('with the cookie cache on, an evicted session is refused at once, by getSession and by routes behind its session middleware', async () => {
    const app = await start(newLimiter(), {
      session: { cookieCache: { enabled: true, maxAge: 300 } },
    });
    await app.signUp('alice');
    const first = await app.signIn('alice');
    expect(first.cookies.has('better-auth.session_data')).toBe(true);
    expect((await first.request('/api/auth/list-sessions')).status).toBe(200);
    await app.signIn('alice', FIREFOX_WIN);
    // A route behind better-auth's session middleware reads the cookie cache without any hook.
    expect((await first.request('/api/auth/list-sessions')).status).toBe(401);
    expect((await sessionOf(first)).body).toBeNull();
  });

  it('with sessions in secondaryStorage only, an eviction still deletes the first session', async () => {
    const kept = new Map<string, string>();
    const app = await start(newLimiter(), {
      secondaryStorage: {
        get: (key) => kept.get(key) ?? null,
        set: (key, value) => void kept.set(key, value),
        delete: (key) => void kept.delete(key),
        getAndDelete: (key) => {
          const value = kept.get(key) ?? null;
          kept.delete(key);
          return value;
        },
        increment: (key) => {
          const next = Number(kept.get(key) ?? 0) + 1;
          kept.set(key, String(next));
          return next;
        },
      },
    });
    const aliceId = await app.signUp('alice');
    const first = await app.signIn('alice');
    const firstId = (await sessionOf(first)).body?.session.id ?? '';
    const second = await app.signIn('alice', FIREFOX_WIN);
    expect((await sessionOf(first)).body).toBeNull();
    expect((await sessionOf(second)).body?.session.userId).toBe(aliceId);
    expect(await app.limiter.whyEnded(aliceId, firstId)).toMatchObject({ reason: 'evicted' });
  });

  it('tracks a session from before the plugin was added at first sight', async () => {
    const db = await openDatabase();
    const plain = await start(newLimiter(), {}, false, db);
    const bobId = await plain.signUp('bob');
    const old = await plain.signIn('bob');
    const oldId = (await sessionOf(old)).body?.session.id ?? '';
    const limited = await start(newLimiter(), {}, {}, db);
    const same = new Browser(limited.url);
    for (const [name, value] of old.cookies) same.cookies.set(name, value);
    expect((await sessionOf(same)).body?.session.id).toBe(oldId);
    expect(await limited.limiter.isLive(bobId, oldId)).toBe(true);
  });

  it('fails closed: while the store is down, a sign-in is 503 and getSession lets nothing through', async () => {
    const store = new MemoryStore();
    const app = await start(newLimiter(store));
    await app.signUp('bob');
    const bob = await app.signIn('bob');
    store.find = () => Promise.reject(new Error('down'));
    store.findNow = () => {
      throw new Error('down');
    };
    store.loadUser = () => Promise.reject(new Error('down'));
    expect((await sessionOf(bob)).status).toBe(503);
    const refused = await app.signIn('bob');
    expect(answer(refused).status).toBe(503);
    expect(refused.cookies.size).toBe(0);
  });

  it('refuses settings it cannot work with, naming them', async () => {
    const limiter = newLimiter();
    expect(() => sessionLimit({ limiter, replaceHeader: 'bad header' })).toThrow(/replaceHeader/);
    expect(() => sessionLimit({} as SessionLimitPluginOptions)).toThrow(/limiter/);
    const auth = betterAuth({
      database: (await openDatabase()) as Database.Database,
      secret: 'a-test-secret-that-is-long-enough-0123456789',
      baseURL: 'http://127.0.0.1:1',
      logger: { disabled: true },
      advanced: { database: { generateId: 'serial' } },
      plugins: [sessionLimit({ limiter })],
    });
    await expect(auth.$context).rejects.toMatchObject({
      code: 'INVALID_CONFIG',
      field: 'advanced.database.generateId',
    });
  });
});
