import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createJwtSessions } from '../../src/jwt/index.js';
import { createDemoLimiter } from '../shared/limiter.js';
import { createApp } from './app.js';
import { createAccounts } from './passwords.js';
import type { OpenedStore } from './store.js';
import { USERS } from './users.js';

export interface DemoOptions {
  /** 0 for any free port. */
  port: number;
  host: string;
  store: OpenedStore;
  /** The HS256 secret of the access and refresh tokens (at least 32 bytes). */
  jwtSecret: string;
}

export interface RunningDemo {
  url: string;
  port: number;
  /** Stops listening, ends open event streams, disposes the limiter and closes the store. */
  close(): Promise<void>;
}

/** How long a shutdown waits for in-flight requests before cutting connections. */
const DRAIN_MS = 2_000;

/** Starts the demo: the limiter on the given store, the app, and an HTTP server. */
export async function startDemo(options: DemoOptions): Promise<RunningDemo> {
  const { store } = options;
  const accounts = await createAccounts(USERS);
  const limiter = createDemoLimiter(store.store);
  const jwt = createJwtSessions(limiter, {
    secret: options.jwtSecret,
    issuer: 'session-limiter-demo',
    audience: 'session-limiter-demo',
    accessTtl: '5m',
    refreshTtl: '30d',
  });
  const shutdown = new AbortController();
  const app = createApp({ limiter, jwt, accounts, shutdown: shutdown.signal });
  const server = createServer(app);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const host = options.host.includes(':') ? `[${options.host}]` : options.host;

  let closing: Promise<void> | undefined;
  const close = async () => {
    shutdown.abort();
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeIdleConnections();
    const cut = setTimeout(() => server.closeAllConnections(), DRAIN_MS);
    await closed;
    clearTimeout(cut);
    await limiter.dispose();
    await store.close();
  };
  return {
    url: `http://${host}:${String(port)}`,
    port,
    close: () => (closing ??= close()),
  };
}
