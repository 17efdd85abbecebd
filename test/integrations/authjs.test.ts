import { Auth, type AuthConfig } from '@auth/core';
import type { Adapter, AdapterSession, AdapterUser, VerificationToken } from '@auth/core/adapters';
import Credentials from '@auth/core/providers/credentials';
import { afterEach, describe, expect, it } from 'vitest';
import { createSessionLimiter, MemoryStore, type SessionLimiter } from '../../src/index.js';
import {
  limitAdapter,
  sessionHandle,
  sessionLimitCallbacks,
} from '../../src/integrations/authjs.js';
import { FIREFOX_WIN } from '../conformance/adapters.js';

// @auth/core's own request handler, Auth(request, config), driven like a browser would.

const ORIGIN = 'http://127.0.0.1:3000';
const limiters: SessionLimiter<{ id?: string }>[] = [];
afterEach(async () => {
  for (const limiter of limiters.splice(0)) await limiter.dispose();
});

/** alice: one session, the newest wins; carol: one, and a second sign-in is refused. */
function newLimiter(store = new MemoryStore()): SessionLimiter<{ id?: string }> {
  const limiter = createSessionLimiter<{ id?: string }>({
    store,
    policy: (user) =>
      user.id === 'alice'
        ? { max: 1 }
        : user.id === 'carol'
          ? { max: 1, onLimit: 'reject' }
          : { max: Infinity },
  });
  limiters.push(limiter);
  return limiter;
}

/** A cookie jar in front of Auth(request, config). */
class Client {
  readonly cookies = new Map<string, string>();
  constructor(readonly config: AuthConfig) {}

  async send(path: string, init: { method?: string; form?: Record<string, string> } = {}) {
    const headers = new Headers({ origin: ORIGIN });
    if (this.cookies.size) {
      headers.set('cookie', [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; '));
    }
    let body: string | null = null;
    if (init.form) {
      headers.set('content-type', 'application/x-www-form-urlencoded');
      body = new URLSearchParams(init.form).toString();
    }
    const response = await Auth(
      new Request(ORIGIN + path, { method: init.method ?? (body ? 'POST' : 'GET'), headers, body }),
      this.config,
    );
    for (const header of response.headers.getSetCookie()) {
      const [pair = ''] = header.split(';');
      const [name = '', value = ''] = pair.split('=');
      if (/max-age=0|expires=thu, 01 jan 1970/i.test(header) || value === '') {
        this.cookies.delete(name);
      } else this.cookies.set(name, value);
    }
    return response;
  }

  async csrf(): Promise<string> {
    const response = await this.send('/auth/csrf');
    return ((await response.json()) as { csrfToken: string }).csrfToken;
  }

  async session(): Promise<{ sessionId?: string; user?: { email?: string } } | null> {
    return (await (await this.send('/auth/session')).json()) as {
      sessionId?: string;
    } | null;
  }

  async signOut(): Promise<void> {
    await this.send('/auth/signout', { form: { csrfToken: await this.csrf() } });
  }
}

const base = {
  secret: 'an-auth-js-test-secret-of-32-bytes!!',
  trustHost: true,
  basePath: '/auth',
  logger: { error: () => undefined, warn: () => undefined, debug: () => undefined },
} satisfies Partial<AuthConfig>;

describe('session-limiter/authjs, JWT strategy (Credentials)', () => {
  function jwtConfig(limiter: SessionLimiter<{ id?: string }>, agent = { ua: '' }): AuthConfig {
    const limit = sessionLimitCallbacks(limiter, { device: () => ({ userAgent: agent.ua }) });
    return {
      ...base,
      providers: [
        Credentials({
          credentials: { username: {}, password: {} },
          authorize: (c) =>
            c.password === 'right' && typeof c.username === 'string'
              ? { id: c.username, email: `${c.username}@example.com` }
              : null,
        }),
      ],
      session: { strategy: 'jwt' },
      callbacks: { jwt: limit.jwt, session: limit.session },
    };
  }

  async function signIn(config: AuthConfig, username: string): Promise<Client> {
    const client = new Client(config);
    const csrfToken = await client.csrf();
    await client.send('/auth/callback/credentials', {
      form: { csrfToken, username, password: 'right' },
    });
    return client;
  }

  it('alice signs in twice: the first session is refused on its next request and its cookie cleared', async () => {
    const limiter = newLimiter();
    const agent = { ua: '' };
    const config = jwtConfig(limiter, agent);
    const first = await signIn(config, 'alice');
    const firstSession = await first.session();
    expect(firstSession?.user?.email).toBe('alice@example.com');
    const sid = firstSession?.sessionId ?? '';
    expect(await limiter.isLive('alice', sid)).toBe(true);

    agent.ua = FIREFOX_WIN;
    const second = await signIn(config, 'alice');
    expect((await second.session())?.user?.email).toBe('alice@example.com');

    expect(await first.session()).toBeNull();
    expect(first.cookies.has('authjs.session-token')).toBe(false);
    expect(await limiter.whyEnded('alice', sid)).toMatchObject({
      reason: 'evicted',
      by: { device: { label: 'Firefox 133 on Windows' } },
    });
  });

  it('a revoked session is refused too, and other users are untouched', async () => {
    const limiter = newLimiter();
    const config = jwtConfig(limiter);
    const bob = await signIn(config, 'bob');
    const other = await signIn(config, 'bob');
    const bobSid = (await bob.session())?.sessionId;
    const target = (await limiter.list('bob')).find((s) => s.externalId === bobSid);
    expect(target).toBeDefined();
    await limiter.revoke('bob', target?.id ?? '');
    expect(await bob.session()).toBeNull();
    expect((await other.session())?.user?.email).toBe('bob@example.com');
  });

  it('reject mode refuses the sign-in with AccessDenied and sets no session', async () => {
    const limiter = newLimiter();
    const config = jwtConfig(limiter);
    const first = await signIn(config, 'carol');
    expect(await first.session()).not.toBeNull();
    const client = new Client(config);
    const csrfToken = await client.csrf();
    const refused = await client.send('/auth/callback/credentials', {
      form: { csrfToken, username: 'carol', password: 'right' },
    });
    expect(refused.headers.get('location')).toContain('error=AccessDenied');
    expect(client.cookies.has('authjs.session-token')).toBe(false);
    expect(await limiter.list('carol')).toHaveLength(1);
  });

  it('fails closed: while the store is down the session is not accepted', async () => {
    const store = new MemoryStore();
    const limiter = newLimiter(store);
    const bob = await signIn(jwtConfig(limiter), 'bob');
    store.find = () => Promise.reject(new Error('down'));
    store.findNow = () => {
      throw new Error('down');
    };
    expect(await bob.session()).toBeNull();
  });
});

describe('session-limiter/authjs, database strategy (email sign-in)', () => {
  function setup(limiter: SessionLimiter<{ id?: string }>) {
    const db = memoryAdapter();
    const sent: string[] = [];
    const config: AuthConfig = {
      ...base,
      adapter: limitAdapter(db.adapter, limiter),
      session: { strategy: 'database' },
      providers: [
        {
          id: 'email',
          type: 'email',
          name: 'Email',
          maxAge: 600,
          sendVerificationRequest: ({ url }) => void sent.push(url),
          options: {},
        },
      ],
    };
    const signIn = async (email: string): Promise<Client> => {
      const client = new Client(config);
      const csrfToken = await client.csrf();
      await client.send('/auth/signin/email', { form: { csrfToken, email } });
      const link = new URL(sent.pop() ?? '');
      await client.send(link.pathname + link.search);
      return client;
    };
    return { db, config, signIn };
  }

  it('alice signs in twice: the first session is refused, deleted, and the reason kept', async () => {
    const limiter = newLimiter();
    const { db, signIn } = setup(limiter);
    db.fixedIds.set('alice@example.com', 'alice');
    const first = await signIn('alice@example.com');
    const firstToken = first.cookies.get('authjs.session-token') ?? '';
    expect((await first.session())?.user?.email).toBe('alice@example.com');
    const second = await signIn('alice@example.com');
    expect((await second.session())?.user?.email).toBe('alice@example.com');

    expect(await first.session()).toBeNull();
    expect(db.sessions.has(firstToken)).toBe(false);
    expect(await limiter.whyEnded('alice', sessionHandle(firstToken))).toMatchObject({
      reason: 'evicted',
    });
    // The registry never holds the secret token.
    expect(JSON.stringify(await limiter.list('alice'))).not.toContain(firstToken);
  });

  it('sign-out untracks the session', async () => {
    const limiter = newLimiter();
    const { db, signIn } = setup(limiter);
    db.fixedIds.set('bob@example.com', 'bob');
    const bob = await signIn('bob@example.com');
    const token = bob.cookies.get('authjs.session-token') ?? '';
    expect(await limiter.list('bob')).toHaveLength(1);
    await bob.signOut();
    expect(await limiter.list('bob')).toEqual([]);
    expect(await limiter.whyEnded('bob', sessionHandle(token))).toMatchObject({
      reason: 'logout',
    });
  });

  it('refuses an adapter without the database-session methods', () => {
    expect(() => limitAdapter({}, newLimiter())).toThrow(/createSession/);
  });
});

/** A small in-memory Auth.js adapter (the app's database). */
function memoryAdapter() {
  const users = new Map<string, AdapterUser>();
  const sessions = new Map<string, AdapterSession>();
  const tokens = new Map<string, VerificationToken>();
  const fixedIds = new Map<string, string>();
  const adapter: Adapter = {
    createUser: (user) => {
      const created = { ...user, id: fixedIds.get(user.email) ?? crypto.randomUUID() };
      users.set(created.id, created);
      return created;
    },
    getUser: (id) => users.get(id) ?? null,
    getUserByEmail: (email) => [...users.values()].find((u) => u.email === email) ?? null,
    getUserByAccount: () => null,
    updateUser: (user) => {
      const updated = { ...(users.get(user.id) as AdapterUser), ...user };
      users.set(user.id, updated);
      return updated;
    },
    linkAccount: () => undefined,
    createSession: (session) => {
      sessions.set(session.sessionToken, session);
      return session;
    },
    getSessionAndUser: (sessionToken) => {
      const session = sessions.get(sessionToken);
      const user = session && users.get(session.userId);
      return session && user ? { session, user } : null;
    },
    updateSession: (session) => {
      const current = sessions.get(session.sessionToken);
      if (!current) return null;
      const updated = { ...current, ...session };
      sessions.set(session.sessionToken, updated);
      return updated;
    },
    deleteSession: (sessionToken) => {
      const session = sessions.get(sessionToken) ?? null;
      sessions.delete(sessionToken);
      return session;
    },
    createVerificationToken: (token) => {
      tokens.set(token.identifier + token.token, token);
      return token;
    },
    useVerificationToken: ({ identifier, token }) => {
      const found = tokens.get(identifier + token) ?? null;
      tokens.delete(identifier + token);
      return found;
    },
  };
  return { adapter, sessions, fixedIds };
}
