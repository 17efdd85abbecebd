import { SessionLimiterError, describeValue } from '../../errors.js';
import type { Script } from './scripts.js';

/**
 * The part of an ioredis client, v5 or v6, that the store uses: what `new Redis(...)` and
 * `new Cluster(...)` are. Written out here rather than imported, so an app that uses only one of
 * the two libraries compiles without the other installed.
 *
 * @example
 * ```ts
 * import { Redis } from 'ioredis';
 * const client: IORedisClient = new Redis(process.env.REDIS_URL!, { enableOfflineQueue: false });
 * ```
 */
export interface IORedisClient {
  evalsha(sha1: string, numkeys: number, ...args: string[]): Promise<unknown>;
  eval(script: string, numkeys: number, ...args: string[]): Promise<unknown>;
  subscribe(channel: string): Promise<unknown>;
  unsubscribe(channel: string): Promise<unknown>;
  duplicate(): IORedisClient;
  connect(): Promise<void>;
  disconnect(): void;
  readonly status: string;
  on(event: 'message', listener: (channel: string, message: string) => void): unknown;
  on(event: string, listener: () => void): unknown;
  off(event: 'message', listener: (channel: string, message: string) => void): unknown;
  off(event: string, listener: () => void): unknown;
}

/** A node-redis pub/sub listener (messages arrive as strings unless asked for as buffers). */
type NodeRedisListener = (message: string | Buffer, channel: string | Buffer) => void;

/**
 * The part of a node-redis client, v5 or v6, that the store uses: what `createClient()` and
 * `createCluster()` return, whatever their modules, RESP version or type mapping.
 *
 * @example
 * ```ts
 * import { createClient } from 'redis';
 * const client: NodeRedisClient = await createClient({ url: process.env.REDIS_URL }).connect();
 * ```
 */
export interface NodeRedisClient {
  evalSha(sha1: string, options: { keys: string[]; arguments: string[] }): Promise<unknown>;
  eval(script: string, options: { keys: string[]; arguments: string[] }): Promise<unknown>;
  subscribe(channel: string, listener: NodeRedisListener): Promise<void>;
  unsubscribe(channel: string, listener: NodeRedisListener): Promise<void>;
  duplicate(): NodeRedisClient;
  connect(): Promise<unknown>;
  destroy(): void;
  readonly isOpen: boolean;
  readonly isReady: boolean;
  on(event: string, listener: (...args: unknown[]) => void): unknown;
  off(event: string, listener: (...args: unknown[]) => void): unknown;
}

/**
 * A Redis client the store accepts: ioredis (`Redis`, `Cluster`) or node-redis (`createClient()`,
 * `createCluster()`), v5 or v6.
 *
 * @example
 * ```ts
 * const client: RedisClient = new Redis(); // or: await createClient().connect()
 * ```
 */
export type RedisClient = IORedisClient | NodeRedisClient;

/** What the push channel hears from a driver. */
export interface ChannelEvents {
  message(text: string): void;
  /** Subscribed (true), or the connection dropped and messages may be lost (false). */
  status(up: boolean): void;
}

/** The little the store needs from a client library. */
export interface Driver {
  /** Runs a script by its hash; sends the source only when that server does not have it yet. */
  run(script: Script, keys: string[], args: string[]): Promise<unknown>;
  /**
   * Listens on `channel` on the subscriber connection (the one given, or a duplicate of the client
   * that the driver owns). Returns a function that stops, closing an owned connection.
   */
  listen(channel: string, events: ChannelEvents): () => Promise<void>;
}

type Kind = 'ioredis' | 'node-redis';

/**
 * Chooses the driver from each client's documented public API: ioredis clients have `evalsha`
 * and a `status` string; node-redis clients have `evalSha` and an `isOpen` flag.
 */
function kindOf(client: unknown): Kind | undefined {
  if (typeof client !== 'object' || client === null) return undefined;
  const c = client as Record<string, unknown>;
  if (typeof c.eval !== 'function') return undefined;
  if (typeof c.evalsha === 'function' && typeof c.status === 'string') return 'ioredis';
  if (typeof c.evalSha === 'function' && typeof c.isOpen === 'boolean') return 'node-redis';
  return undefined;
}

/** An `INVALID_CONFIG` error of the Redis store, naming the option. */
export function redisConfigError(field: string, problem: string): SessionLimiterError {
  return new SessionLimiterError('INVALID_CONFIG', `RedisStore ${field} ${problem}`, { field });
}

/**
 * The driver for `client`, with `subscriber` (optional) for pub/sub.
 *
 * @throws SessionLimiterError `INVALID_CONFIG` when either is not a supported client
 */
export function createDriver(client: unknown, subscriber: unknown): Driver {
  const kind = kindOf(client);
  if (!kind) {
    throw redisConfigError(
      'client',
      'must be an ioredis client (new Redis() or new Cluster()) or a node-redis client ' +
        `(createClient() or createCluster()), v5 or v6 (got ${describeValue(client)})`,
    );
  }
  if (subscriber !== undefined) {
    if (kindOf(subscriber) !== kind) {
      throw redisConfigError(
        'subscriber',
        `must be a second ${kind} client, like the client (got ${describeValue(subscriber)})`,
      );
    }
    if (subscriber === client) {
      throw redisConfigError(
        'subscriber',
        'must be its own connection: a subscribed connection cannot run the scripts',
      );
    }
  } else if (typeof (client as { duplicate?: unknown }).duplicate !== 'function') {
    throw redisConfigError('client', 'has no duplicate(): pass a subscriber connection');
  }
  return kind === 'ioredis'
    ? ioredisDriver(client as IORedisClient, subscriber as IORedisClient | undefined)
    : nodeRedisDriver(client as NodeRedisClient, subscriber as NodeRedisClient | undefined);
}

function isNoScript(error: unknown): boolean {
  return error instanceof Error && error.message.startsWith('NOSCRIPT');
}

function ignore(): void {
  // Errors on a connection the store owns show up as status(false); nothing else to do.
}

function ioredisDriver(client: IORedisClient, subscriber: IORedisClient | undefined): Driver {
  return {
    async run(script, keys, args) {
      try {
        return await client.evalsha(script.sha, keys.length, ...keys, ...args);
      } catch (error) {
        if (!isNoScript(error)) throw error;
        // EVAL caches the script on that server, so later calls go by hash again.
        return client.eval(script.source, keys.length, ...keys, ...args);
      }
    },

    listen(channel, events) {
      const sub = subscriber ?? client.duplicate();
      let stopped = false;
      const onMessage = (from: string, message: string) => {
        if (from === channel) events.message(message);
      };
      // On every 'ready' (the first and each reconnect) subscribe again: up once Redis confirms.
      const onReady = () => {
        sub.subscribe(channel).then(
          () => {
            if (!stopped && sub.status === 'ready') events.status(true);
          },
          () => events.status(false),
        );
      };
      const onDown = () => events.status(false);
      sub.on('message', onMessage);
      sub.on('ready', onReady);
      sub.on('close', onDown);
      sub.on('end', onDown);
      if (!subscriber) sub.on('error', ignore);
      if (sub.status === 'ready') onReady();
      else if (!subscriber && sub.status === 'wait') sub.connect().catch(ignore);

      return async () => {
        stopped = true;
        sub.off('message', onMessage);
        sub.off('ready', onReady);
        sub.off('close', onDown);
        sub.off('end', onDown);
        if (subscriber) await sub.unsubscribe(channel).catch(ignore);
        else sub.disconnect();
      };
    },
  };
}

function nodeRedisDriver(client: NodeRedisClient, subscriber: NodeRedisClient | undefined): Driver {
  return {
    async run(script, keys, args) {
      const options = { keys, arguments: args };
      try {
        return await client.evalSha(script.sha, options);
      } catch (error) {
        if (!isNoScript(error)) throw error;
        return client.eval(script.source, options);
      }
    },

    listen(channel, events) {
      const sub = subscriber ?? client.duplicate();
      let stopped = false;
      const listener: NodeRedisListener = (message) => events.message(message.toString());
      // node-redis resubscribes by itself before 'ready'; subscribing again is a no-op then.
      const onReady = () => {
        sub.subscribe(channel, listener).then(
          () => {
            if (!stopped && sub.isReady) events.status(true);
          },
          () => events.status(false),
        );
      };
      const onDown = () => events.status(false);
      const onError = () => {
        if (!sub.isReady) events.status(false);
      };
      // A client says 'ready'; a cluster says 'connect' once it knows its nodes, then speaks of
      // each node. Any node in trouble counts as a drop (the subscribed one may be among them).
      const handlers: [string, () => void][] = [
        ['ready', onReady],
        ['connect', onReady],
        ['node-ready', onReady],
        ['reconnecting', onDown],
        ['end', onDown],
        ['disconnect', onDown],
        ['node-error', onDown],
        ['node-reconnecting', onDown],
        ['node-disconnect', onDown],
        ['error', onError],
      ];
      for (const [event, handler] of handlers) sub.on(event, handler);
      // node-redis throws 'error' events nobody listens to: keep one on a connection we own.
      if (!subscriber) sub.on('error', ignore);
      if (sub.isReady) onReady();
      else if (!subscriber && !sub.isOpen) sub.connect().catch(ignore);

      return async () => {
        stopped = true;
        for (const [event, handler] of handlers) sub.off(event, handler);
        if (subscriber) await sub.unsubscribe(channel, listener).catch(ignore);
        else sub.destroy();
      };
    },
  };
}
