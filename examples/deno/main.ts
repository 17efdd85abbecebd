// `npm run example:deno`: the demo's session routes on Deno (the Hono example on Deno.serve), on
// PORT (default 3000), 127.0.0.1, with the memory store. Needs `deno` on the PATH.
import { createHonoExample } from '../hono/example.js';
import { readPort } from '../shared/port.js';
import { runExample } from '../shared/process.js';

/** The part of Deno's API used here (the project's types are Node's). */
declare const Deno: {
  serve(
    options: {
      port: number;
      hostname: string;
      onListen: (address: { hostname: string; port: number }) => void;
    },
    handler: (request: Request, info: DenoServeInfo) => Response | Promise<Response>,
  ): { shutdown(): Promise<void> };
};
interface DenoServeInfo {
  remoteAddr: { hostname: string };
}

runExample('session-limiter Deno example', async () => {
  // Hono hands Deno's connection info to the app as `c.env`.
  const example = await createHonoExample((c) => (c.env as DenoServeInfo).remoteAddr.hostname);
  const server = Deno.serve(
    {
      port: readPort(process.env.PORT),
      hostname: '127.0.0.1',
      onListen: ({ hostname, port }) =>
        console.log(
          `session-limiter Deno example listening on http://${hostname}:${String(port)} (store: memory)`,
        ),
    },
    example.app.fetch,
  );
  return { close: () => example.close(() => server.shutdown()) };
});
