import {
  type CanActivate,
  Controller,
  type ExecutionContext,
  Get,
  Header,
  HttpCode,
  HttpException,
  Injectable,
  Module,
  Post,
  UseGuards,
} from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { afterEach, describe, expect, expectTypeOf, it } from 'vitest';
import { MemoryStore, type SessionLimiter, SessionLimiterError } from '../../src/index.js';
import { createJwtSessions } from '../../src/jwt/index.js';
import {
  CurrentSession,
  SessionGuard,
  SessionLimitContext,
  SessionLimitModule,
  type SessionLimitModuleOptions,
  sessionLimitOf,
} from '../../src/adapters/nestjs/index.js';
import { Browser } from '../support/browser.js';
import { openEvents } from '../support/events.js';
import {
  describeAdapterConformance,
  FIREFOX_WIN,
  JWT_SECRET,
  suiteLimiter,
  type SuiteUser,
} from '../conformance/adapters.js';
import {
  nestHarness,
  type NestServed,
  type Platform,
  PLATFORMS,
  startNest,
  SuiteController,
} from './nestjs-app.js';

const COOKIE = '__Host-sid';

for (const platform of PLATFORMS) describeAdapterConformance(nestHarness(platform));

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
});

function newLimiter(store = new MemoryStore()): SessionLimiter<SuiteUser> {
  const limiter = suiteLimiter(store);
  closers.push(() => limiter.dispose());
  return limiter;
}

async function serve(...args: Parameters<typeof startNest>): Promise<NestServed> {
  const served = await startNest(...args);
  closers.push(() => served.close());
  return served;
}

/** Signs alice in on one browser, then on another, so the first one's session is dead. */
async function evicted(url: string): Promise<Browser> {
  const a = new Browser(url);
  await a.request('/api/login', { json: { username: 'alice' } });
  await new Browser(url, FIREFOX_WIN).request('/api/login', { json: { username: 'alice' } });
  return a;
}

/** Routes that need a session, or look at the context from a guard. */
@Controller('private')
@UseGuards(SessionGuard)
class PrivateController {
  @Get()
  me(@CurrentSession() sessions: SessionLimitContext) {
    return { user: sessions.session?.userId, isContext: sessions instanceof SessionLimitContext };
  }
}

@Controller('extra')
class ExtraController {
  /** A route that sets a cookie of the app's own next to the session's. */
  @Post('login')
  @HttpCode(200)
  @Header('set-cookie', 'theme=dark; Path=/')
  async login(@CurrentSession() sessions: SessionLimitContext) {
    const r = await sessions.login({ id: 'bob', role: 'customer' });
    return { ok: r.ok };
  }

  @Get('ended')
  ended(@CurrentSession() { session, ended }: SessionLimitContext) {
    return { session, ended: ended?.reason ?? null };
  }
}

/** An app-wide guard of the app's own that reads the session: the gate has run before it. */
@Injectable()
class SignedInHeaderGuard implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    return context.switchToHttp().getRequest<{ headers: Record<string, string> }>().headers[
      'x-need-session'
    ]
      ? sessionLimitOf(context).session !== null
      : true;
  }
}

const LIMITER = Symbol('limiter');
const LOGIN_PATH = Symbol('login path');

describe.each(PLATFORMS)('NestJS adapter on %s', (platform: Platform) => {
  const withModule = <Q, S>(
    options: Omit<SessionLimitModuleOptions<SuiteUser, Q, S>, 'limiter'> = {},
  ) =>
    serve(
      platform,
      [SessionLimitModule.forRoot({ limiter: newLimiter(), ...options })],
      [SuiteController, PrivateController, ExtraController],
    );

  it('SessionGuard lets a live session through and answers no session with 401 UNAUTHENTICATED', async () => {
    const { url } = await withModule();
    const b = new Browser(url);
    expect(await b.json('/private')).toEqual({
      status: 401,
      body: { error: { code: 'UNAUTHENTICATED', message: 'Sign in first.' } },
    });
    await b.request('/api/login', { json: { username: 'bob' } });
    expect(await b.json('/private')).toEqual({
      status: 200,
      body: { user: 'bob', isContext: true },
    });
  });

  it('SessionGuard names the Bearer scheme in bearer mode, and no scheme in cookie mode', async () => {
    const limiter = newLimiter();
    const jwt = createJwtSessions(limiter, { secret: JWT_SECRET, issuer: 'test', audience: 'api' });
    const bearer = await serve(
      platform,
      [SessionLimitModule.forRoot({ limiter, mode: 'bearer', jwt })],
      [PrivateController],
    );
    const refused = await new Browser(bearer.url).request('/private');
    expect(refused.status).toBe(401);
    // RFC 6750: a request that sent no token gets the scheme, and no error code.
    expect(refused.headers.get('www-authenticate')).toBe('Bearer');
    const issued = await jwt.login({ userId: 'bob', user: { id: 'bob', role: 'customer' } });
    if (!issued.ok) throw new Error('expected the login to succeed');
    const allowed = await new Browser(bearer.url).request('/private', {
      headers: { authorization: `Bearer ${issued.accessToken}` },
    });
    expect(allowed.status).toBe(200);

    const { url } = await withModule();
    const cookie = await new Browser(url).request('/private');
    expect(cookie.status).toBe(401);
    expect(cookie.headers.get('www-authenticate')).toBeNull();
  });

  it('answers a dead session with its reason on guarded, unguarded and unknown routes alike', async () => {
    const { url } = await withModule();
    for (const path of ['/private', '/api/sessions', '/no/such/route']) {
      const a = await evicted(url);
      const dead = await a.json<{ error: { code: string; reason: string } }>(path);
      expect(dead.status, path).toBe(401);
      expect(dead.body.error, path).toMatchObject({ code: 'SESSION_REVOKED', reason: 'evicted' });
    }
  });

  it('runs before the app guards, which read the session with sessionLimitOf', async () => {
    @Module({
      imports: [SessionLimitModule.forRoot({ limiter: newLimiter() })],
      controllers: [SuiteController],
      providers: [{ provide: APP_GUARD, useClass: SignedInHeaderGuard }],
    })
    class GuardedModule {}
    const { url } = await serve(platform, [GuardedModule], []);
    const need = { headers: { 'x-need-session': '1' } };
    const b = new Browser(url);
    expect((await b.json('/api/me', need)).status).toBe(403);
    expect((await b.json('/api/me')).status).toBe(401);
    await b.request('/api/login', { json: { username: 'bob' } });
    expect((await b.json('/api/me', need)).status).toBe(200);
  });

  it('keeps the cookies the app sets itself next to the session cookie', async () => {
    const { url } = await withModule();
    const b = new Browser(url);
    const login = await b.request('/extra/login', { method: 'POST' });
    expect(login.status).toBe(200);
    expect(b.lastSetCookies.map((c) => c.name).sort()).toEqual([COOKIE, 'theme']);
    expect((await b.json('/private')).status).toBe(200);
  });

  it('hands the platform request to passThroughDead and dead sessions to onRevoked, whose HttpException the app answers', async () => {
    const seen: string[] = [];
    const { url } = await withModule({
      passThroughDead: (request: { url: string }) => request.url === '/extra/ended',
      onRevoked: (request: { url: string }, _response, dead) => {
        seen.push(`${request.url} ${dead.reason ?? ''}`);
        throw new HttpException({ signedOut: dead.message }, 419);
      },
    });
    const a = await evicted(url);
    const passed = await a.json('/extra/ended');
    expect(passed).toEqual({ status: 200, body: { session: null, ended: 'evicted' } });
    const b = await evicted(url);
    const refused = await b.json<{ signedOut: string }>('/private');
    expect(refused.status).toBe(419);
    expect(refused.body.signedOut).toMatch(/^You were signed out because/);
    expect(seen).toEqual(['/private evicted']);
  });

  it('hands a store outage to onStoreError, never to the route', async () => {
    const store = new MemoryStore();
    const errors: string[] = [];
    const { url } = await serve(
      platform,
      [
        SessionLimitModule.forRoot({
          limiter: newLimiter(store),
          onStoreError: (_request, _response, error) => {
            errors.push(error.code);
            throw new HttpException({ down: true }, 503);
          },
        }),
      ],
      [SuiteController],
    );
    const b = new Browser(url);
    await b.request('/api/login', { json: { username: 'bob' } });
    store.find = () => Promise.reject(new Error('connection refused'));
    store.findNow = () => {
      throw new Error('connection refused');
    };
    expect(await b.json('/api/me')).toEqual({ status: 503, body: { down: true } });
    expect(errors).toEqual(['STORE_UNAVAILABLE']);
  });

  it('ends open event streams when the app shuts down, so it can close', async () => {
    const served = await startNest(platform, [
      SessionLimitModule.forRoot({ limiter: newLimiter() }),
    ]);
    const b = new Browser(served.url);
    await b.request('/api/login', { json: { username: 'bob' } });
    const stream = await openEvents(b);
    try {
      expect(stream.status).toBe(200);
      await served.close();
      await stream.ended(2000);
    } finally {
      stream.close();
    }
  });

  it('forRootAsync builds the options from injected providers of an imported module', async () => {
    @Module({
      providers: [
        { provide: LIMITER, useFactory: () => newLimiter() },
        { provide: LOGIN_PATH, useValue: '/signin' },
      ],
      exports: [LIMITER, LOGIN_PATH],
    })
    class LimiterModule {}
    const { url } = await serve(platform, [
      SessionLimitModule.forRootAsync({
        imports: [LimiterModule],
        inject: [LIMITER, LOGIN_PATH],
        useFactory: async (limiter: SessionLimiter<SuiteUser>, loginPath: string) => {
          await Promise.resolve();
          return { limiter, loginPath };
        },
      }),
    ]);
    const a = await evicted(url);
    const page = await a.request('/dashboard', {
      headers: { accept: 'text/html', 'sec-fetch-mode': 'navigate' },
    });
    expect(page.status).toBe(303);
    expect(page.headers.get('location')).toBe('/signin?signedOut=evicted');
  });

  it('forRootAsync refuses bad options when the app starts, naming the field', async () => {
    const limiter = newLimiter();
    await expect(
      serve(platform, [
        SessionLimitModule.forRootAsync({ useFactory: () => ({ limiter, loginPath: '//evil' }) }),
      ]),
    ).rejects.toMatchObject({ code: 'INVALID_CONFIG', field: 'loginPath' });
    await expect(
      serve(platform, [
        SessionLimitModule.forRootAsync({
          useFactory: () => undefined as unknown as SessionLimitModuleOptions,
        }),
      ]),
    ).rejects.toMatchObject({ code: 'INVALID_CONFIG', field: 'options' });
  });

  it('says what is missing when a route asks for the session without the module', async () => {
    const { url } = await serve(platform, [], [PrivateController]);
    expect(await new Browser(url).json('/private')).toMatchObject({
      status: 500,
      body: {
        error: {
          message: expect.stringContaining('import SessionLimitModule.forRoot()') as string,
        },
      },
    });
  });
});

describe('SessionLimitModule options', () => {
  it('checks forRoot options at once, and forRootAsync needs a factory', () => {
    const limiter = newLimiter();
    expect(() => SessionLimitModule.forRoot({ limiter, mode: 'jwt' as 'cookie' })).toThrow(
      expect.objectContaining({ code: 'INVALID_CONFIG', field: 'mode' }) as Error,
    );
    expect(() =>
      SessionLimitModule.forRoot({ limiter: 'a limiter' as unknown as SessionLimiter<SuiteUser> }),
    ).toThrow(/limiter must be a limiter from createSessionLimiter/);
    expect(() =>
      SessionLimitModule.forRoot({ limiter, onRevoked: 'no' as unknown as () => void }),
    ).toThrow(/onRevoked must be a function/);
    expect(() =>
      SessionLimitModule.forRootAsync({} as Parameters<typeof SessionLimitModule.forRootAsync>[0]),
    ).toThrow(SessionLimiterError);
  });

  it('types the user from the limiter and the hook arguments from their annotations', () => {
    const limiter = newLimiter();
    SessionLimitModule.forRoot({
      limiter,
      getUserId: (user) => {
        expectTypeOf(user).toEqualTypeOf<SuiteUser>();
        return user.id;
      },
      onRevoked: (request: { url: string }, response: { statusCode: number }) => {
        expectTypeOf(request.url).toBeString();
        expectTypeOf(response.statusCode).toBeNumber();
      },
    });
  });
});
