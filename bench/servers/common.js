// What every benchmark app shares, whatever its framework (servers/http.js for Express,
// servers/fastify.js, hono.js, koa.js): its command line, the production cookie, the one
// signed-in session of `limited` apps, the CPU-time answer and the ready line that
// bench/lib/http.ts reads.
//
//   node bench/servers/<server>.js <app> <port> ['{"store":"redis","url":...,"prefix":...}']
// (the options are a StorePlace of bench/lib/stores.ts: {store, file} or {store, url, prefix}
// or {store, url, schema})
import { randomBytes } from 'node:crypto';
import { createSessionLimiter } from 'session-limiter';

/** The production cookie name: the adapters read it first, without the localhost fallback. */
export const COOKIE = '__Host-sid';
export const USER = { id: 'bench' };

/**
 * The app, port and store options of the command line.
 * @returns {{ kind: string, port: number, options: object }}
 */
export function benchArgs() {
  return {
    kind: process.argv[2] ?? 'bare',
    port: Number(process.argv[3] ?? 0),
    options: JSON.parse(process.argv[4] ?? '{}'),
  };
}

/**
 * Runs the setup of the app the command line names: each mounts its middleware and returns its
 * cookie (or a `login` that fetches one once the app listens) and how a route tells that a
 * request is signed in.
 * @param {Record<string, () => object>} apps the setups by app name
 * @param {string} kind the app to set up
 */
export async function mountApp(apps, kind) {
  const setup = apps[kind];
  if (!setup) throw new Error(`unknown app ${kind}; one of ${Object.keys(apps).join(', ')}`);
  return setup();
}

/** The bare app: no session check, and a cookie of a token's size that nothing reads. */
export function bareApp() {
  return { cookie: `${COOKIE}=${randomBytes(32).toString('base64url')}`, signedIn: () => true };
}

/**
 * A limiter on the store the options name (memory by default) with one session open, and the
 * cookie that carries it.
 * @returns {Promise<{ limiter: import('session-limiter').SessionLimiter<unknown>, cookie: string }>}
 */
export async function openBenchSession(options) {
  const store = await openStore(options);
  const limiter = createSessionLimiter({ store, pruneInterval: false });
  const opened = await limiter.open({ userId: USER.id, user: USER, device: { userAgent: 'wrk' } });
  if (!opened.ok) throw new Error('could not open the benchmark session');
  return { limiter, cookie: `${COOKIE}=${opened.token}` };
}

/**
 * CPU time this process has used, in microseconds, as the `/__cpu` answer: the benchmark
 * divides it by the requests served, a steadier measure than requests per second on a busy
 * machine.
 */
export function cpuMicros() {
  const { user, system } = process.cpuUsage();
  return String(user + system);
}

/**
 * Prints `ready <port> <cookie header>` once the app listens on `port` and its cookie is known
 * (from a login it makes to itself, for some); exits when it cannot be had. Also makes SIGTERM,
 * which the benchmark stops the app with, a normal exit, so that `node --cpu-prof` writes its
 * profile.
 * @param {number} port
 * @param {{ cookie?: string, login?: (port: number) => Promise<string> }} mounted
 */
export function announce(port, mounted) {
  process.once('SIGTERM', () => process.exit(0));
  Promise.resolve(mounted.login ? mounted.login(port) : mounted.cookie).then(
    (header) => console.log(`ready ${port} ${header}`),
    (error) => {
      console.error(error);
      process.exit(1);
    },
  );
}

/** The store the options name, on a client of its own (the benchmark removes its data). */
async function openStore({ store, url, prefix, schema, file }) {
  if (store === undefined || store === 'memory') return undefined;
  if (store === 'sqlite') {
    const { SqliteStore } = await import('session-limiter/sqlite');
    return new SqliteStore({ database: file });
  }
  if (store === 'redis') {
    const { Redis } = await import('ioredis');
    const { RedisStore } = await import('session-limiter/redis');
    const client = new Redis(url, { enableOfflineQueue: false, maxRetriesPerRequest: 0 });
    await new Promise((resolve, reject) => {
      client.once('ready', resolve);
      client.once('error', reject);
    });
    return new RedisStore({ client, prefix });
  }
  if (store === 'postgres') {
    const { default: pg } = await import('pg');
    const { PostgresStore } = await import('session-limiter/postgres');
    const client = new pg.Pool({ connectionString: url, max: 4 });
    return new PostgresStore({ client, schema });
  }
  throw new Error(`unknown store ${store}`);
}
