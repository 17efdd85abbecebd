// Row 8: scale. Fills Redis and PostgreSQL with 10 live sessions for each of many users, then
// measures bytes per session, and open and validate p99 at that size against an empty
// store (the two take turns in rounds; validate reads the store: the lookup cache is off), and
// one prune pass's time with 1% of the sessions lapsed. Redis runs on a server of its own so its
// memory figure counts nothing else; PostgreSQL counts its schema's tables and indexes.
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import pg from 'pg';
import {
  createSessionLimiter,
  type SessionLimiter,
  type SessionRecord,
  type SessionStore,
} from '../../src/index.js';
import { newSessionId, newToken } from '../../src/token.js';
import { redisServer } from '../../test/support/servers.js';
import { latencyRounds, roundRatios } from '../lib/rounds.js';
import { newPlace, openStore, removePlace, type StorePlace } from '../lib/stores.js';
import { ratioFigure, type Figure, type Row, type RowContext } from '../row.js';
import { median, percentile, summarize } from '../stats.js';

const PER_USER = 10;
/** Logins in flight while filling. */
const FILL_CONCURRENCY = 32;
/** Every LAPSING-th user's sessions idle out after a minute; the others' after a day. */
const LAPSING = 100;
const SAMPLE_TOKENS = 2000;
const DAY = 24 * 3_600_000;
/** A browser's login, as the app passes it to open. */
const DEVICE = {
  userAgent:
    'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36',
  ip: '203.0.113.7',
};

interface BenchUser {
  short: boolean;
}

export const row: Row = {
  id: '8',
  name: 'scale',
  title:
    'Scale: 10 sessions per user in Redis and PostgreSQL: bytes per session, p99 vs empty, prune',
  async run(context) {
    const users = context.quick ? 1_000 : 100_000;
    const figures: Figure[] = [];
    const redis = await redisServer();
    try {
      await redis.start();
      figures.push(...(await measureStore(context, 'redis', users, redis.url)));
    } finally {
      await redis.destroy();
    }
    figures.push(...(await measureStore(context, 'postgres', users)));
    return figures;
  },
};

/** The limiter of this row: no lookup cache, a last-seen write at most hourly. */
function limiterOn(store: SessionStore, now?: () => number): SessionLimiter<BenchUser> {
  return createSessionLimiter<BenchUser>({
    store,
    policy: (user) => ({ max: PER_USER, idleTimeout: user.short ? '1m' : '24h' }),
    touchInterval: '1h',
    cache: false,
    pruneInterval: false,
    ...(now ? { now } : {}),
  });
}

async function measureStore(
  context: RowContext,
  kind: 'redis' | 'postgres',
  users: number,
  url?: string,
): Promise<Figure[]> {
  const full = await newPlace(kind, 'scale', url);
  const empty = await newPlace(kind, 'scale_empty', url);
  const fullStore = await openStore(full);
  const emptyStore = await openStore(empty);
  const onFull = limiterOn(fullStore.store);
  const onEmpty = limiterOn(emptyStore.store);
  try {
    const before = await bytesUsed(full);
    const started = performance.now();
    const tokens = await fill(context, onFull, users);
    const fillSeconds = (performance.now() - started) / 1000;
    const sessions = users * PER_USER;
    const perSession = ((await bytesUsed(full)) - before) / sessions;
    context.log(
      `${kind}: ${sessions} sessions in ${fillSeconds.toFixed(0)} s, ${perSession.toFixed(0)} B each`,
    );

    const emptyTokens = await fill(context, onEmpty, 10);
    const latency = await compareLatency(context, onFull, tokens, onEmpty, emptyTokens);
    const prune = await prunePass(fullStore.store);
    const figures: Figure[] = [
      {
        label: `${kind}: bytes per session at ${sessions} sessions`,
        value: perSession,
        unit: 'B',
        ...(kind === 'redis' ? { target: { atMost: 300, timing: false } } : {}),
        detail:
          kind === 'redis'
            ? `used_memory of a Redis server of its own, before and after the fill (${fillSeconds.toFixed(0)} s)`
            : `tables and indexes of the store's schema (pg_total_relation_size), fill ${fillSeconds.toFixed(0)} s`,
      },
      ...latency.map((figure) => ({ ...figure, label: `${kind}: ${figure.label}` })),
      {
        label: `${kind}: one prune pass at ${sessions} sessions`,
        value: prune.ms,
        unit: 'ms',
        detail: `${prune.expired} lapsed sessions ended (1% of the users idle out after a minute)`,
      },
    ];
    return figures;
  } finally {
    await onFull.dispose();
    await onEmpty.dispose();
    await fullStore.close();
    await emptyStore.close();
    await removePlace(full);
    await removePlace(empty);
  }
}

/**
 * Puts PER_USER sessions for each of `users` users in the store, one commit per user through the
 * store's own `commitUser` (1,000,000 logins one at a time would take most of an hour on
 * PostgreSQL here). Each record is a copy of one a real login stored, with its own id and token.
 * Returns a sample of the long-lived sessions' tokens.
 */
async function fill(
  context: RowContext,
  limiter: SessionLimiter<BenchUser>,
  users: number,
): Promise<string[]> {
  const template = await templateRecord(limiter);
  const tokens: string[] = [];
  const keepEvery = Math.max(1, Math.floor((users * PER_USER) / SAMPLE_TOKENS));
  const tag = randomBytes(3).toString('hex');
  let next = 0;
  let made = 0;
  const worker = async () => {
    while (next < users) {
      const index = next++;
      const userId = `scale-${tag}-${index}`;
      const short = index % LAPSING === 0;
      const now = Date.now();
      const idleTimeout = short ? 60_000 : DAY;
      const absoluteExpiresAt = now + (template.absoluteExpiresAt! - template.createdAt);
      const put: SessionRecord[] = [];
      for (let i = 0; i < PER_USER; i++) {
        const id = newSessionId(userId);
        const { token, tokenHash } = newToken(id);
        put.push({
          ...template,
          id,
          userId,
          tokenHash,
          createdAt: now,
          lastSeenAt: now,
          idleTimeout,
          absoluteExpiresAt,
          expiresAt: Math.min(now + idleTimeout, absoluteExpiresAt),
        });
        if (!short && made++ % keepEvery === 0) tokens.push(token);
      }
      if (!(await limiter.store.commitUser(userId, 0, { put, end: [] }))) {
        throw new Error(`could not store ${userId}'s sessions`);
      }
      if (index > 0 && index % 20_000 === 0) context.log(`filled ${index} users`);
    }
  };
  await Promise.all(Array.from({ length: FILL_CONCURRENCY }, worker));
  return tokens;
}

/** The record a real login (browser user agent, IP address) stores for this row's policy. */
async function templateRecord(limiter: SessionLimiter<BenchUser>): Promise<SessionRecord> {
  const userId = `template-${randomBytes(4).toString('hex')}`;
  const opened = await limiter.open({ userId, user: { short: false }, device: DEVICE });
  if (!opened.ok) throw new Error('the template login was refused');
  const { sessions } = await limiter.store.loadUser(userId);
  return sessions[0]!;
}

/** open and validate p99 on the full store as a multiple of the same on the empty one. */
async function compareLatency(
  context: RowContext,
  full: SessionLimiter<BenchUser>,
  fullTokens: string[],
  empty: SessionLimiter<BenchUser>,
  emptyTokens: string[],
): Promise<Figure[]> {
  const settings = context.quick
    ? { rounds: 5, calls: 100, warmup: 1 }
    : { rounds: 15, calls: 400, warmup: 2 };
  let fresh = 0;
  const tag = randomBytes(3).toString('hex');
  const open = (limiter: SessionLimiter<BenchUser>) => async () => {
    const userId = `fresh-${tag}-${fresh++}`;
    const result = await limiter.open({ userId, user: { short: false }, device: DEVICE });
    if (!result.ok) throw new Error('a login was refused');
  };
  const validate = (limiter: SessionLimiter<BenchUser>, tokens: string[]) => async () => {
    const token = tokens[Math.floor(Math.random() * tokens.length)]!;
    if (!(await limiter.validate(token)).ok) throw new Error('a live session was refused');
  };
  const times = await latencyRounds(
    {
      openFull: open(full),
      openEmpty: open(empty),
      validateFull: validate(full, fullTokens),
      validateEmpty: validate(empty, emptyTokens),
    },
    settings,
  );
  const p99 = (samples: readonly number[]) => percentile(samples, 99);
  const ms = (rounds: number[][]) => median(rounds.map(p99)).toPrecision(3);
  return [
    ratioFigure(
      'open p99, full / empty',
      summarize(roundRatios(times.openFull, times.openEmpty, p99)),
      { atMost: 1.5, timing: true },
      `median of round p99s: full ${ms(times.openFull)} ms, empty ${ms(times.openEmpty)} ms`,
    ),
    ratioFigure(
      'validate p99, full / empty',
      summarize(roundRatios(times.validateFull, times.validateEmpty, p99)),
      { atMost: 1.5, timing: true },
      `median of round p99s: full ${ms(times.validateFull)} ms, empty ${ms(times.validateEmpty)} ms`,
    ),
  ];
}

/** One sweep, two minutes later on the limiter's clock, when the short-lived sessions have lapsed. */
async function prunePass(store: SessionStore): Promise<{ ms: number; expired: number }> {
  const later = limiterOn(store, () => Date.now() + 2 * 60_000);
  try {
    const started = performance.now();
    const result = await later.prune();
    return { ms: performance.now() - started, expired: result.expired };
  } finally {
    await later.dispose();
  }
}

/** What the place's data takes: Redis used_memory (a server of its own), or the schema's size. */
async function bytesUsed(place: StorePlace): Promise<number> {
  if (place.store === 'redis') {
    const client = new Redis(place.url!);
    try {
      const info = await client.info('memory');
      return Number(/used_memory:(\d+)/.exec(info)![1]);
    } finally {
      client.disconnect();
    }
  }
  const client = new pg.Client({ connectionString: place.url });
  await client.connect();
  try {
    const { rows } = await client.query<{ bytes: string | null }>(
      `SELECT sum(pg_total_relation_size(c.oid)) AS bytes FROM pg_class c
         JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = $1 AND c.relkind = 'r'`,
      [place.schema],
    );
    return Number(rows[0]?.bytes ?? 0);
  } finally {
    await client.end();
  }
}
