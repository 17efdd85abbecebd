// The PostgreSQL store when connections die or the server cannot be reached: it fails closed in
// bounded time, never answers from a cache it can no longer trust, never crashes, and comes
// back by itself. The shared server keeps running: connections are killed with
// pg_terminate_backend, and "unreachable" is a local TCP proxy that stops forwarding.
import { randomBytes } from 'node:crypto';
import { type Server, type Socket, connect, createServer } from 'node:net';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  createSessionLimiter,
  type OpenResult,
  type SessionLimiter,
  type ValidateResult,
} from '../../src/index.js';
import { PostgresStore } from '../../src/stores/postgres/index.js';
import { InstrumentedStore, waitFor } from '../conformance/suite.js';
import {
  type ClientKind,
  dropSchema,
  openClient,
  type OpenedClient,
} from '../support/factories/postgres.js';
import { DATABASE_URL, serviceAvailable } from '../support/services.js';

const available = await serviceAvailable('PostgreSQL', DATABASE_URL, 5432);
const KINDS: ClientKind[] = ['pg', 'postgres'];
/** The connect timeout the clients get here; failures must come within it plus a margin. */
const CONNECT_TIMEOUT_MS = 1_000;
const BOUND_MS = CONNECT_TIMEOUT_MS + 2_000;

function token(result: OpenResult): string {
  if (!result.ok) throw new Error(`expected the login to succeed, got ${result.code}`);
  return result.token;
}

/** Settles `promise` as a value or an error code, or fails after `ms`: nothing may hang. */
async function settle<T>(promise: Promise<T>, ms = BOUND_MS): Promise<T | { error: string }> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`still pending after ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } catch (error) {
    if (error instanceof Error && error.message.startsWith('still pending')) throw error;
    return { error: (error as { code?: string }).code ?? String(error) };
  } finally {
    clearTimeout(timer);
  }
}

/** A TCP proxy to the server that can refuse connections or swallow them without answering. */
class Proxy {
  mode: 'forward' | 'blackhole' = 'forward';
  readonly #sockets = new Set<Socket>();
  #server: Server | undefined;
  #port = 0;

  get url(): string {
    const url = new URL(DATABASE_URL);
    url.hostname = '127.0.0.1';
    url.port = String(this.#port);
    return url.toString();
  }

  async start(): Promise<void> {
    const target = new URL(DATABASE_URL);
    this.#server = createServer((client) => {
      this.#track(client);
      if (this.mode === 'blackhole') return; // accepted, never answered
      const server = connect({ host: target.hostname, port: Number(target.port) || 5432 });
      this.#track(server);
      client.pipe(server).pipe(client);
      const close = () => {
        client.destroy();
        server.destroy();
      };
      client.on('close', close);
      server.on('close', close);
    });
    await new Promise<void>((resolve) =>
      this.#server?.listen(this.#port, '127.0.0.1', () => resolve()),
    );
    const address = this.#server.address();
    if (typeof address === 'object' && address) this.#port = address.port;
  }

  /** Closes every connection and stops listening: the server is gone. */
  async stop(): Promise<void> {
    for (const socket of this.#sockets) socket.destroy();
    await new Promise<void>((resolve) => {
      if (this.#server) this.#server.close(() => resolve());
      else resolve();
    });
    this.#server = undefined;
  }

  #track(socket: Socket): void {
    this.#sockets.add(socket);
    socket.on('error', () => undefined);
    socket.on('close', () => this.#sockets.delete(socket));
  }
}

describe.runIf(available)('PostgresStore outages', () => {
  const unhandled: unknown[] = [];
  const collect = (error: unknown) => unhandled.push(error);
  const limiters: SessionLimiter[] = [];
  const clients: OpenedClient[] = [];
  let schema: string;

  beforeAll(() => {
    process.on('unhandledRejection', collect);
    process.on('uncaughtException', collect);
  });
  afterAll(() => {
    process.off('unhandledRejection', collect);
    process.off('uncaughtException', collect);
  });
  afterEach(async () => {
    await Promise.all(limiters.splice(0).map((l) => l.dispose()));
    await Promise.all(clients.splice(0).map((c) => c.end()));
    await dropSchema(schema);
    expect(unhandled).toEqual([]);
  });

  /** A limiter on its own client, with a log of its push status and a count of its lookups. */
  function instance(kind: ClientKind, options: { url?: string; applicationName?: string } = {}) {
    const opened = openClient(kind, {
      ...options,
      max: 3,
      connectTimeoutMillis: CONNECT_TIMEOUT_MS,
    });
    clients.push(opened);
    const store = new InstrumentedStore(new PostgresStore({ client: opened.client, schema }));
    const limiter = createSessionLimiter({ store, pruneInterval: false });
    limiters.push(limiter);
    return { limiter, store, statuses: store.statuses };
  }

  /** Opens a session on `from`, warms `to`'s cache with it, and checks the cache answers. */
  async function warm(
    from: SessionLimiter,
    to: ReturnType<typeof instance>,
  ): Promise<{ token: string; id: string }> {
    const result = await from.open({ userId: 'u' });
    if (!result.ok) throw new Error('setup');
    const finds = to.store.finds;
    expect((await to.limiter.validate(result.token)).ok).toBe(true);
    expect((await to.limiter.validate(result.token)).ok).toBe(true);
    expect(to.store.finds).toBe(finds + 1);
    return { token: result.token, id: result.session.id };
  }

  /** A revoke on `from` reaches `to`: its watcher fires and its answer changes. */
  async function revokeReaches(
    from: SessionLimiter,
    to: ReturnType<typeof instance>,
  ): Promise<void> {
    const session = await warm(from, to);
    const ended: string[] = [];
    to.limiter.watch(session.id, (e) => ended.push(e.reason));
    await from.revoke('u', session.id);
    await waitFor(() => ended.length > 0, 2_000, 'the revoke to reach the other instance');
    expect(await to.limiter.validate(session.token)).toMatchObject({ code: 'SESSION_REVOKED' });
  }

  function expectClosedFailure(outcome: unknown): void {
    if (typeof outcome === 'object' && outcome !== null && 'error' in outcome) {
      expect(outcome).toEqual({ error: 'STORE_UNAVAILABLE' });
    }
  }

  for (const kind of KINDS) {
    it(`${kind}: killed connections (LISTEN included) drop the cache, fail closed and come back`, async () => {
      schema = `sl_outage_${randomBytes(6).toString('hex')}`;
      const applicationName = `sl-victim-${randomBytes(6).toString('hex')}`;
      const victim = instance(kind, { applicationName });
      const other = instance(kind);
      await waitFor(() => victim.statuses.includes(true), 5_000, 'LISTEN');
      const session = await warm(other.limiter, victim);

      const db = new pg.Client({ connectionString: DATABASE_URL });
      await db.connect();
      try {
        const { rows: listening } = await db.query(
          `SELECT 1 FROM pg_stat_activity WHERE application_name = $1 AND query ILIKE 'listen%'`,
          [applicationName],
        );
        expect(listening).toHaveLength(1);
        const { rows } = await db.query<{ killed: string }>(
          `SELECT count(pg_terminate_backend(pid)) AS killed FROM pg_stat_activity
           WHERE application_name = $1`,
          [applicationName],
        );
        expect(Number(rows[0]!.killed)).toBeGreaterThanOrEqual(2);
      } finally {
        await db.end();
      }

      // Calls made at once either work on a fresh connection or fail closed, and none hangs.
      const during = await Promise.all([
        settle(victim.limiter.validate(session.token)),
        settle(victim.limiter.open({ userId: 'v' })),
        settle(victim.limiter.list('u')),
        settle(victim.limiter.revokeAll('w')),
      ]);
      during.forEach(expectClosedFailure);

      // Revoked elsewhere while the victim's LISTEN was down: its cache must not answer.
      await other.limiter.revoke('u', session.id);
      await waitFor(() => victim.statuses.includes(false), 5_000, 'the push channel to drop');
      const finds = victim.store.finds;
      const after = await settle<ValidateResult>(victim.limiter.validate(session.token));
      expect(victim.store.finds).toBeGreaterThan(finds);
      expect(after).not.toMatchObject({ ok: true });

      await waitFor(() => victim.statuses.at(-1) === true, 10_000, 'LISTEN to come back');
      await revokeReaches(other.limiter, victim);
    });

    it(`${kind}: an unreachable server fails calls within the connect timeout, then recovers`, async () => {
      schema = `sl_outage_${randomBytes(6).toString('hex')}`;
      const proxy = new Proxy();
      await proxy.start();
      try {
        const victim = instance(kind, { url: proxy.url });
        const other = instance(kind);
        await waitFor(() => victim.statuses.includes(true), 5_000, 'LISTEN');
        await warm(other.limiter, victim);
        const fresh = token(await other.limiter.open({ userId: 'x' }));

        for (const mode of ['refused', 'blackhole'] as const) {
          await proxy.stop();
          if (mode === 'blackhole') {
            proxy.mode = 'blackhole';
            await proxy.start();
          }
          const started = performance.now();
          const outcomes = await Promise.all([
            settle(victim.limiter.open({ userId: 'v' })),
            settle(victim.limiter.validate(fresh)),
            settle(victim.limiter.list('u')),
          ]);
          expect(outcomes, mode).toEqual([
            { error: 'STORE_UNAVAILABLE' },
            { error: 'STORE_UNAVAILABLE' },
            { error: 'STORE_UNAVAILABLE' },
          ]);
          expect(performance.now() - started).toBeLessThan(BOUND_MS);
        }

        await proxy.stop();
        proxy.mode = 'forward';
        await proxy.start();
        const statuses = victim.statuses.length;
        await waitFor(
          () => victim.statuses.length > statuses && victim.statuses.at(-1) === true,
          15_000,
          'LISTEN to come back',
        );
        expect(victim.statuses).toContain(false);
        expect((await victim.limiter.validate(fresh)).ok).toBe(true);
        expect((await victim.limiter.open({ userId: 'v' })).ok).toBe(true);
        await revokeReaches(other.limiter, victim);
      } finally {
        await proxy.stop();
      }
    });
  }
});
