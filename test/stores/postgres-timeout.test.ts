// The PostgreSQL store's `timeout`: a statement stalled behind a lock held elsewhere, or a call
// waiting for a connection of a full pool, fails with STORE_UNAVAILABLE once it has passed, and
// the stalled statement is cancelled on the server: it neither waits on nor commits later.
import { randomBytes } from 'node:crypto';
import { type AddressInfo, type Socket, connect, createServer } from 'node:net';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createSessionLimiter, type SessionLimiter } from '../../src/index.js';
import { PostgresStore } from '../../src/stores/postgres/index.js';
import {
  type ClientKind,
  dropSchema,
  openClient,
  type OpenedClient,
} from '../support/factories/postgres.js';
import { DATABASE_URL, serviceAvailable } from '../support/services.js';

const available = await serviceAvailable('PostgreSQL', DATABASE_URL, 5432);
const KINDS: ClientKind[] = ['pg', 'postgres'];
const TIMEOUT = 1_000;
/** Timers and the network on a busy machine: how late a timeout may fire. */
const SLACK = 1_000;

/**
 * Runs `attempt` until it resolves, for at most 3 s: the store's short timeout here is for the
 * stalls under test, and a busy machine may need a retry once the lock is gone.
 */
async function eventually<T>(attempt: () => Promise<T>): Promise<T> {
  const deadline = performance.now() + 3_000;
  for (;;) {
    try {
      return await attempt();
    } catch (error) {
      if (performance.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}

/** How long `call` took to reject, and with what. */
async function rejection(call: Promise<unknown>): Promise<{ ms: number; error: unknown }> {
  const started = performance.now();
  try {
    await call;
  } catch (error) {
    return { ms: performance.now() - started, error };
  }
  throw new Error('expected the call to reject');
}

describe.runIf(available)('PostgresStore timeout', () => {
  const unhandled: unknown[] = [];
  const collect = (error: unknown) => unhandled.push(error);
  let cleanups: (() => Promise<unknown>)[] = [];
  let admin: pg.Client;

  beforeAll(async () => {
    process.on('unhandledRejection', collect);
    admin = new pg.Client({ connectionString: DATABASE_URL });
    await admin.connect();
  });
  afterAll(async () => {
    process.off('unhandledRejection', collect);
    await admin.end();
  });
  afterEach(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
    cleanups = [];
    expect(unhandled).toEqual([]);
  });

  /** A limiter on its own client whose connections carry `applicationName`. */
  async function setUp(kind: ClientKind, max = 4, url = DATABASE_URL) {
    const schema = `sl_timeout_${randomBytes(6).toString('hex')}`;
    const applicationName = `sl-timeout-${randomBytes(6).toString('hex')}`;
    const opened: OpenedClient = openClient(kind, { applicationName, max, url });
    const store = new PostgresStore({ client: opened.client, schema, timeout: TIMEOUT });
    const limiter: SessionLimiter = createSessionLimiter({
      store,
      cache: false,
      pruneInterval: false,
    });
    cleanups.push(
      () => dropSchema(schema),
      () => opened.end(),
      () => limiter.dispose(),
    );
    // Creates the schema (a first call on a busy machine may need more than the short timeout).
    expect((await eventually(() => limiter.open({ userId: 'u' }))).ok).toBe(true);
    return { limiter, schema, applicationName };
  }

  /** A transaction on another connection that holds a lock until it is rolled back. */
  async function hold(statement: string): Promise<() => Promise<void>> {
    const locker = new pg.Client({ connectionString: DATABASE_URL });
    await locker.connect();
    await locker.query('BEGIN');
    await locker.query(statement);
    let released = false;
    const release = async () => {
      if (released) return;
      released = true;
      await locker.query('ROLLBACK');
      await locker.end();
    };
    cleanups.push(release);
    return release;
  }

  /** How many of the store's connections wait on a lock right now. */
  async function waitingOnLocks(applicationName: string): Promise<number> {
    const { rows } = await admin.query<{ n: string }>(
      `SELECT count(*) AS n FROM pg_stat_activity
       WHERE application_name = $1 AND wait_event_type = 'Lock'`,
      [applicationName],
    );
    return Number(rows[0]!.n);
  }

  async function untilNoneWaits(applicationName: string): Promise<void> {
    const deadline = performance.now() + 3_000;
    while ((await waitingOnLocks(applicationName)) > 0) {
      if (performance.now() > deadline) {
        throw new Error('a timed-out statement still waits on the server');
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  for (const kind of KINDS) {
    it(`${kind}: a read stalled behind a lock fails in time and is cancelled on the server`, async () => {
      const { limiter, schema, applicationName } = await setUp(kind);
      const opened = await limiter.open({ userId: 'v' });
      if (!opened.ok) throw new Error('setup');
      const release = await hold(`LOCK TABLE "${schema}".sessions IN ACCESS EXCLUSIVE MODE`);

      const { ms, error } = await rejection(limiter.validate(opened.token));
      expect(error).toMatchObject({ code: 'STORE_UNAVAILABLE' });
      expect(ms).toBeGreaterThanOrEqual(TIMEOUT - 20);
      expect(ms).toBeLessThan(TIMEOUT + SLACK);
      await untilNoneWaits(applicationName);

      await release();
      expect((await eventually(() => limiter.validate(opened.token))).ok).toBe(true);
    });

    it(`${kind}: a login stalled behind a user's row lock fails and, once cancelled, never commits`, async () => {
      const { limiter, schema, applicationName } = await setUp(kind);
      const release = await hold(`SELECT 1 FROM "${schema}".users WHERE user_id = 'u' FOR UPDATE`);

      const { ms, error } = await rejection(limiter.open({ userId: 'u' }));
      expect(error).toMatchObject({ code: 'STORE_UNAVAILABLE' });
      expect(ms).toBeLessThan(TIMEOUT + SLACK);
      // The cancel follows the refusal by a round trip; a lock let go before it lands would let
      // the statement run (the outcome of a call that timed out is unknown, as with any store).
      await untilNoneWaits(applicationName);

      await release();
      await new Promise((resolve) => setTimeout(resolve, 200));
      // Only the session from setUp: the refused login was cancelled, not run once the lock went.
      expect(await eventually(() => limiter.list('u'))).toHaveLength(1);
    });

    it(`${kind}: a call waiting for a connection of a full pool fails in time`, async () => {
      // One connection for statements (pg's pool also lends one to LISTEN; postgres.js opens
      // its own): the stalled read takes it, so the next call can only wait for the pool.
      const { limiter, schema } = await setUp(kind, kind === 'pg' ? 2 : 1);
      const opened = await limiter.open({ userId: 'w' });
      if (!opened.ok) throw new Error('setup');
      const release = await hold(`LOCK TABLE "${schema}".sessions IN ACCESS EXCLUSIVE MODE`);
      const stalled = rejection(limiter.validate(opened.token));
      const waiting = await rejection(limiter.list('w'));
      expect(waiting.error).toMatchObject({ code: 'STORE_UNAVAILABLE' });
      expect(waiting.ms).toBeLessThan(TIMEOUT + SLACK);
      expect((await stalled).error).toMatchObject({ code: 'STORE_UNAVAILABLE' });
      await release();
      expect((await eventually(() => limiter.list('w'))).map((s) => s.id)).toEqual([
        opened.session.id,
      ]);
    });
  }

  it('postgres: a stalled statement whose cancel request cannot connect fails, and nothing is left unhandled', async () => {
    // postgres.js cancels on a connection of its own: through a proxy that stops taking new
    // connections, the statement's connection stays up and the cancel's is refused, as when the
    // server goes down under a stalled statement.
    const proxy = await tcpProxy(new URL(DATABASE_URL));
    const url = new URL(DATABASE_URL);
    url.port = String(proxy.port);
    const { limiter, schema } = await setUp('postgres', 1, url.href);
    const opened = await limiter.open({ userId: 'x' });
    if (!opened.ok) throw new Error('setup');
    const release = await hold(`LOCK TABLE "${schema}".sessions IN ACCESS EXCLUSIVE MODE`);
    proxy.refuseNew();

    const { error } = await rejection(limiter.validate(opened.token));
    expect(error).toMatchObject({ code: 'STORE_UNAVAILABLE' });
    await new Promise((resolve) => setTimeout(resolve, 200));
    await release();
    proxy.close();
  });

  /** Forwards TCP connections to `target`; `refuseNew()` stops listening but keeps the open ones. */
  async function tcpProxy(target: URL) {
    const sockets = new Set<Socket>();
    const server = createServer((incoming) => {
      const outgoing = connect(Number(target.port), target.hostname);
      for (const socket of [incoming, outgoing]) {
        sockets.add(socket);
        socket.on('error', () => undefined).on('close', () => sockets.delete(socket));
      }
      incoming.pipe(outgoing).pipe(incoming);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const close = () => {
      server.close();
      for (const socket of sockets) socket.destroy();
    };
    cleanups.push(() => Promise.resolve(close()));
    return {
      port: (server.address() as AddressInfo).port,
      refuseNew: () => server.close(),
      close,
    };
  }

  it('refuses a timeout that is not a positive duration', () => {
    const { client, end } = openClient('pg');
    cleanups.push(end);
    for (const timeout of [0, -1, 'soon', Infinity, '0s']) {
      expect(() => new PostgresStore({ client, timeout } as never)).toThrow(
        expect.objectContaining({ code: 'INVALID_CONFIG', field: 'timeout' }),
      );
    }
  });
});
