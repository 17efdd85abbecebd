import { serve, type ServerType } from '@hono/node-server';
import { getConnInfo } from '@hono/node-server/conninfo';
import type { AddressInfo } from 'node:net';
import type { SessionStore } from '../../src/index.js';
import { createHonoExample } from './example.js';

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
  const example = await createHonoExample((c) => getConnInfo(c).remote.address, options.store);
  let server: ServerType;
  try {
    server = await listen(example.app.fetch, options);
  } catch (error) {
    await example.close(() => Promise.resolve());
    throw error;
  }
  const { port } = server.address() as AddressInfo;
  const host = options.host.includes(':') ? `[${options.host}]` : options.host;
  return {
    url: `http://${host}:${String(port)}`,
    close: () => example.close(() => new Promise<void>((resolve) => server.close(() => resolve()))),
  };
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
