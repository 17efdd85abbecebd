// better-auth as its Express guide sets it up: the auth routes from toNodeHandler, and a
// middleware that calls auth.api.getSession on every request. The database is SQLite through
// better-sqlite3, as better-auth's SQLite guide does it, in a temporary file; the tables come from
// better-auth's own migrations. One user signs up at start; its session cookie is the one the
// benchmark sends.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { betterAuth } from 'better-auth';
import { getMigrations } from 'better-auth/db/migration';
import { fromNodeHeaders, toNodeHandler } from 'better-auth/node';

/**
 * Mounts better-auth on `app` and signs one user up.
 * @returns {Promise<{ cookie: string, signedIn: (req: object) => boolean }>}
 */
export async function mountBetterAuth(app) {
  const dir = mkdtempSync(join(tmpdir(), 'session-limiter-bench-better-auth-'));
  process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
  const options = {
    database: new Database(join(dir, 'auth.db')),
    secret: randomBytes(32).toString('base64url'),
    baseURL: 'http://127.0.0.1',
    emailAndPassword: { enabled: true },
    telemetry: { enabled: false },
    logger: { disabled: true },
  };
  await (await getMigrations(options)).runMigrations();
  const auth = betterAuth(options);

  app.all('/api/auth/{*any}', toNodeHandler(auth));
  app.use((req, _res, next) => {
    auth.api.getSession({ headers: fromNodeHeaders(req.headers) }).then((session) => {
      req.authSession = session;
      next();
    }, next);
  });

  const { headers } = await auth.api.signUpEmail({
    body: { email: 'bench@example.test', password: 'bench-password-1', name: 'Bench' },
    returnHeaders: true,
  });
  const cookie = headers
    .getSetCookie()
    .map((line) => line.split(';')[0])
    .join('; ');
  return { cookie, signedIn: (req) => req.authSession != null };
}
