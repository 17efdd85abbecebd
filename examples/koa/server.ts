import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { MemoryStore, type SessionStore } from '../../src/index.js';
import { createAccounts } from '../demo/passwords.js';
import { USERS } from '../demo/users.js';
import { createDemoLimiter } from '../shared/limiter.js';
import { createKoaApp } from './app.js';

/** A running Koa example. */
export interface RunningExample {
  url: string;
  /** Ends open event streams, stops listening and disposes the limiter. */
  close(): Promise<void>;
}

/** Starts the Koa example on the given port (0 for any free one) and host. */
export async function startKoaExample(options: {
  port: number;
  host: string;
  store?: SessionStore;
}): Promise<RunningExample> {
  const limiter = createDemoLimiter(options.store ?? new MemoryStore());
  const shutdown = new AbortController();
  const app = createKoaApp({
    limiter,
    accounts: await createAccounts(USERS),
    shutdown: shutdown.signal,
  });
  const handle = app.callback();
  const server = createServer((req, res) => {
    // While closing, a connection whose answer (an event stream the shutdown ended) finishes
    // is let go at once rather than kept alive.
    res.once('finish', () => {
      if (shutdown.signal.aborted) setImmediate(() => server.closeIdleConnections());
    });
    void handle(req, res);
  });
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port, options.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (error) {
    await limiter.dispose();
    throw error;
  }
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${options.host}:${String(port)}`,
    close: async () => {
      shutdown.abort();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      await closed;
      await limiter.dispose();
    },
  };
}
