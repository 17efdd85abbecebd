// `npm run example:bun`: the demo's session routes on Bun (the Hono example on Bun.serve), on PORT
// (default 3000), 127.0.0.1, with the memory store. Needs `bun` on the PATH.
import { createHonoExample } from '../hono/example.js';
import { readPort } from '../shared/port.js';
import { runExample } from '../shared/process.js';

/** The part of Bun's API used here (the project's types are Node's). */
declare const Bun: {
  serve(options: {
    port: number;
    hostname: string;
    fetch: (request: Request, server: BunServer) => Response | Promise<Response>;
  }): BunServer;
};
interface BunServer {
  readonly url: URL;
  requestIP(request: Request): { address: string } | null;
  stop(closeActiveConnections?: boolean): Promise<void>;
}

runExample('session-limiter Bun example', async () => {
  // Hono hands Bun's server to the app as `c.env`.
  const example = await createHonoExample(
    (c) => (c.env as BunServer).requestIP(c.req.raw)?.address,
  );
  const server = Bun.serve({
    port: readPort(process.env.PORT),
    hostname: '127.0.0.1',
    fetch: example.app.fetch,
  });
  console.log(`session-limiter Bun example listening on ${server.url.origin} (store: memory)`);
  return { close: () => example.close(() => server.stop()) };
});
