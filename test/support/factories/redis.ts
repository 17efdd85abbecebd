// Store factory for the race harness and the benches: each call opens its own client (its own
// connection) and RedisStore on one Redis. Options (JSON): `{ url?, prefix?, client? }` with
// `client` 'ioredis' (the default) or 'node-redis'; `url` defaults to REDIS_URL. Closing leaves
// the keys: other processes may still be using them (see deleteKeys).
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { Redis } from 'ioredis';
import { createClient } from 'redis';
import { RedisStore, type RedisClient } from '../../../src/stores/redis/index.js';
import { REDIS_URL } from '../services.js';

export type ClientKind = 'ioredis' | 'node-redis';

export interface RedisFactoryOptions {
  url?: string;
  prefix?: string;
  client?: ClientKind;
}

/** A connected client and how to close it. */
export interface OpenedClient {
  client: RedisClient;
  close(): Promise<void>;
}

/**
 * Connects a client of either library with the options the store's documentation recommends
 * (no offline queue, so commands fail at once while Redis is away instead of running late), or
 * with the library's defaults.
 */
export async function openClient(
  kind: ClientKind,
  url = REDIS_URL,
  options: 'recommended' | 'defaults' = 'recommended',
): Promise<OpenedClient> {
  const recommended = options === 'recommended';
  if (kind === 'ioredis') {
    const client = new Redis(
      url,
      recommended ? { enableOfflineQueue: false, maxRetriesPerRequest: 0 } : {},
    );
    client.on('error', () => undefined);
    await once(client, 'ready');
    return { client, close: () => Promise.resolve(client.disconnect()) };
  }
  const client = createClient({ url, disableOfflineQueue: recommended });
  // node-redis throws 'error' events nobody listens to; an app must listen, and so do tests.
  client.on('error', () => undefined);
  await client.connect();
  return { client, close: () => Promise.resolve(client.destroy()) };
}

/** A prefix no other test or process uses. */
export function randomPrefix(name = 'test'): string {
  return `sl-${name}-${randomBytes(6).toString('hex')}:`;
}

/** Every key under `prefix`, with a throwaway connection. */
export async function keysOf(prefix: string, url = REDIS_URL): Promise<string[]> {
  const redis = new Redis(url);
  try {
    const keys: string[] = [];
    for await (const batch of redis.scanStream({ match: `${prefix}*`, count: 1000 })) {
      keys.push(...(batch as string[]));
    }
    return keys;
  } finally {
    redis.disconnect();
  }
}

/** Deletes every key under `prefix`. */
export async function deleteKeys(prefix: string, url = REDIS_URL): Promise<void> {
  const keys = await keysOf(prefix, url);
  if (keys.length === 0) return;
  const redis = new Redis(url);
  try {
    for (let i = 0; i < keys.length; i += 1000) await redis.del(...keys.slice(i, i + 1000));
  } finally {
    redis.disconnect();
  }
}

export default async function createStore(
  options: unknown = {},
): Promise<{ store: RedisStore; close(): Promise<void> }> {
  const { url, prefix, client: kind } = checkOptions(options);
  const opened = await openClient(kind ?? 'ioredis', url);
  const store = new RedisStore({ client: opened.client, prefix: prefix ?? randomPrefix('race') });
  return {
    store,
    close: async () => {
      await store.close();
      await opened.close();
    },
  };
}

function checkOptions(options: unknown): RedisFactoryOptions {
  const { url, prefix, client } = (options ?? {}) as Record<string, unknown>;
  if (
    (url !== undefined && typeof url !== 'string') ||
    (prefix !== undefined && typeof prefix !== 'string') ||
    (client !== undefined && client !== 'ioredis' && client !== 'node-redis')
  ) {
    throw new Error(
      `the redis factory takes { url?, prefix?, client?: 'ioredis' | 'node-redis' }, got ${JSON.stringify(options)}`,
    );
  }
  const checked: RedisFactoryOptions = {};
  if (url !== undefined) checked.url = url;
  if (prefix !== undefined) checked.prefix = prefix;
  if (client !== undefined) checked.client = client;
  return checked;
}
