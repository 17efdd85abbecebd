// `node hono-app.js` in a project that installed the packed library and hono alone: a Hono app
// signs alice in and answers her, then a login on another device evicts that session and the
// app answers 401; the fetch gate and JWT sessions give the same answers on the same limiter.
import assert from 'node:assert/strict';
import { Hono } from 'hono';
import { createSessionLimiter, MemoryStore, SessionLimiterError } from 'session-limiter';
import { watchSession } from 'session-limiter/client';
import { sessionGate } from 'session-limiter/fetch';
import { sessionLimit } from 'session-limiter/hono';
import { createJwtSessions } from 'session-limiter/jwt';

const LAPTOP = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0';
const PHONE =
  'Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1';

const limiter = createSessionLimiter({
  store: new MemoryStore(),
  policy: { max: 1, onLimit: 'evict' },
});
const app = new Hono();
app.use(sessionLimit(limiter));
app.post('/login', async (c) => {
  const result = await c.get('sessionLimit').login({ id: 'alice' });
  return result.ok ? c.json({ session: result.session.id }) : c.json({ code: result.code }, 409);
});
app.get('/me', (c) => {
  const { session } = c.get('sessionLimit');
  if (!session) return c.json({ error: { code: 'UNAUTHENTICATED' } }, 401);
  return c.json({ userId: session.userId, device: session.device.label });
});

/** Signs alice in from a browser with this User-Agent; answers its `Cookie` header. */
async function signIn(userAgent) {
  const response = await app.request('/login', {
    method: 'POST',
    headers: { 'user-agent': userAgent },
  });
  assert.equal(response.status, 200);
  const [cookie] = response.headers.getSetCookie();
  assert.match(cookie ?? '', /^__Host-sid=[^;]+; /);
  return cookie.split(';')[0];
}

const me = (cookie) => app.request('/me', { headers: cookie ? { cookie } : {} });

try {
  const laptop = await signIn(LAPTOP);
  const signedIn = await me(laptop);
  assert.equal(signedIn.status, 200);
  assert.deepEqual(await signedIn.json(), { userId: 'alice', device: 'Firefox 133 on Windows' });
  assert.equal((await me(undefined)).status, 401);
  console.log('hono: signed in, GET /me answered 200 for alice on Firefox 133 on Windows');

  const phone = await signIn(PHONE);
  const evicted = await me(laptop);
  assert.equal(evicted.status, 401);
  const body = await evicted.json();
  assert.equal(body.error.code, 'SESSION_REVOKED');
  assert.equal(body.error.reason, 'evicted');
  assert.match(body.error.message, /another device/);
  assert.equal((await me(phone)).status, 200);
  console.log(`hono: after a login on the phone, the laptop got 401: ${body.error.message}`);

  const gate = sessionGate(limiter);
  const onPhone = await gate.check(
    new Request('http://localhost/me', { headers: { cookie: phone } }),
  );
  assert.equal(onPhone.sessionLimit.session?.userId, 'alice');
  const onLaptop = await gate.check(
    new Request('http://localhost/', { headers: { cookie: laptop } }),
  );
  assert.equal(onLaptop.response?.status, 401);
  console.log('fetch: the gate finds the phone session and answers the laptop 401');

  const jwt = createJwtSessions(limiter, {
    secret: 'a secret of thirty-two bytes or more',
    issuer: 'https://auth.example.com',
    audience: 'https://api.example.com',
  });
  const first = await jwt.login({ userId: 'bob' });
  assert.equal((await jwt.verify(first.accessToken)).ok, true);
  await jwt.login({ userId: 'bob' });
  const stale = await jwt.verify(first.accessToken);
  assert.equal(stale.ok, false);
  assert.equal(stale.reason, 'evicted');
  console.log(`jwt: the first token verified, then failed once a newer login evicted it`);

  // One copy of the error class across entry points: instanceof works on errors from any of them.
  assert.throws(
    () => sessionLimit(limiter, { mode: 'express-session' }),
    (error) => error instanceof SessionLimiterError && error.code === 'INVALID_CONFIG',
  );
  assert.equal(typeof watchSession, 'function');
  console.log('errors: a bad Hono option throws the root SessionLimiterError INVALID_CONFIG');
} finally {
  await limiter.dispose();
}
