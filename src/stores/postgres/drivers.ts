// One tiny driver per client library: run a statement, run a transaction, LISTEN. Only each
// library's documented API is used, and only as types, so neither is a hard dependency.
import type { Notification, Pool, PoolClient } from 'pg';
import type { ListenMeta, Sql } from 'postgres';
import { configError } from '../../errors.js';
import { timedOut, withDeadline } from './deadline.js';
import { quoteIdent } from './sql.js';

/** A statement parameter. Statements cast each one (`$1::bigint`), so no client guesses types. */
export type Param = string | number | null;

/** Runs one statement; answers the first column of each row. */
export type Query = (text: string, params: readonly Param[]) => Promise<unknown[]>;

/** What a LISTEN connection reports. */
export interface ListenEvents {
  notify(payload: string): void;
  /** Listening (true), or the connection was lost (false) and notices may be missed. */
  status(up: boolean): void;
}

/** The three things the store needs from a client library. */
export interface Driver {
  query: Query;
  transaction(body: (query: Query) => Promise<void>): Promise<void>;
  /**
   * Listens on `channel` until the returned function is called, reconnecting by itself.
   * Resolves once the first attempt is over, listening or not.
   */
  listen(channel: string, events: ListenEvents): Promise<() => Promise<void>>;
}

/**
 * The client libraries the store accepts: a `pg` Pool (v8) or a postgres.js `sql` (v3). Both are
 * optional peer dependencies: install the one you use.
 *
 * @example
 * ```ts
 * import postgres from 'postgres';
 * const client: PostgresClient = postgres(process.env.DATABASE_URL, { connect_timeout: 5 });
 * ```
 */
export type PostgresClient = Pool | Sql;

/** Reconnect delays of the pg LISTEN connection: doubling from the first to the last. */
export const LISTEN_BACKOFF = { first: 100, last: 5_000 };

/**
 * Picks the driver for `client`, or throws `INVALID_CONFIG`. Every statement the driver runs, the
 * wait for a connection included, rejects with `STORE_UNAVAILABLE` after `timeout` ms, and is
 * then cancelled on the server.
 */
export function driverFor(client: unknown, timeout: number): Driver {
  if (isPostgresJs(client)) return postgresJsDriver(client, timeout);
  if (isPgPool(client)) return pgDriver(client, timeout);
  if (isPgClient(client)) {
    throw configError(
      'client',
      'is a pg Client (one connection): pass a pg Pool, the store needs a second connection for LISTEN',
    );
  }
  throw configError(
    'client',
    'must be a pg Pool (new pg.Pool(...)) or a postgres.js sql (postgres(...))',
  );
}

// postgres.js documents `sql` as a tagged-template function with unsafe, begin and listen.
function isPostgresJs(client: unknown): client is Sql {
  if (typeof client !== 'function') return false;
  const sql = client as Partial<Record<'unsafe' | 'begin' | 'listen', unknown>>;
  return (
    typeof sql.unsafe === 'function' &&
    typeof sql.begin === 'function' &&
    typeof sql.listen === 'function'
  );
}

// pg documents Pool's query and connect, and its totalCount and idleCount counters.
function isPgPool(client: unknown): client is Pool {
  return isPgClient(client) && typeof (client as { totalCount?: unknown }).totalCount === 'number';
}

function isPgClient(client: unknown): boolean {
  if (typeof client !== 'object' || client === null) return false;
  const pg = client as Partial<Record<'query' | 'connect' | 'on', unknown>>;
  return (
    typeof pg.query === 'function' &&
    typeof pg.connect === 'function' &&
    typeof pg.on === 'function'
  );
}

function postgresJsDriver(sql: Sql, timeout: number): Driver {
  /** Runs a statement that must answer within `ms`; past it, postgres.js cancels it. */
  const run = (on: Pick<Sql, 'unsafe'>, text: string, params: readonly Param[], ms: number) => {
    if (ms <= 0) return Promise.reject(timedOut(timeout));
    const query = on.unsafe(text, [...params]).values();
    const rows = query.then((values) => values.map((row) => row[0] as unknown));
    return withDeadline(rows, ms, () => cancelQuietly(query));
  };
  return {
    query: (text, params) => run(sql, text, params, timeout),
    async transaction(body) {
      const deadline = performance.now() + timeout;
      const transaction = sql.begin((tx) =>
        body((text, params) => run(tx, text, params, deadline - performance.now())),
      );
      // A transaction still waiting for a connection at the deadline runs nothing when it gets
      // one: its first statement finds no time left and rolls it back.
      await withDeadline(transaction, timeout, () => undefined);
    },
    async listen(channel, events) {
      let stopped = false;
      let listened = false;
      const onlisten = () => {
        if (stopped) return;
        // postgres.js calls this again after each reconnect: notices sent in between are lost.
        if (listened) events.status(false);
        listened = true;
        events.status(true);
      };
      let meta: ListenMeta | undefined;
      const listening = sql.listen(
        channel,
        (payload) => stopped || events.notify(payload),
        onlisten,
      );
      // On failure postgres.js keeps the listener and retries with backoff; onlisten reports
      // success. There is then no handle to unlisten with: after stop, the listener stays
      // registered (silenced) until sql.end(). A handle that comes after stop is used at once.
      listening.then(
        (handle) => {
          meta = handle;
          if (stopped) void handle.unlisten().catch(() => undefined);
        },
        () => undefined,
      );
      await withDeadline(listening, timeout, () => undefined).catch(() => undefined);
      return async () => {
        stopped = true;
        await meta?.unlisten().catch(() => undefined);
      };
    },
  };
}

function pgDriver(pool: Pool, timeout: number): Driver {
  const run = async (client: PoolClient, text: string, params: readonly Param[]) => {
    const result = await client.query<unknown[]>({ text, values: [...params], rowMode: 'array' });
    return result.rows.map((row) => row[0]);
  };
  return {
    query: (text, params) => withClient(pool, timeout, (client) => run(client, text, params)),
    transaction: (body) =>
      withClient(pool, timeout, async (client) => {
        await client.query('BEGIN');
        try {
          await body((text, params) => run(client, text, params));
          await client.query('COMMIT');
        } catch (error) {
          await client.query('ROLLBACK').catch(ignore);
          throw error;
        }
      }),
    async listen(channel, events) {
      const listener = new PgListener(pool, channel, events, timeout);
      await listener.connect();
      return () => listener.stop();
    },
  };
}

const ignore = () => undefined;

/**
 * Cancels a postgres.js statement on the server. The cancel request opens a connection of its own,
 * which fails while the server is down; postgres.js 3's `cancel()` drops the promise of that
 * request, so its failure would surface as an unhandled rejection (ending the process under
 * Node's default). The query's own canceller returns that promise (undocumented, so read with
 * care): it is called and its failure ignored, as `cancel()` would; `cancel()` where there is none.
 */
function cancelQuietly(query: { cancel(): void }): void {
  const pending = query as { cancel(): void; canceller?: unknown };
  const canceller = pending.canceller;
  if (typeof canceller !== 'function') return query.cancel();
  pending.canceller = null;
  void Promise.resolve((canceller as (query: unknown) => unknown)(query)).catch(ignore);
}

/**
 * Runs `work` on a client checked out of the pool, all within `timeout` (the wait for a client
 * included). Past it the caller gets `STORE_UNAVAILABLE` at once, and the client is closed, never
 * handed to another caller while its statement may still run. With `cancel`, the statement is
 * also cancelled on the server, so it cannot go on holding locks or commit late.
 */
function withClient<T>(
  pool: Pool,
  timeout: number,
  work: (client: PoolClient) => Promise<T>,
  cancel = true,
): Promise<T> {
  let client: PoolClient | undefined;
  let expired = false;
  let released = false;
  const release = (destroy: boolean) => {
    if (!client || released) return;
    released = true;
    client.off('error', ignore);
    client.release(destroy);
  };
  const running = pool.connect().then(async (checkedOut) => {
    client = checkedOut;
    // A checked-out client has no error listener of the pool's, and an 'error' event nobody
    // listens to crashes the process. The failing query rejects too, which is enough.
    checkedOut.on('error', ignore);
    if (expired) {
      release(false); // it came after the deadline: unused, it goes straight back
      throw timedOut(timeout);
    }
    try {
      const value = await work(checkedOut);
      release(false);
      return value;
    } catch (error) {
      // A failed client may be broken: the pool closes it instead of reusing it.
      release(true);
      throw error;
    }
  });
  return withDeadline(running, timeout, () => {
    expired = true;
    if (!client || released) return;
    const pid = backendPid(client);
    release(true);
    if (cancel && pid !== undefined) cancelStatement(pool, pid, timeout);
  });
}

/** The server process of a pg client: pg keeps it (undocumented, so read with care). */
function backendPid(client: PoolClient): number | undefined {
  const pid = (client as { processID?: unknown }).processID;
  return typeof pid === 'number' ? pid : undefined;
}

/**
 * Asks the server to cancel whatever process `pid` runs. Best effort: nobody waits for the
 * statement any more, and its connection is already closed (which the server notices only once
 * the statement is over).
 */
function cancelStatement(pool: Pool, pid: number, timeout: number): void {
  const cancelled = withClient(
    pool,
    timeout,
    (client) => client.query('SELECT pg_cancel_backend($1::int)', [pid]),
    false,
  );
  cancelled.catch(ignore);
}

/** A client from the pool within `timeout`; one that comes later goes straight back. */
function checkout(pool: Pool, timeout: number): Promise<PoolClient> {
  const pending = pool.connect();
  return withDeadline(pending, timeout, () => {
    pending.then((late) => late.release(), ignore);
  });
}

/**
 * One connection checked out of the pool for as long as the subscription lives, LISTENing on
 * the channel. When it errors or ends, it reports `status(false)` at once, goes back to the pool
 * to be closed, and a new one is tried with backoff.
 */
class PgListener {
  readonly #pool: Pool;
  readonly #channel: string;
  readonly #events: ListenEvents;
  readonly #timeout: number;
  /** Lets go of the current connection, if there is one. */
  #drop: (() => void) | undefined;
  #retry: NodeJS.Timeout | undefined;
  #failures = 0;
  #stopped = false;

  constructor(pool: Pool, channel: string, events: ListenEvents, timeout: number) {
    this.#pool = pool;
    this.#channel = channel;
    this.#events = events;
    this.#timeout = timeout;
  }

  async connect(): Promise<void> {
    let client: PoolClient;
    try {
      client = await checkout(this.#pool, this.#timeout);
    } catch {
      this.#reconnectLater();
      return;
    }
    const onNotification = (message: Notification) => {
      if (message.channel === this.#channel) this.#events.notify(message.payload ?? '');
    };
    let dropped = false;
    const drop = () => {
      if (dropped) return;
      dropped = true;
      client.off('notification', onNotification);
      if (this.#drop === drop) this.#drop = undefined;
      // A listening or broken connection must never serve other queries: the pool closes it.
      client.release(true);
      if (this.#stopped) return;
      this.#events.status(false);
      this.#reconnectLater();
    };
    // Stays attached after drop: a dead connection may still report errors.
    client.on('error', drop);
    client.on('end', drop);
    client.on('notification', onNotification);
    this.#drop = drop;
    if (this.#stopped) return drop();
    try {
      await withDeadline(client.query(`LISTEN ${quoteIdent(this.#channel)}`), this.#timeout, drop);
    } catch {
      drop();
      return;
    }
    if (this.#drop !== drop) return; // lost, or stopped, while LISTEN ran
    this.#failures = 0;
    this.#events.status(true);
  }

  stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#retry);
    this.#drop?.();
    return Promise.resolve();
  }

  #reconnectLater(): void {
    if (this.#stopped) return;
    const { first, last } = LISTEN_BACKOFF;
    const delay = Math.min(last, first * 2 ** this.#failures++) * (0.5 + Math.random() / 2);
    this.#retry = setTimeout(() => void this.connect(), delay);
    // A retry alone does not keep the process alive.
    this.#retry.unref();
  }
}
