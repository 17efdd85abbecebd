// An app upgrading the library keeps its live sessions: sessions the earlier key layout wrote
// (test/support/redis-earlier-layout.ts) validate, list, touch, end and lapse through today's
// store, which converts each to the compact layout when it first meets it.
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { createSessionLimiter, type SessionLimiter, type SessionRecord } from '../../src/index.js';
import { RedisStore } from '../../src/stores/redis/index.js';
import { newSessionId, newToken, userTag } from '../../src/token.js';
import {
  type ClientKind,
  deleteKeys,
  openClient,
  randomPrefix,
} from '../support/factories/redis.js';
import { writeEarlierLayout } from '../support/redis-earlier-layout.js';
import { REDIS_URL, serviceAvailable } from '../support/services.js';

const available = await serviceAvailable('Redis', REDIS_URL, 6379);
const KINDS: ClientKind[] = ['ioredis', 'node-redis'];
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const START = Date.UTC(2026, 10, 25, 14, 2);
const LAPSED_TTL = HOUR;
// Two user ids whose tags collide: they share one hash.
const [ALICE, BOB] = ['user-130570', 'user-428401'];

/** A session as the earlier store kept it, with the token that opens it. */
function earlierSession(
  userId: string,
  idle: number,
  extra: Partial<SessionRecord> = {},
): { record: SessionRecord; token: string } {
  const id = newSessionId(userId);
  const { token, tokenHash } = newToken(id);
  const record: SessionRecord = {
    id,
    userId,
    tokenHash,
    createdAt: START,
    lastSeenAt: START,
    idleTimeout: idle,
    absoluteExpiresAt: null,
    expiresAt: START + idle,
    generation: 0,
    device: { kind: 'desktop', label: 'Firefox 133 on Windows', ip: '192.0.2.1' },
    ...extra,
  };
  return { record, token };
}

describe.runIf(available)('RedisStore upgrade from the earlier key layout', () => {
  let admin: Redis;
  let prefix: string;
  let clock: number;
  const cleanups: (() => Promise<unknown>)[] = [];

  async function setUp(kind: ClientKind): Promise<{ limiter: SessionLimiter; store: RedisStore }> {
    admin = new Redis(REDIS_URL);
    cleanups.push(() => Promise.resolve(admin.disconnect()));
    prefix = randomPrefix('upgrade');
    const used = prefix;
    cleanups.push(() => deleteKeys(used));
    clock = START;
    const opened = await openClient(kind);
    cleanups.push(() => opened.close());
    const store = new RedisStore({ client: opened.client, prefix, lapsedTtl: LAPSED_TTL });
    const limiter = createSessionLimiter({
      store,
      now: () => clock,
      pruneInterval: false,
      policy: { max: 3 },
      idleTimeout: '30m',
      touchInterval: '1m',
    });
    cleanups.push(
      () => limiter.dispose(),
      () => store.close(),
    );
    return { limiter, store };
  }

  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  /** The fields of the earlier layout left in a hash. */
  async function earlierFields(userId: string): Promise<string[]> {
    const fields = await admin.hkeys(`${prefix}{${userTag(userId)}}:s`);
    return fields.filter((f) => /^[rhule]:/.test(f));
  }

  for (const kind of KINDS) {
    it(`keeps every session the earlier layout wrote working (${kind})`, async () => {
      const { limiter, store } = await setUp(kind);
      const a1 = earlierSession(ALICE, 30 * MINUTE);
      const a2 = earlierSession(ALICE, 30 * MINUTE, { data: { plan: 'family, annual' } });
      // Seen a second later than a2, so a2 is the one a login at the limit evicts.
      const a3 = earlierSession(ALICE, 10 * MINUTE, {
        lastSeenAt: START + 1_000,
        expiresAt: START + 1_000 + 10 * MINUTE,
        device: { kind: 'kiosk', label: 'Front desk 100%' },
      });
      const b1 = earlierSession(BOB, 30 * MINUTE);
      const forever = earlierSession('carol', 0, { idleTimeout: null, expiresAt: null });
      await writeEarlierLayout(
        admin,
        prefix,
        ALICE,
        [a1, a2, a3].map((s) => s.record),
        LAPSED_TTL,
      );
      await writeEarlierLayout(admin, prefix, BOB, [b1.record], LAPSED_TTL);
      await writeEarlierLayout(admin, prefix, 'carol', [forever.record], LAPSED_TTL);

      const indexed = () => admin.zrange(`${prefix}expiry`, '0', '-1');
      expect((await indexed()).map((m) => m.length)).toEqual([28, 28, 28, 28]); // a session each

      // Read as they were written; each user sees only its own sessions in the shared hash.
      expect((await store.loadUser(ALICE)).sessions).toEqual(
        expect.arrayContaining([a1.record, a2.record, a3.record]),
      );
      expect((await store.loadUser(ALICE)).sessions).toHaveLength(3);
      expect((await store.loadUser(BOB)).sessions).toEqual([b1.record]);
      expect(await earlierFields(ALICE)).toEqual([]);
      expect(await store.find(forever.record.id)).toEqual({
        kind: 'session',
        record: forever.record,
      });
      for (const s of [a1, a2, a3, b1, forever])
        expect((await limiter.validate(s.token)).ok).toBe(true);

      // Touched, ended, and replaced by a login at the limit.
      clock += 5 * MINUTE;
      expect((await limiter.validate(a1.token)).ok).toBe(true);
      expect(await store.find(a1.record.id)).toMatchObject({
        record: { lastSeenAt: clock, expiresAt: clock + 30 * MINUTE },
      });
      await limiter.revoke(BOB, b1.record.id);
      expect(await limiter.validate(b1.token)).toMatchObject({ code: 'SESSION_REVOKED' });
      expect(await limiter.list(BOB)).toEqual([]);
      expect((await limiter.open({ userId: ALICE })).ok).toBe(true);
      expect(await limiter.validate(a2.token)).toMatchObject({ reason: 'evicted' });
      expect((await limiter.list(ALICE)).map((s) => s.id)).toContain(a1.record.id);

      // Swept when they lapse: a3 first, then the rest.
      clock += 6 * MINUTE;
      expect(await limiter.prune()).toMatchObject({ expired: 1 });
      expect(await limiter.validate(a3.token)).toMatchObject({ code: 'SESSION_EXPIRED' });
      clock += HOUR;
      expect(await limiter.prune()).toMatchObject({ expired: 2 });
      expect(await limiter.list(ALICE)).toEqual([]);
      expect((await limiter.validate(forever.token)).ok).toBe(true);
      // The earlier index is drained: what is left of it are tags, and the next sweep ends it.
      expect((await indexed()).every((m) => m.length === 6)).toBe(true);
      clock += HOUR;
      await limiter.prune();
      expect(await indexed()).toEqual([]);
    });
  }

  it('converts a session whatever the first operation on it is', async () => {
    const { limiter, store } = await setUp('ioredis');
    const touched = earlierSession('dave', 30 * MINUTE);
    const ended = earlierSession('erin', 30 * MINUTE);
    const committed = earlierSession('frank', 30 * MINUTE);
    await writeEarlierLayout(admin, prefix, 'dave', [touched.record], LAPSED_TTL);
    await writeEarlierLayout(admin, prefix, 'erin', [ended.record], LAPSED_TTL);
    await writeEarlierLayout(admin, prefix, 'frank', [committed.record], LAPSED_TTL);

    await store.touch(touched.record.id, START + MINUTE, START + 31 * MINUTE);
    expect(await earlierFields('dave')).toEqual([]);
    expect(await store.find(touched.record.id)).toEqual({
      kind: 'session',
      record: { ...touched.record, lastSeenAt: START + MINUTE, expiresAt: START + 31 * MINUTE },
    });

    expect(
      await store.endSession({
        session: { ...ended.record },
        reason: 'revoked',
        at: START,
        keepUntil: START + HOUR,
        origin: 'test',
      }),
    ).toEqual(ended.record);
    expect(await limiter.validate(ended.token)).toMatchObject({ code: 'SESSION_REVOKED' });
    expect(await admin.exists(`${prefix}{${userTag('erin')}}:s`)).toBe(0);

    // A commit that rewrites the session (a refresh) counts it once.
    const { version } = await store.loadUser('frank');
    const refreshed = { ...committed.record, generation: 1, tokenHash: 'x'.repeat(43) };
    expect(await store.commitUser('frank', version, { put: [refreshed], end: [] })).toBe(true);
    expect((await store.loadUser('frank')).sessions).toEqual([refreshed]);
    expect(await admin.hget(`${prefix}{${userTag('frank')}}:s`, 'n:frank')).toBe('1');
  });
});
