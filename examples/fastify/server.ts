import type { FastifyInstance } from 'fastify';
import { MemoryStore, type SessionStore } from '../../src/index.js';
import { createAccounts } from '../demo/passwords.js';
import { USERS } from '../demo/users.js';
import { createDemoLimiter } from '../shared/limiter.js';
import { createFastifyApp } from './app.js';

/** A running Fastify example. */
export interface RunningExample {
  url: string;
  /** Stops listening (waiting for requests in flight) and disposes the limiter. */
  close(): Promise<void>;
}

/** Starts the Fastify example on the given port (0 for any free one) and host. */
export async function startFastifyExample(options: {
  port: number;
  host: string;
  store?: SessionStore;
}): Promise<RunningExample> {
  const limiter = createDemoLimiter(options.store ?? new MemoryStore());
  let app: FastifyInstance | undefined;
  try {
    app = await createFastifyApp({ limiter, accounts: await createAccounts(USERS) });
    const url = await app.listen({ port: options.port, host: options.host });
    const running = app;
    return {
      url,
      close: async () => {
        await running.close();
        await limiter.dispose();
      },
    };
  } catch (error) {
    await app?.close();
    await limiter.dispose();
    throw error;
  }
}
