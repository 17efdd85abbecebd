import type { Context, Hono } from 'hono';
import { MemoryStore, type SessionStore } from '../../src/index.js';
import type { SessionLimitEnv } from '../../src/adapters/hono.js';
import { createAccounts } from '../demo/passwords.js';
import { USERS } from '../demo/users.js';
import { createDemoLimiter } from '../shared/limiter.js';
import { createHonoApp } from './app.js';

/** The Hono example before a server runs it: Node, Bun and Deno each serve `app.fetch`. */
export interface HonoExample {
  app: Hono<SessionLimitEnv>;
  /** Stops: ends open event streams, waits for `stopServer`, then disposes the limiter. */
  close(stopServer: () => Promise<void>): Promise<void>;
}

/** The example's app on the demo's users and policies, with the memory store by default. */
export async function createHonoExample(
  getIp: (c: Context) => string | undefined,
  store: SessionStore = new MemoryStore(),
): Promise<HonoExample> {
  const limiter = createDemoLimiter(store);
  const shutdown = new AbortController();
  try {
    const accounts = await createAccounts(USERS);
    const app = createHonoApp({ limiter, accounts, getIp, shutdown: shutdown.signal });
    return {
      app,
      close: async (stopServer) => {
        shutdown.abort();
        await stopServer();
        await limiter.dispose();
      },
    };
  } catch (error) {
    await limiter.dispose();
    throw error;
  }
}
