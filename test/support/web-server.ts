import { getRequestListener, type HttpBindings } from '@hono/node-server';
import { listen } from './browser.js';

/**
 * Serves a fetch-style handler (a Hono app's `fetch`, or `(request, env) => Response`) over real
 * HTTP on 127.0.0.1 on a free port, with @hono/node-server.
 */
export function serveFetch(
  fetch: (request: Request, env: HttpBindings) => Response | Promise<Response>,
): Promise<{ url: string; close: () => Promise<void> }> {
  const listener = getRequestListener((request, env) => fetch(request, env as HttpBindings), {
    // Keep Node's own Request and Response: the code under test must work with the real ones.
    overrideGlobalObjects: false,
  });
  return listen((req, res) => void listener(req, res));
}
