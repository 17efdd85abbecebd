import { connect } from 'node:net';

/** Where the test suites find their servers. */
export const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
export const DATABASE_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

/**
 * Whether a server is reachable. Outside CI an unreachable server skips its suite, loudly;
 * under CI=true it fails the run instead.
 */
export async function serviceAvailable(
  name: string,
  url: string,
  defaultPort: number,
): Promise<boolean> {
  const { hostname, port } = new URL(url);
  const reachable = await new Promise<boolean>((resolve) => {
    const socket = connect({ host: hostname || '127.0.0.1', port: Number(port) || defaultPort });
    socket.setTimeout(2_000);
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('timeout', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', () => resolve(false));
  });
  if (reachable) return true;
  const message = `${name} is not reachable at ${url}`;
  if (process.env.CI === 'true') throw new Error(`${message}; CI needs it (see .ci/run)`);
  console.warn(`\n!!! ${message}: SKIPPING the ${name} suites. Start it to run them. !!!\n`);
  return false;
}
