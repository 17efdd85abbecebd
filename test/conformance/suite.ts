import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  createSessionLimiter,
  type OpenResult,
  type SessionLimiter,
  type SessionLimiterOptions,
  type FoundRecord,
  type PushHandlers,
  type SessionEnd,
  type SessionRecord,
  type SessionStore,
  type UserChange,
} from '../../src/index.js';
import { newSessionId } from '../../src/token.js';

/** What a store's test file hands the suite: a fresh, empty store on the real engine. */
export interface StoreHandle {
  store: SessionStore;
  /** Another store instance (another connection) on the same data, as a second process would have. */
  sibling?: () => Promise<SessionStore>;
  /** Drops the test's data and closes connections. */
  close(): Promise<void>;
}

const CHROME_MAC =
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36';
const FIREFOX_WIN =
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0';
const IPHONE =
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1';
const IPAD =
  'Mozilla/5.0 (iPad; CPU OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1';
const ANDROID =
  'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36';

const MINUTE = 60_000;
const START = Date.UTC(2026, 10, 25, 14, 2);

function token(result: OpenResult): string {
  if (!result.ok) throw new Error(`expected the login to succeed, got ${result.code}`);
  return result.token;
}

/** The session id part of a token. */
function tokenId(token: string): string {
  return token.slice(0, token.indexOf('.'));
}

/** Polls `condition` until it holds, failing after `ms`. */
export async function waitFor(condition: () => boolean, ms: number, what: string): Promise<void> {
  const deadline = performance.now() + ms;
  while (!condition()) {
    if (performance.now() > deadline)
      throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((resolve) => setImmediate(resolve));
  }
}

/**
 * A real store with a window onto it: counts lookups, reports push status (now and every change
 * in order), and can hold one lookup after the store answered (to stage a slow read racing a
 * revoke), or one last-seen write before it reaches the store (a slow write racing a revoke).
 */
export class InstrumentedStore implements SessionStore {
  finds = 0;
  heldReads = 0;
  heldTouches = 0;
  pushUp = false;
  readonly statuses: boolean[] = [];
  #hold: Promise<void> | undefined;
  #holdTouch: Promise<void> | undefined;
  readonly #inner: SessionStore;
  readonly cacheLookups: boolean;

  constructor(inner: SessionStore) {
    this.#inner = inner;
    this.cacheLookups = inner.cacheLookups === true;
    if (inner.subscribe) {
      const subscribe = inner.subscribe.bind(inner);
      this.subscribe = (handlers: PushHandlers) =>
        subscribe({
          ended: (notice) => handlers.ended(notice),
          status: (up) => {
            this.pushUp = up;
            this.statuses.push(up);
            handlers.status(up);
          },
        });
    }
  }

  subscribe?: (handlers: PushHandlers) => Promise<() => Promise<void>>;

  holdNextFind(): () => void {
    let release!: () => void;
    this.#hold = new Promise((resolve) => (release = resolve));
    return release;
  }

  holdNextTouch(): () => void {
    let release!: () => void;
    this.#holdTouch = new Promise((resolve) => (release = resolve));
    return release;
  }

  async find(id: string): Promise<FoundRecord | null> {
    this.finds++;
    const found = await this.#inner.find(id);
    const hold = this.#hold;
    if (hold) {
      this.#hold = undefined;
      this.heldReads++;
      await hold;
    }
    return found;
  }

  loadUser(userId: string) {
    return this.#inner.loadUser(userId);
  }
  commitUser(userId: string, version: number, change: UserChange) {
    return this.#inner.commitUser(userId, version, change);
  }
  endSession(end: SessionEnd) {
    return this.#inner.endSession(end);
  }
  async touch(id: string, lastSeenAt: number, expiresAt: number | null) {
    const hold = this.#holdTouch;
    if (hold) {
      this.#holdTouch = undefined;
      this.heldTouches++;
      await hold;
    }
    return this.#inner.touch(id, lastSeenAt, expiresAt);
  }
  lapsed(now: number, limit: number) {
    return this.#inner.lapsed(now, limit);
  }
  prune(now: number) {
    return this.#inner.prune(now);
  }
}

/**
 * The one suite every store runs: limit semantics, eviction orders, reject and replace,
 * per-device caps, timeouts on a fake clock, tombstones, revoke checks, pruning, concurrency.
 */
export function describeStoreConformance(
  name: string,
  open: () => Promise<StoreHandle>,
  capabilities: {
    /** The store has a push channel (subscribe): cross-instance watch and events are tested. */
    push?: boolean;
    /** The store sets `cacheLookups`: the push-invalidated cache is tested. */
    cache?: boolean;
    /** The handle offers `sibling()`: a second instance on the same data. */
    sibling?: boolean;
  } = {},
): void {
  describe(`${name} conformance`, () => {
    let handle: StoreHandle;
    let clock: number;
    const limiters: SessionLimiter[] = [];

    function limiter(options: SessionLimiterOptions = {}, store = handle.store): SessionLimiter {
      const created = createSessionLimiter({
        store,
        now: () => clock,
        pruneInterval: false,
        ...options,
      });
      limiters.push(created);
      return created;
    }

    beforeEach(async () => {
      clock = START;
      handle = await open();
    });

    afterEach(async () => {
      await Promise.all(limiters.splice(0).map((l) => l.dispose()));
      await handle.close();
    });

    it('ready() resolves on a working store, repeatedly, and the limiter then works', async () => {
      expect(typeof handle.store.ready, 'every built-in store has ready()').toBe('function');
      await handle.store.ready?.();
      await handle.store.ready?.();
      const l = limiter();
      await l.ready();
      expect((await l.open({ userId: 'ready' })).ok).toBe(true);
    });

    describe('store primitives', () => {
      function record(id: string, userId: string): SessionRecord {
        return {
          id,
          userId,
          tokenHash: 'hash-of-' + id,
          createdAt: START,
          lastSeenAt: START,
          idleTimeout: 60_000,
          absoluteExpiresAt: null,
          expiresAt: START + 60_000,
          generation: 0,
          device: { kind: 'desktop', label: 'Test' },
        };
      }
      function end(r: SessionRecord, userId = r.userId): SessionEnd {
        return {
          session: { ...toInfo(r), userId },
          reason: 'revoked',
          at: START,
          keepUntil: START + 60_000,
          origin: 'test',
        };
      }
      const toInfo = (r: SessionRecord) => ({
        id: r.id,
        userId: r.userId,
        createdAt: r.createdAt,
        lastSeenAt: r.lastSeenAt,
        expiresAt: r.expiresAt,
        device: r.device,
      });

      it('refuses a commit against a stale version and changes nothing', async () => {
        const store = handle.store;
        const a = record(newSessionId('p'), 'p');
        const b = record(newSessionId('p'), 'p');
        const snapshot = await store.loadUser('p');
        expect(await store.commitUser('p', snapshot.version, { put: [a], end: [] })).toBe(true);
        expect(await store.commitUser('p', snapshot.version, { put: [b], end: [] })).toBe(false);
        const after = await store.loadUser('p');
        expect(after.sessions.map((s) => s.id)).toEqual([a.id]);
        expect(after.version).not.toBe(snapshot.version);
        // An end outside the compare-and-set moves the version too.
        expect(await store.endSession(end(a))).toMatchObject({ id: a.id });
        expect(await store.commitUser('p', after.version, { put: [b], end: [] })).toBe(false);
      });

      it('endSession checks the owner; touch never brings a session back', async () => {
        const store = handle.store;
        const a = record(newSessionId('q'), 'q');
        const { version } = await store.loadUser('q');
        await store.commitUser('q', version, { put: [a], end: [] });
        expect(await store.endSession(end(a, 'someone-else'))).toBeNull();
        expect((await store.find(a.id))?.kind).toBe('session');
        expect(await store.endSession(end(a))).not.toBeNull();
        expect(await store.endSession(end(a))).toBeNull();
        await store.touch(a.id, START + 1_000, START + 61_000);
        expect((await store.find(a.id))?.kind).toBe('tombstone');
        expect((await store.loadUser('q')).sessions).toEqual([]);
      });

      it('round-trips a record exactly', async () => {
        const store = handle.store;
        const a: SessionRecord = {
          ...record(newSessionId('r'), 'r'),
          idleTimeout: null,
          expiresAt: null,
          absoluteExpiresAt: null,
          generation: 3,
          device: { kind: 'kiosk', label: 'Front desk “é” 🖥', ip: '2001:db8::1' },
          data: { nested: [1, 'two', null, { three: true }], empty: {} },
        };
        const { version } = await store.loadUser('r');
        await store.commitUser('r', version, { put: [a], end: [] });
        expect(await store.find(a.id)).toEqual({ kind: 'session', record: a });
        expect((await store.loadUser('r')).sessions).toEqual([a]);
      });
    });

    describe('tokens', () => {
      it('gives a fresh 256-bit token per login and stores only its hash', async () => {
        const l = limiter();
        const a = await l.open({ userId: 'u1' });
        const b = await l.open({ userId: 'u1' });
        expect(a.ok && b.ok).toBe(true);
        const ta = token(a);
        expect(ta).not.toBe(token(b));
        expect(ta).toMatch(/^[A-Za-z0-9_-]{28}\.[A-Za-z0-9_-]{43}$/);
        const found = await handle.store.find(ta.split('.')[0]!);
        expect(found?.kind).toBe('session');
        const stored = JSON.stringify(found);
        expect(stored).not.toContain(ta.split('.')[1]);
        expect(stored).not.toContain(ta);
      });

      it.each([{}, { secretCache: false as const }])(
        'answers SESSION_UNKNOWN for junk, forged and wrong-secret tokens (%o)',
        async (options) => {
          const l = limiter({ policy: { max: 1 }, ...options });
          const real = token(await l.open({ userId: 'u1' }));
          const [id, secret] = real.split('.') as [string, string];
          const forged = `${id}.${secret.slice(0, -1)}${secret.endsWith('A') ? 'B' : 'A'}`;
          // Once the real token has been accepted, the process remembers its secret: a forged
          // one for the same id is still refused.
          expect((await l.validate(real)).ok).toBe(true);
          // (validateNow answers null where it needs the store; validate below always answers.)
          expect([null, { ok: false, code: 'SESSION_UNKNOWN' }]).toContainEqual(
            l.validateNow(forged),
          );
          for (const bad of [
            '',
            'x',
            `${id}.`,
            forged,
            `${id}x${secret}`,
            42,
            null,
            undefined,
            {},
          ]) {
            expect(await l.validate(bad)).toEqual({ ok: false, code: 'SESSION_UNKNOWN' });
          }
          // A tombstone tells its story only to the real token.
          await l.open({ userId: 'u1' });
          expect((await l.validate(real)).ok).toBe(false);
          expect(await l.validate(forged)).toEqual({ ok: false, code: 'SESSION_UNKNOWN' });
        },
      );
    });

    describe('validateNow', () => {
      it('answers as validate does, or null; never writes', async () => {
        const l = limiter({ policy: { max: 1 }, idleTimeout: '30m' });
        const a = token(await l.open({ userId: 'u' }));
        expect(l.validateNow('junk')).toEqual({ ok: false, code: 'SESSION_UNKNOWN' });
        const live = await l.validate(a);
        const now = l.validateNow(a);
        if (handle.store.findNow) expect(now).toEqual(live);
        else expect(now === null || (now.ok && now.session.id === tokenId(a))).toBe(true);

        // A last-seen write is due: validateNow leaves it to validate.
        clock += 10 * MINUTE;
        expect(l.validateNow(a)).toBeNull();
        const id = tokenId(a);
        expect((await handle.store.find(id))?.record).toMatchObject({ lastSeenAt: START });
        expect((await l.validate(a)).ok).toBe(true);
        expect((await handle.store.find(id))?.record).toMatchObject({
          lastSeenAt: START + 10 * MINUTE,
        });

        // Past the idle timeout: no answer without the store, which ends the session.
        clock += 31 * MINUTE;
        expect(l.validateNow(a)).toBeNull();
        expect(await l.validate(a)).toMatchObject({ code: 'SESSION_EXPIRED' });
      });

      it('says why an evicted session ended, when it can answer without the store', async () => {
        const l = limiter({ policy: { max: 1 } });
        const a = token(await l.open({ userId: 'u' }));
        await l.open({ userId: 'u' });
        const now = l.validateNow(a);
        if (handle.store.findNow) expect(now).toEqual(await l.validate(a));
        expect(now === null || (!now.ok && now.code === 'SESSION_REVOKED')).toBe(true);
      });

      it('throws DISPOSED after dispose', async () => {
        const l = limiter();
        const a = token(await l.open({ userId: 'u' }));
        await l.dispose();
        expect(() => l.validateNow(a)).toThrow(expect.objectContaining({ code: 'DISPOSED' }));
      });
    });

    describe('limits', () => {
      it('unlimited by default: five logins stay live', async () => {
        const l = limiter();
        const tokens = [];
        for (let i = 0; i < 5; i++) tokens.push(token(await l.open({ userId: 'bob' })));
        for (const t of tokens) expect((await l.validate(t)).ok).toBe(true);
        expect(await l.list('bob')).toHaveLength(5);
      });

      it('maxSessionsPerUser: a hard ceiling even under max Infinity and reject, least recently active first', async () => {
        const l = limiter({ policy: { onLimit: 'reject' }, maxSessionsPerUser: 5 });
        const tokens: string[] = [];
        for (let i = 0; i < 40; i++) {
          clock += 1_000;
          const result = await l.open({ userId: 'storm' });
          expect(result.ok).toBe(true);
          tokens.push(token(result));
          if (i === 1) {
            clock += 1_000;
            expect((await l.validate(tokens[0]!)).ok).toBe(true); // the first is active again
          }
        }
        expect(await l.list('storm')).toHaveLength(5);
        expect(await l.validate(tokens[1]!)).toMatchObject({
          code: 'SESSION_REVOKED',
          reason: 'evicted',
        });
        for (const t of tokens.slice(-5)) expect((await l.validate(t)).ok).toBe(true);
      });

      it('max 1, evict: the newest login wins and the old device learns who and when', async () => {
        const l = limiter({ policy: { max: 1 } });
        const a = token(await l.open({ userId: 'alice', device: { userAgent: CHROME_MAC } }));
        clock += MINUTE;
        const b = await l.open({
          userId: 'alice',
          device: { userAgent: FIREFOX_WIN, ip: '198.51.100.4' },
          data: { note: 'private' },
        });
        expect(b.ok).toBe(true);
        if (!b.ok) return;
        expect(b.evicted).toHaveLength(1);
        expect(b.evicted[0]!.device.label).toBe('Chrome 131 on macOS');
        const v = await l.validate(a);
        expect(v).toMatchObject({
          ok: false,
          code: 'SESSION_REVOKED',
          reason: 'evicted',
          at: clock,
        });
        if (v.ok) return;
        expect(v.by?.id).toBe(b.session.id);
        // The evicted device (maybe an intruder) learns the device, never its address or data.
        expect(v.by?.device).toEqual({ kind: 'desktop', label: 'Firefox 133 on Windows' });
        expect(v.by).not.toHaveProperty('data');
        expect((await l.validate(b.token)).ok).toBe(true);
      });

      it('evicts the least recently active session by default', async () => {
        const l = limiter({ policy: { max: 2 } });
        const first = token(await l.open({ userId: 'u' }));
        clock += MINUTE;
        const second = token(await l.open({ userId: 'u' }));
        clock += 5 * MINUTE;
        expect((await l.validate(first)).ok).toBe(true); // first is now the most recent
        clock += MINUTE;
        await l.open({ userId: 'u' });
        expect((await l.validate(first)).ok).toBe(true);
        expect(await l.validate(second)).toMatchObject({
          code: 'SESSION_REVOKED',
          reason: 'evicted',
        });
      });

      it("evicts the earliest login with evict: 'oldest'", async () => {
        const l = limiter({ policy: { max: 2, evict: 'oldest' } });
        const first = token(await l.open({ userId: 'u' }));
        clock += MINUTE;
        const second = token(await l.open({ userId: 'u' }));
        clock += 5 * MINUTE;
        expect((await l.validate(first)).ok).toBe(true);
        clock += MINUTE;
        await l.open({ userId: 'u' });
        expect(await l.validate(first)).toMatchObject({
          code: 'SESSION_REVOKED',
          reason: 'evicted',
        });
        expect((await l.validate(second)).ok).toBe(true);
      });

      it('reject: refuses with the live sessions listed, then replace signs the chosen one out', async () => {
        const l = limiter({ policy: { max: 2, onLimit: 'reject' } });
        const a = await l.open({ userId: 'carol', device: { userAgent: CHROME_MAC } });
        const b = await l.open({ userId: 'carol', device: { userAgent: IPHONE } });
        const third = await l.open({ userId: 'carol', device: { userAgent: FIREFOX_WIN } });
        expect(third).toMatchObject({ ok: false, code: 'SESSION_LIMIT_REACHED' });
        if (third.ok || !a.ok || !b.ok) return;
        expect(third.active.map((s) => s.id).sort()).toEqual([a.session.id, b.session.id].sort());
        expect(third.active.every((s) => !('token' in s) && !('tokenHash' in s))).toBe(true);

        const retry = await l.open({
          userId: 'carol',
          device: { userAgent: FIREFOX_WIN },
          replace: a.session.id,
        });
        expect(retry.ok).toBe(true);
        if (!retry.ok) return;
        expect(retry.evicted.map((s) => s.id)).toEqual([a.session.id]);
        expect(await l.validate(a.token)).toMatchObject({
          code: 'SESSION_REVOKED',
          reason: 'replaced',
          by: { id: retry.session.id },
        });
        expect((await l.validate(b.token)).ok).toBe(true);
        expect(await l.list('carol')).toHaveLength(2);
      });

      it("replace cannot touch another user's session or invent a slot", async () => {
        const l = limiter({ policy: { max: 1, onLimit: 'reject' } });
        const other = await l.open({ userId: 'mallory' });
        await l.open({ userId: 'carol' });
        if (!other.ok) throw new Error('setup');
        for (const replace of [other.session.id, 'nope', 'A'.repeat(28)]) {
          expect(await l.open({ userId: 'carol', replace })).toMatchObject({
            ok: false,
            code: 'SESSION_LIMIT_REACHED',
          });
        }
        expect((await l.validate(other.token)).ok).toBe(true);
      });

      it('perDevice: a second phone evicts the first phone and leaves the desktop alone', async () => {
        const l = limiter({ policy: { perDevice: { mobile: 1, desktop: 1 } } });
        const phone1 = token(await l.open({ userId: 'dave', device: { userAgent: IPHONE } }));
        clock += MINUTE;
        const desktop = token(await l.open({ userId: 'dave', device: { userAgent: CHROME_MAC } }));
        clock += MINUTE;
        const phone2 = await l.open({ userId: 'dave', device: { userAgent: ANDROID } });
        expect(phone2.ok && phone2.evicted.map((s) => s.device.kind)).toEqual(['mobile']);
        expect(await l.validate(phone1)).toMatchObject({
          code: 'SESSION_REVOKED',
          reason: 'evicted',
        });
        expect((await l.validate(desktop)).ok).toBe(true);
        // A kind not listed shares the sum of the caps: the tablet makes room too.
        const tablet = await l.open({ userId: 'dave', device: { kind: 'tablet' } });
        expect(tablet.ok && tablet.evicted.map((s) => s.device.kind)).toEqual(['desktop']);
      });

      it('perDevice: changing the User-Agent never buys more sessions than the sum of the caps', async () => {
        const l = limiter({ policy: { perDevice: { mobile: 1, desktop: 1 } } });
        const agents = ['curl/8', IPAD, 'x/1'];
        for (let i = 0; i < 30; i++) {
          clock += 1_000;
          await l.open({ userId: 'dave', device: { userAgent: agents[i % agents.length] } });
        }
        expect(await l.list('dave')).toHaveLength(2);
      });

      it('perDevice with reject refuses only the full kind', async () => {
        const l = limiter({ policy: { perDevice: { mobile: 1 }, max: 3, onLimit: 'reject' } });
        await l.open({ userId: 'u', device: { userAgent: IPHONE } });
        expect(await l.open({ userId: 'u', device: { userAgent: ANDROID } })).toMatchObject({
          ok: false,
          code: 'SESSION_LIMIT_REACHED',
        });
        expect((await l.open({ userId: 'u', device: { userAgent: CHROME_MAC } })).ok).toBe(true);
      });

      it('a policy function decides per user', async () => {
        const l = createSessionLimiter<{ role: string }>({
          store: handle.store,
          now: () => clock,
          pruneInterval: false,
          policy: (user) => Promise.resolve(user.role === 'staff' ? { max: 1 } : {}),
        });
        limiters.push(l as SessionLimiter);
        await l.open({ userId: 's', user: { role: 'staff' } });
        await l.open({ userId: 's', user: { role: 'staff' } });
        await l.open({ userId: 'c', user: { role: 'customer' } });
        await l.open({ userId: 'c', user: { role: 'customer' } });
        expect(await l.list('s')).toHaveLength(1);
        expect(await l.list('c')).toHaveLength(2);
      });
    });

    describe('timeouts', () => {
      it('ends an idle session on the server and frees its slot', async () => {
        const l = limiter({ policy: { max: 1, onLimit: 'reject' }, idleTimeout: '30m' });
        const a = token(await l.open({ userId: 'u' }));
        clock += 29 * MINUTE;
        expect((await l.validate(a)).ok).toBe(true);
        clock += 29 * MINUTE; // active 29 minutes ago: still live
        expect((await l.validate(a)).ok).toBe(true);
        clock += 31 * MINUTE;
        expect(await l.validate(a)).toMatchObject({
          code: 'SESSION_EXPIRED',
          reason: 'idle-timeout',
        });
        // A closed browser does not lock the user out.
        const b = await l.open({ userId: 'u' });
        expect(b.ok).toBe(true);
      });

      it('a lapsed session never holds a slot, even unobserved', async () => {
        const l = limiter({ policy: { max: 1, onLimit: 'reject' }, idleTimeout: '10m' });
        const a = token(await l.open({ userId: 'u' }));
        clock += 11 * MINUTE;
        expect((await l.open({ userId: 'u' })).ok).toBe(true);
        expect(await l.validate(a)).toMatchObject({
          code: 'SESSION_EXPIRED',
          reason: 'idle-timeout',
        });
      });

      it('ends a busy session at its absolute timeout', async () => {
        const l = limiter({ idleTimeout: '30m', absoluteTimeout: '2h' });
        const a = token(await l.open({ userId: 'u' }));
        for (let i = 0; i < 11; i++) {
          clock += 10 * MINUTE;
          expect((await l.validate(a)).ok).toBe(true);
        }
        clock += 10 * MINUTE;
        expect(await l.validate(a)).toMatchObject({
          code: 'SESSION_EXPIRED',
          reason: 'absolute-timeout',
          at: START + 120 * MINUTE,
        });
      });

      it('per-policy timeouts override the defaults', async () => {
        const l = limiter({ policy: { idleTimeout: '5m' }, idleTimeout: '1h' });
        const a = token(await l.open({ userId: 'u' }));
        clock += 6 * MINUTE;
        expect((await l.validate(a)).ok).toBe(false);
      });

      it('writes last-seen at most once per touch interval', async () => {
        const l = limiter({ touchInterval: '1m', idleTimeout: '1h' });
        const a = await l.open({ userId: 'u' });
        if (!a.ok) throw new Error('setup');
        const lastSeen = async () => {
          const found = await handle.store.find(a.session.id);
          return found?.kind === 'session' ? found.record.lastSeenAt : -1;
        };
        clock += 30_000;
        await l.validate(a.token);
        expect(await lastSeen()).toBe(START);
        clock += 31_000;
        const v = await l.validate(a.token);
        expect(await lastSeen()).toBe(START + 61_000);
        expect(v.ok && v.session.lastSeenAt).toBe(START + 61_000);
      });
    });

    describe('ending sessions', () => {
      it('close ends only that session, with reason logout', async () => {
        const l = limiter();
        const a = token(await l.open({ userId: 'u' }));
        const b = token(await l.open({ userId: 'u' }));
        expect(await l.close(a)).toBe(true);
        expect(await l.close(a)).toBe(false);
        expect(await l.close('junk')).toBe(false);
        expect(await l.validate(a)).toMatchObject({ code: 'SESSION_REVOKED', reason: 'logout' });
        expect((await l.validate(b)).ok).toBe(true);
      });

      // Found by the model-based tests: open, the idle timeout passes, close.
      it('close of a lapsed session answers false: it had expired, it was not logged out', async () => {
        const l = limiter({ policy: { max: 1 }, idleTimeout: '10m' });
        const closed: string[] = [];
        l.on('closed', (e) => closed.push(e.session.id));
        const a = await l.open({ userId: 'u' });
        if (!a.ok) throw new Error('setup');
        clock += 11 * MINUTE;
        expect(await l.close(a.token)).toBe(false);
        expect(closed).toEqual([]);
        expect(await l.validate(a.token)).toEqual({
          ok: false,
          code: 'SESSION_EXPIRED',
          reason: 'idle-timeout',
          at: START + 10 * MINUTE,
        });
      });

      it("revoke refuses unknown ids and other users' sessions", async () => {
        const l = limiter();
        const mine = await l.open({ userId: 'u' });
        const theirs = await l.open({ userId: 'v' });
        if (!mine.ok || !theirs.ok) throw new Error('setup');
        for (const id of [theirs.session.id, 'missing', 'A'.repeat(28), '']) {
          await expect(l.revoke('u', id)).rejects.toMatchObject({ code: 'SESSION_NOT_FOUND' });
        }
        expect((await l.validate(theirs.token)).ok).toBe(true);
        const revoked = await l.revoke('u', mine.session.id, { reason: 'password-changed' });
        expect(revoked.id).toBe(mine.session.id);
        expect(await l.validate(mine.token)).toMatchObject({
          code: 'SESSION_REVOKED',
          reason: 'password-changed',
        });
        await expect(l.revoke('u', mine.session.id)).rejects.toMatchObject({
          code: 'SESSION_NOT_FOUND',
        });
      });

      // Found by the model-based tests: open, the absolute timeout passes, revoke.
      it('revoke refuses a session that has lapsed: it is not live, it expired', async () => {
        const l = limiter({ idleTimeout: '10m', absoluteTimeout: '2h' });
        const revoked: string[] = [];
        l.on('revoked', (e) => revoked.push(e.session.id));
        const a = await l.open({ userId: 'u' });
        if (!a.ok) throw new Error('setup');
        clock += 10 * 60 * MINUTE;
        await expect(l.revoke('u', a.session.id)).rejects.toMatchObject({
          code: 'SESSION_NOT_FOUND',
        });
        expect(revoked).toEqual([]);
        expect(await l.validate(a.token)).toEqual({
          ok: false,
          code: 'SESSION_EXPIRED',
          reason: 'absolute-timeout',
          at: START + 120 * MINUTE,
        });
      });

      it('revokeAll signs out everywhere else', async () => {
        const l = limiter();
        const keep = await l.open({ userId: 'u' });
        const other1 = token(await l.open({ userId: 'u' }));
        const other2 = token(await l.open({ userId: 'u' }));
        const stranger = token(await l.open({ userId: 'v' }));
        if (!keep.ok) throw new Error('setup');
        const ended = await l.revokeAll('u', { except: keep.session.id });
        expect(ended).toHaveLength(2);
        expect((await l.validate(keep.token)).ok).toBe(true);
        expect((await l.validate(other1)).ok).toBe(false);
        expect((await l.validate(other2)).ok).toBe(false);
        expect((await l.validate(stranger)).ok).toBe(true);
        expect(await l.revokeAll('u')).toHaveLength(1);
        expect(await l.list('u')).toEqual([]);
      });

      it('list shows live sessions only, most recently active first, with no secrets', async () => {
        const l = limiter({ idleTimeout: '10m' });
        const old = token(
          await l.open({ userId: 'u', device: { userAgent: IPHONE, ip: '203.0.113.9' } }),
        );
        clock += 11 * MINUTE;
        await l.open({ userId: 'u', device: { userAgent: CHROME_MAC }, data: { note: 'hi' } });
        clock += MINUTE;
        await l.open({ userId: 'u', device: { userAgent: FIREFOX_WIN } });
        const list = await l.list('u');
        expect(list.map((s) => s.device.label)).toEqual([
          'Firefox 133 on Windows',
          'Chrome 131 on macOS',
        ]);
        expect(list[1]!.data).toEqual({ note: 'hi' });
        expect(JSON.stringify(list)).not.toContain(old.split('.')[1]);
        expect(Object.keys(list[0]!).sort()).toEqual(
          ['createdAt', 'device', 'expiresAt', 'id', 'lastSeenAt', 'userId'].sort(),
        );
      });
    });

    describe('events and watch', () => {
      it('emits opened, evicted, rejected, revoked, closed and expired', async () => {
        const l = limiter({ policy: { max: 1 }, idleTimeout: '10m' });
        const seen: string[] = [];
        for (const name of [
          'opened',
          'evicted',
          'rejected',
          'revoked',
          'closed',
          'expired',
        ] as const) {
          l.on(name, () => seen.push(name));
        }
        const a = token(await l.open({ userId: 'u' }));
        const b = await l.open({ userId: 'u' });
        if (!b.ok) throw new Error('setup');
        await l.revoke('u', b.session.id);
        const c = token(await l.open({ userId: 'u' }));
        await l.close(c);
        const d = token(await l.open({ userId: 'u' }));
        clock += 11 * MINUTE;
        await l.validate(d);
        const r = createSessionLimiter({
          store: handle.store,
          policy: { max: 1, onLimit: 'reject' },
          pruneInterval: false,
          now: () => clock,
        });
        limiters.push(r);
        r.on('rejected', () => seen.push('rejected'));
        await r.open({ userId: 'w' });
        await r.open({ userId: 'w' });
        expect(seen).toEqual([
          'opened',
          'evicted',
          'opened',
          'revoked',
          'opened',
          'closed',
          'opened',
          'expired',
          'rejected',
        ]);
        expect(a).toBeTypeOf('string');
      });

      it('events and watch notices never carry a token or its hash', async () => {
        const seen: unknown[] = [];
        const l = limiter({ policy: { max: 1 }, idleTimeout: '10m', onError: (e) => seen.push(e) });
        for (const name of [
          'opened',
          'evicted',
          'rejected',
          'revoked',
          'closed',
          'expired',
        ] as const) {
          l.on(name, (payload) => seen.push(payload));
        }
        const a = await l.open({ userId: 'u' });
        if (!a.ok) throw new Error('setup');
        l.watch(a.session.id, (ended) => seen.push(ended));
        const b = token(await l.open({ userId: 'u' }));
        await l.close(b);
        const c = token(await l.open({ userId: 'u' }));
        clock += 11 * MINUTE;
        await l.validate(c);
        const text = JSON.stringify(seen);
        expect(seen.length).toBeGreaterThanOrEqual(6);
        for (const t of [a.token, b, c]) {
          expect(text).not.toContain(t.split('.')[1]);
          const found = await handle.store.find(t.split('.')[0]!);
          expect(text).not.toContain(found?.record.tokenHash);
        }
        expect(text).not.toContain('tokenHash');
      });

      it('a throwing listener does not break the operation', async () => {
        const errors: unknown[] = [];
        const l = limiter({ onError: (e) => errors.push(e) });
        l.on('opened', () => {
          throw new Error('listener bug');
        });
        expect((await l.open({ userId: 'u' })).ok).toBe(true);
        expect(errors).toHaveLength(1);
      });

      it('watch fires once when the watched session is evicted', async () => {
        const l = limiter({ policy: { max: 1 } });
        const a = await l.open({ userId: 'u', device: { userAgent: IPHONE } });
        if (!a.ok) throw new Error('setup');
        const notices: string[] = [];
        l.watch(a.session.id, (ended) =>
          notices.push(`${ended.reason} by ${ended.by?.device.label}`),
        );
        await l.open({ userId: 'u', device: { userAgent: FIREFOX_WIN } });
        await l.open({ userId: 'u', device: { userAgent: FIREFOX_WIN } });
        expect(notices).toEqual(['evicted by Firefox 133 on Windows']);
      });
    });

    describe('bounded storage', () => {
      it('prune ends lapsed sessions and forgets tombstones after their time', async () => {
        const l = limiter({ idleTimeout: '10m', tombstoneTtl: '1h' });
        const expired: string[] = [];
        l.on('expired', (e) => expired.push(e.session.id));
        const a = await l.open({ userId: 'u' });
        const b = await l.open({ userId: 'v' });
        if (!a.ok || !b.ok) throw new Error('setup');
        clock += 11 * MINUTE;
        expect(await l.prune()).toMatchObject({ expired: 2 });
        expect(expired.sort()).toEqual([a.session.id, b.session.id].sort());
        expect((await handle.store.find(a.session.id))?.kind).toBe('tombstone');
        expect(await l.validate(a.token)).toMatchObject({
          code: 'SESSION_EXPIRED',
          reason: 'idle-timeout',
        });
        clock += 61 * MINUTE;
        const result = await l.prune();
        expect(result.expired).toBe(0);
        expect(result.forgotten).toBeGreaterThanOrEqual(2);
        expect(await handle.store.find(a.session.id)).toBeNull();
        expect(await handle.store.find(b.session.id)).toBeNull();
        expect(await l.validate(a.token)).toEqual({ ok: false, code: 'SESSION_UNKNOWN' });
      });
    });

    // Capability tests are registered only for stores that claim the capability.
    if (capabilities.push)
      describe('push channel', () => {
        async function pair(options: SessionLimiterOptions = {}) {
          if (!handle.store.subscribe || !handle.sibling) {
            throw new Error('a push store must offer subscribe() and a sibling()');
          }
          const here = limiter(options);
          const there = new InstrumentedStore(await handle.sibling());
          const remote = limiter(options, there);
          await waitFor(() => there.pushUp, 2_000, 'the push channel to come up');
          return { here, remote, there };
        }

        it('a revoke in one process is refused in another within 50 ms, and watchers fire there', async () => {
          const p = await pair({ policy: { max: 1 } });
          // Several evictions, judged by the median, so one stall of a loaded machine is not a
          // failure; each one must still arrive.
          const delays: number[] = [];
          for (let i = 0; i < 5; i++) {
            const a = await p.here.open({ userId: 'u', device: { userAgent: IPHONE } });
            if (!a.ok) throw new Error('setup');
            expect((await p.remote.validate(a.token)).ok).toBe(true);
            const watched: string[] = [];
            const events: boolean[] = [];
            const stopWatching = p.remote.watch(a.session.id, (e) => watched.push(e.reason));
            const stopListening = p.remote.on('evicted', (e) => {
              if (e.session.id === a.session.id) events.push(e.remote);
            });
            await p.here.open({ userId: 'u', device: { userAgent: FIREFOX_WIN } });
            const started = performance.now();
            await waitFor(
              () => watched.length > 0,
              2_000,
              'the eviction to reach the other process',
            );
            delays.push(performance.now() - started);
            expect(await p.remote.validate(a.token)).toMatchObject({
              code: 'SESSION_REVOKED',
              reason: 'evicted',
            });
            expect(watched).toEqual(['evicted']);
            expect(events).toEqual([true]);
            stopWatching();
            stopListening();
          }
          delays.sort((x, y) => x - y);
          expect(delays[2]).toBeLessThan(50);
        });

        if (capabilities.cache)
          it('a warm cache answers validate with no store round trip', async () => {
            const p = await pair();
            const a = token(await p.here.open({ userId: 'u' }));
            for (let i = 0; i < 5; i++) expect((await p.remote.validate(a)).ok).toBe(true);
            expect(p.there.finds).toBe(1);
          });

        // Found by the model-based tests: revoke, validate (which caches the tombstone), the
        // tombstone's time passes, prune.
        if (capabilities.cache)
          it('a cached tombstone is not trusted past its time: once forgotten it reads as unknown', async () => {
            const p = await pair({ tombstoneTtl: '1h' });
            const a = await p.here.open({ userId: 'u' });
            if (!a.ok) throw new Error('setup');
            const ended: string[] = [];
            p.remote.watch(a.session.id, (e) => ended.push(e.reason));
            await p.here.revoke('u', a.session.id);
            await waitFor(() => ended.length > 0, 1_000, 'the revoke to reach the other process');
            clock += 60 * MINUTE - 1_000;
            expect(await p.remote.validate(a.token)).toMatchObject({ code: 'SESSION_REVOKED' });
            clock += 1_000;
            expect((await p.here.prune()).forgotten).toBeGreaterThanOrEqual(1);
            expect(p.remote.validateNow(a.token)).toBeNull();
            expect(await p.remote.validate(a.token)).toEqual({
              ok: false,
              code: 'SESSION_UNKNOWN',
            });
          });

        if (capabilities.cache)
          it('a slow read that began before a revoke cannot bring the session back', async () => {
            const p = await pair();
            const a = await p.here.open({ userId: 'u' });
            if (!a.ok) throw new Error('setup');
            const ended: string[] = [];
            p.remote.watch(a.session.id, (e) => ended.push(e.reason));
            const release = p.there.holdNextFind();
            const slow = p.remote.validate(a.token); // reads "live", then stalls
            await waitFor(() => p.there.heldReads > 0, 1_000, 'the read to reach the store');
            await p.here.revoke('u', a.session.id);
            await waitFor(() => ended.length > 0, 1_000, 'the revoke to reach the other process');
            release();
            expect((await slow).ok).toBe(true); // the in-flight answer predates the revoke
            expect(await p.remote.validate(a.token)).toMatchObject({
              code: 'SESSION_REVOKED',
              reason: 'revoked',
            });
          });
      });

    if (capabilities.cache)
      describe('push channel and a slow last-seen write', () => {
        it('a touch that ends after a revoke was cached cannot bring the session back', async () => {
          if (!handle.sibling) throw new Error('a cache store must offer sibling()');
          const here = limiter();
          const there = new InstrumentedStore(await handle.sibling());
          const remote = limiter({}, there);
          await waitFor(() => there.pushUp, 2_000, 'the push channel to come up');
          const a = await here.open({ userId: 'u' });
          if (!a.ok) throw new Error('setup');
          const ended: string[] = [];
          remote.watch(a.session.id, (e) => ended.push(e.reason));
          expect((await remote.validate(a.token)).ok).toBe(true);

          clock += 2 * MINUTE; // a last-seen write is due
          const release = there.holdNextTouch();
          const slow = remote.validate(a.token);
          await waitFor(() => there.heldTouches > 0, 1_000, 'the write to be held');
          await here.revoke('u', a.session.id);
          await waitFor(() => ended.length > 0, 1_000, 'the revoke to reach the other process');
          const revoked = { code: 'SESSION_REVOKED', reason: 'revoked' };
          expect(await remote.validate(a.token)).toMatchObject(revoked); // caches the tombstone
          release();
          await slow;
          expect(await remote.validate(a.token)).toMatchObject(revoked);
          expect(remote.validateNow(a.token)).toMatchObject(revoked);
        });
      });

    describe('sessions another system owns (track)', () => {
      it('evicts the older tracked session at the limit, hands its external id back and tells onEvict', async () => {
        const told: { externalId: string; reason: string }[][] = [];
        const l = limiter({
          policy: { max: 1 },
          onEvict: (ended) => {
            told.push(ended.map(({ externalId, reason }) => ({ externalId, reason })));
          },
        });
        const first = await l.track({ userId: 'alice', externalId: 'ba_first' });
        expect(first).toMatchObject({ ok: true, ended: [], session: { externalId: 'ba_first' } });
        clock += MINUTE;
        const second = await l.track({
          userId: 'alice',
          externalId: 'ba_second',
          device: { userAgent: FIREFOX_WIN },
        });
        expect(second).toMatchObject({ ok: true, ended: ['ba_first'] });
        expect(told).toEqual([[{ externalId: 'ba_first', reason: 'evicted' }]]);
        expect(await l.isLive('alice', 'ba_first')).toBe(false);
        expect(await l.isLive('alice', 'ba_second')).toBe(true);
        expect(await l.whyEnded('alice', 'ba_first')).toMatchObject({
          code: 'SESSION_REVOKED',
          reason: 'evicted',
          at: START + MINUTE,
          by: { device: { label: 'Firefox 133 on Windows' } },
        });
        expect(await l.whyEnded('alice', 'ba_second')).toBeNull();
        expect(await l.whyEnded('alice', 'never-tracked')).toBeNull();
        expect(await l.isLive('bob', 'ba_second')).toBe(false); // ids are per user
      });

      it('refuses at the limit in reject mode, then replace by external id signs the chosen one out', async () => {
        const l = limiter({ policy: { max: 2, onLimit: 'reject' } });
        await l.track({ userId: 'carol', externalId: 'one' });
        await l.track({ userId: 'carol', externalId: 'two' });
        const refused = await l.track({ userId: 'carol', externalId: 'three' });
        expect(refused.ok).toBe(false);
        if (refused.ok) return;
        expect(refused.active.map((s) => s.externalId).sort()).toEqual(['one', 'two']);
        expect(await l.isLive('carol', 'three')).toBe(false);
        const retry = await l.track({ userId: 'carol', externalId: 'three', replace: 'one' });
        expect(retry).toMatchObject({ ok: true, ended: ['one'] });
        expect(await l.whyEnded('carol', 'one')).toMatchObject({ reason: 'replaced' });
      });

      it('holds limiter sessions and tracked ones to one policy', async () => {
        const l = limiter({ policy: { max: 1 } });
        const opened = await l.open({ userId: 'dave' });
        const tracked = await l.track({ userId: 'dave', externalId: 'idp-sid-1' });
        expect(tracked).toMatchObject({ ok: true, ended: [] });
        expect((await l.validate(token(opened))).ok).toBe(false);
        const reopened = await l.open({ userId: 'dave' });
        expect(reopened.ok && reopened.evicted.map((s) => s.externalId)).toEqual(['idp-sid-1']);
      });

      it('is a no-op for an id already live; untrack ends it (with its reason) without telling onEvict; an ended id is not tracked again', async () => {
        let told = 0;
        const l = limiter({
          policy: { max: 3 },
          onEvict: () => {
            told++;
          },
        });
        const first = await l.track({ userId: 'erin', externalId: 'x1' });
        const again = await l.track({ userId: 'erin', externalId: 'x1' });
        expect(again.ok && first.ok && again.session.id).toBe(first.ok && first.session.id);
        expect(await l.list('erin')).toHaveLength(1);
        expect(await l.untrack('erin', 'x1')).toBe(true);
        expect(await l.untrack('erin', 'x1')).toBe(false);
        expect(await l.whyEnded('erin', 'x1')).toMatchObject({ reason: 'logout' });
        await l.track({ userId: 'erin', externalId: 'x2' });
        expect(await l.untrack('erin', 'x2', { reason: 'revoked' })).toBe(true);
        expect(await l.whyEnded('erin', 'x2')).toMatchObject({
          code: 'SESSION_REVOKED',
          reason: 'revoked',
        });
        await expect(l.untrack('erin', 'x2', { reason: 'not a word' })).rejects.toMatchObject({
          code: 'INVALID_ARGUMENT',
          field: 'reason',
        });
        expect(told).toBe(0);
        await expect(l.track({ userId: 'erin', externalId: 'x1' })).rejects.toMatchObject({
          code: 'INVALID_ARGUMENT',
          field: 'externalId',
        });
      });

      it('never treats an external id as a token, and refuses malformed ids', async () => {
        const l = limiter();
        const r = await l.track({ userId: 'frank', externalId: 'secret-looking-id' });
        if (!r.ok) throw new Error('refused');
        const forged = `${r.session.id}.${'A'.repeat(43)}`;
        expect(await l.validate(forged)).toMatchObject({ ok: false, code: 'SESSION_UNKNOWN' });
        expect(await l.close(forged)).toBe(false);
        for (const bad of ['', 'has space', 'x'.repeat(257), 'ünïcode', 42, null]) {
          await expect(
            l.track({ userId: 'frank', externalId: bad as string }),
          ).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', field: 'externalId' });
        }
        await expect(l.isLive('frank', 'has space')).rejects.toMatchObject({
          code: 'INVALID_ARGUMENT',
        });
      });

      it('tells onEvict about tracked sessions revoked or timed out, not only evicted', async () => {
        const told: string[] = [];
        const l = limiter({
          policy: { max: Infinity, idleTimeout: '10m' },
          onEvict: (ended) => void told.push(...ended.map((e) => `${e.externalId}:${e.reason}`)),
        });
        const a = await l.track({ userId: 'gina', externalId: 'a' });
        await l.track({ userId: 'gina', externalId: 'b' });
        if (!a.ok) throw new Error('refused');
        await l.revoke('gina', a.session.id);
        clock += 11 * MINUTE;
        expect(await l.isLive('gina', 'b')).toBe(false);
        expect(told.sort()).toEqual(['a:revoked', 'b:idle-timeout']);
      });

      it('100 parallel tracks at limit 1 leave exactly one live', async () => {
        const l = limiter({ policy: { max: 1 } });
        const results = await Promise.all(
          Array.from({ length: 100 }, (_, i) => l.track({ userId: 'racer', externalId: `s${i}` })),
        );
        expect(results.every((r) => r.ok)).toBe(true);
        const live = await Promise.all(results.map((_, i) => l.isLive('racer', `s${i}`)));
        expect(live.filter(Boolean)).toHaveLength(1);
        expect(await l.list('racer')).toHaveLength(1);
      });

      if (capabilities.sibling)
        it('two store instances tracking at once never exceed the limit together', async () => {
          if (!handle.sibling) throw new Error('the handle must offer sibling()');
          const one = limiter({ policy: { max: 2, onLimit: 'reject' } });
          const two = limiter({ policy: { max: 2, onLimit: 'reject' } }, await handle.sibling());
          const results = await Promise.all(
            Array.from({ length: 40 }, (_, i) =>
              (i % 2 ? one : two).track({ userId: 'pair', externalId: `p${i}` }),
            ),
          );
          expect(results.filter((r) => r.ok)).toHaveLength(2);
          expect(await one.list('pair')).toHaveLength(2);
        });
    });

    describe('concurrency', () => {
      for (const k of [1, 3]) {
        it(`100 parallel logins at limit ${k} (evict) leave exactly ${k} live`, async () => {
          const l = limiter({ policy: { max: k } });
          const results = await Promise.all(
            Array.from({ length: 100 }, () => l.open({ userId: 'racer' })),
          );
          const live = await Promise.all(results.map(async (r) => (await l.validate(token(r))).ok));
          expect(live.filter(Boolean)).toHaveLength(k);
          expect(await l.list('racer')).toHaveLength(k);
        });

        it(`100 parallel logins at limit ${k} (reject) admit exactly ${k}`, async () => {
          const l = limiter({ policy: { max: k, onLimit: 'reject' } });
          const results = await Promise.all(
            Array.from({ length: 100 }, () => l.open({ userId: 'racer' })),
          );
          expect(results.filter((r) => r.ok)).toHaveLength(k);
          expect(await l.list('racer')).toHaveLength(k);
        });
      }

      if (capabilities.sibling)
        it('two store instances on the same data never exceed the limit together', async () => {
          if (!handle.sibling) throw new Error('the handle must offer sibling()');
          const one = limiter({ policy: { max: 2, onLimit: 'reject' } });
          const two = limiter({ policy: { max: 2, onLimit: 'reject' } }, await handle.sibling());
          const results = await Promise.all(
            Array.from({ length: 60 }, (_, i) => (i % 2 ? one : two).open({ userId: 'pair' })),
          );
          expect(results.filter((r) => r.ok)).toHaveLength(2);
          expect(await two.list('pair')).toHaveLength(2);
        });
    });
  });
}
