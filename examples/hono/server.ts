import { serve, type ServerType } from '@hono/node-server';
import { getConnInfo } from '@hono/node-server/conninfo';
import type { AddressInfo } from 'node:net';
import { MemoryStore, type SessionStore } from '../../src/index.js';
import { createAccounts } from '../demo/passwords.js';
import { USERS } from '../demo/users.js';
import { createDemoLimiter } from '../shared/limiter.js';
import { createHonoApp } from './app.js';

/** A running Hono example. */
export interface RunningExample {
  url: string;
  /** Ends open event streams, stops listening (waiting for requests in flight), disposes the limiter. */
  close(): Promise<void>;
}

/** Starts the Hono example on Node (@hono/node-server) on the given port (0 for any free one). */
export async function startHonoExample(options: {
  port: number;
  host: string;
  store?: SessionStore;
}): Promise<RunningExample> {
  const limiter = createDemoLimiter(options.store ?? new MemoryStore());
  const shutdown = new AbortController();
  try {
    const app = createHonoApp({
      limiter,
      accounts: await createAccounts(USERS),
      getIp: (c) => getConnInfo(c).remote.address,
      shutdown: shutdown.signal,
    });
    const server = await listen(app.fetch, options);
    const { port } = server.address() as AddressInfo;
    const host = options.host.includes(':') ? `[${options.host}]` : options.host;
    return {
      url: `http://${host}:${String(port)}`,
      close: async () => {
        shutdown.abort();
        await new Promise<void>((resolve) => server.close(() => resolve()));
        await limiter.dispose();
      },
    };
  } catch (error) {
    await limiter.dispose();
    throw error;
  }
}

function listen(
  fetch: (request: Request, env: unknown) => Response | Promise<Response>,
  options: { port: number; host: string },
): Promise<ServerType> {
  return new Promise((resolve, reject) => {
    const server = serve({ fetch, port: options.port, hostname: options.host }, () => {
      server.off('error', reject);
      resolve(server);
    });
    server.once('error', reject);
  });
}
