import { createAdaptorServer, type HttpBindings } from '@hono/node-server';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * Serves a fetch-style handler (a Hono app's `fetch`, or `(request, env) => Response`) over real
 * HTTP on 127.0.0.1 on a free port, with @hono/node-server.
 */
export async function serveFetch(
  fetch: (request: Request, env: HttpBindings) => Response | Promise<Response>,
): Promise<{ url: string; close: () => Promise<void> }> {
  const server = createAdaptorServer({
    fetch: (request, env) => fetch(request, env as HttpBindings),
  }) as Server;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}
