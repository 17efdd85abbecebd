// One tiny driver per client library: run a statement, run a transaction, LISTEN. Only each
// library's documented API is used, and only as types, so neither is a hard dependency.
import type { Notification, Pool, PoolClient } from 'pg';
import type { ListenMeta, Sql } from 'postgres';
import { configError } from '../../errors.js';
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

/** Picks the driver for `client`, or throws `INVALID_CONFIG`. */
export function driverFor(client: unknown): Driver {
  if (isPostgresJs(client)) return postgresJsDriver(client);
  if (isPgPool(client)) return pgDriver(client);
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

function postgresJsDriver(sql: Sql): Driver {
  const run = async (on: Pick<Sql, 'unsafe'>, text: string, params: readonly Param[]) => {
    const rows = await on.unsafe(text, [...params]).values();
    return rows.map((row) => row[0] as unknown);
  };
  return {
    query: (text, params) => run(sql, text, params),
    async transaction(body) {
      await sql.begin((tx) => body((text, params) => run(tx, text, params)));
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
      try {
        meta = await sql.listen(channel, (payload) => stopped || events.notify(payload), onlisten);
      } catch {
        // postgres.js keeps the listener and retries with backoff; onlisten reports success.
        // There is then no handle to unlisten with: after stop, the listener stays registered
        // (silenced) until sql.end().
      }
      return async () => {
        stopped = true;
        await meta?.unlisten().catch(() => undefined);
      };
    },
  };
}

function pgDriver(pool: Pool): Driver {
  const run = async (on: Pool | PoolClient, text: string, params: readonly Param[]) => {
    const result = await on.query<unknown[]>({ text, values: [...params], rowMode: 'array' });
    return result.rows.map((row) => row[0]);
  };
  return {
    query: (text, params) => run(pool, text, params),
    async transaction(body) {
      const client = await pool.connect();
      // A checked-out client has no error listener of the pool's, and an 'error' event nobody
      // listens to crashes the process. The failing query rejects too, which is enough.
      const ignore = () => undefined;
      client.on('error', ignore);
      let failed = false;
      try {
        await client.query('BEGIN');
        await body((text, params) => run(client, text, params));
        await client.query('COMMIT');
      } catch (error) {
        failed = true;
        await client.query('ROLLBACK').catch(ignore);
        throw error;
      } finally {
        client.off('error', ignore);
        // A failed client may be broken: the pool closes it instead of reusing it.
        client.release(failed);
      }
    },
    async listen(channel, events) {
      const listener = new PgListener(pool, channel, events);
      await listener.connect();
      return () => listener.stop();
    },
  };
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
  /** Lets go of the current connection, if there is one. */
  #drop: (() => void) | undefined;
  #retry: NodeJS.Timeout | undefined;
  #failures = 0;
  #stopped = false;

  constructor(pool: Pool, channel: string, events: ListenEvents) {
    this.#pool = pool;
    this.#channel = channel;
    this.#events = events;
  }

  async connect(): Promise<void> {
    let client: PoolClient;
    try {
      client = await this.#pool.connect();
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
      await client.query(`LISTEN ${quoteIdent(this.#channel)}`);
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
