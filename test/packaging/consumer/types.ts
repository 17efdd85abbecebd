// Checked by `tsc -p .` in a project that installed the packed library, hono, typescript and
// @types/node: the public types of the root and of the subpaths a Hono app uses, in strict mode.
// Each `@ts-expect-error` fails the check if the type it guards is lost (became `any`).
import { type Context, Hono } from 'hono';
import {
  createSessionLimiter,
  MemoryStore,
  type Policy,
  type SessionInfo,
  type SessionLimiterOptions,
} from 'session-limiter';
import { type SessionNotice, watchSession } from 'session-limiter/client';
import { sessionGate, type SessionGateOptions } from 'session-limiter/fetch';
import {
  sessionEvents,
  sessionLimit,
  type SessionLimitEnv,
  type SessionLimitOptions,
} from 'session-limiter/hono';
import { createJwtSessions, type JwtVerifyResult } from 'session-limiter/jwt';

interface User {
  id: string;
  role: 'staff' | 'customer';
}

const policy = (user: User): Policy => (user.role === 'staff' ? { max: 1 } : { max: Infinity });
const options: SessionLimiterOptions<User> = { store: new MemoryStore(), policy };
const limiter = createSessionLimiter(options);
// @ts-expect-error: a duration is a number of milliseconds or a string such as '30m'
createSessionLimiter({ idleTimeout: true });

const honoOptions: SessionLimitOptions<User> = { loginPath: '/signin', cookie: { name: 'sid' } };
const app = new Hono<SessionLimitEnv>();
app.use(sessionLimit(limiter, honoOptions));
app.get('/api/events', sessionEvents());
app.get('/me', (c: Context<SessionLimitEnv>) => {
  const session: SessionInfo | null = c.var.sessionLimit.session;
  // @ts-expect-error: a request may carry no session
  const id: string = c.get('sessionLimit').session.id;
  return c.json({ id: session?.id ?? id });
});
app.post('/login', async (c) => {
  const result = await c.get('sessionLimit').login({ id: 'alice', role: 'staff' });
  if (!result.ok) return c.json({ code: result.code, active: result.active.length }, 409);
  return c.json({ session: result.session.id, evicted: result.evicted.length });
});
// Without the Env, `.use()` carries the variables to the routes after it.
new Hono().use(sessionLimit(limiter)).get('/', (c) => c.json(c.get('sessionLimit').notice));

const gateOptions: SessionGateOptions<User> = {
  getIp: (request) => request.headers.get('x-real-ip') ?? undefined,
};
export const gate = sessionGate(limiter, gateOptions);

const jwt = createJwtSessions(limiter, {
  secret: 'a secret of thirty-two bytes or more',
  issuer: 'https://auth.example.com',
  audience: 'https://api.example.com',
});
export async function subjectOf(token: string): Promise<string | undefined> {
  const result: JwtVerifyResult = await jwt.verify(token);
  return result.ok ? result.claims.sub : undefined;
}
// @ts-expect-error: issuer and audience are required
createJwtSessions(limiter, { secret: 'a secret of thirty-two bytes or more' });

export const stop: () => void = watchSession({
  onRevoked: (notice: SessionNotice) => console.log(notice.message),
});
export default app;
