// One adapter under hostile input, through the app its conformance harness serves, in each of its
// modes (the library's cookie, the framework's session library, bearer JWTs): generated requests
// with malformed, oversized, duplicated and tossed cookies, bearer headers, JSON bodies to the
// login (with `replace`) and revoke routes, odd Origin, Sec-Fetch-*, Host and X-Forwarded-*
// headers, user agents and session ids, sent as raw bytes. Every answer is a 2xx, a 303 to a
// same-origin path or a 4xx with a code of the library or the app; never another 5xx, a hang, a
// crash or an unhandled rejection. The session is read by the exact cookie name only; device
// labels never carry markup. Then OWASP WSTG-SESS-11 at limit 1: 100 sign-ins in a row leave
// every earlier token dead, and 100 at once leave exactly one alive.
import { parseCookie } from 'cookie';
import fc from 'fast-check';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { SessionInfo, SessionLimiter } from '../../src/index.js';
import { createJwtSessions, type JwtSessions } from '../../src/jwt/index.js';
import { type AdapterHarness, suiteLimiter, type SuiteUser } from '../conformance/adapters.js';
import { SUITE_APP_CODES } from '../conformance/suite-app.js';
import { answerCodes } from './codes.js';
import {
  type Known,
  cookieHeader,
  hostileRequest,
  junk,
  oversized,
  refusedByServer,
  ruleBroken,
  SESSION_PATHS,
} from './hostile.js';
import { type RawAnswer, sendRaw } from './raw.js';
import { bearerSignIn, browserSignIn, type SignIn } from './signers.js';

/** Cases per property and mode; `FUZZ_RUNS` asks for more (`npm run test:fuzz`). */
export const RUNS = Number(process.env.FUZZ_RUNS ?? 150);
/**
 * The framework versions to run: the current one (first) in CI, every one when `FUZZ_RUNS` asks
 * for the long run. They share the adapter; the conformance suite runs each of them.
 */
export function deepRun<T>(versions: readonly T[]): readonly T[] {
  return process.env.FUZZ_RUNS ? versions : versions.slice(0, 1);
}

/** A generous 20 ms a case, for a busy machine. */
const PATIENCE = 60_000 + RUNS * 20;

const CODES = answerCodes(SUITE_APP_CODES);
const PATHS = [...SESSION_PATHS, '/login', '/dashboard'];

/** A mode of the adapter: its options, and how a client signs in. */
interface Mode {
  name: string;
  options(jwt: JwtSessions<SuiteUser>): Record<string, unknown>;
  signIn(url: string, jwt: JwtSessions<SuiteUser>): SignIn;
}

/** The library's own cookie: every adapter has it. */
const COOKIE_MODE: Mode = { name: 'cookie', options: () => ({}), signIn: browserSignIn };

/** The adapter's modes: the library's cookie, its session-library mode, bearer. */
function modesOf(harness: AdapterHarness): Mode[] {
  const modes = [COOKIE_MODE];
  const { sessionMode } = harness;
  if (sessionMode) {
    modes.push({
      name: sessionMode,
      options: () => ({ mode: sessionMode }),
      signIn: browserSignIn,
    });
  }
  if (harness.bearer !== false) {
    modes.push({
      name: 'bearer',
      options: (jwt) => ({ mode: 'bearer', jwt }),
      signIn: bearerSignIn,
    });
  }
  return modes;
}

/** Registers the hostile-input properties for one adapter, in each of its modes. */
export function describeHostileInput(harness: AdapterHarness): void {
  const modes = modesOf(harness);

  describe(`the ${harness.name} adapter under hostile input`, () => {
    let limiter: SessionLimiter<SuiteUser>;
    let jwt: JwtSessions<SuiteUser>;
    const urls = new Map<string, string>();
    const closers: (() => Promise<void>)[] = [];
    const unexpected: unknown[] = [];
    const record = (error: unknown) => unexpected.push(error);

    beforeAll(async () => {
      process.on('unhandledRejection', record);
      process.on('uncaughtException', record);
      limiter = suiteLimiter();
      jwt = createJwtSessions(limiter, {
        secret: 'a hostile-test secret of at least 32 bytes',
        issuer: 'hostile-test',
        audience: 'hostile-test',
      });
      for (const mode of modes) {
        const app = await harness.serve(limiter, mode.options(jwt));
        closers.push(() => app.close());
        urls.set(mode.name, app.url);
      }
    });
    afterEach(() => {
      expect(unexpected).toEqual([]);
    });
    afterAll(async () => {
      process.off('unhandledRejection', record);
      process.off('uncaughtException', record);
      for (const close of closers) await close();
      await limiter.dispose();
    });

    const urlOf = (mode: string) => urls.get(mode) ?? '';
    const signInOn = (mode: Mode) => mode.signIn(urlOf(mode.name), jwt);

    /** A live and a revoked session of the mode's kind, and live and revoked JWTs. */
    async function knownSecrets(mode: Mode): Promise<Known> {
      // A bearer app takes no cookie: the cookies in its junk are the library's own.
      const signIn = signInOn(mode.name === 'bearer' ? COOKIE_MODE : mode);
      const [live, doomed] = [await signIn('bob'), await signIn('bob')];
      await limiter.revoke('bob', doomed.session.id);
      const tokens = await bearerSignIn(urlOf(mode.name), jwt)('bob');
      const revokedTokens = await bearerSignIn(urlOf(mode.name), jwt)('bob');
      await limiter.revoke('bob', revokedTokens.session.id);
      const [cookieName, liveToken] = live.cookie ?? ['', ''];
      return {
        cookieName,
        live: liveToken,
        revoked: doomed.cookie?.[1] ?? '',
        liveCookies: live.cookies,
        liveId: live.session.id,
        accessToken: tokens.accessToken ?? '',
        refreshToken: tokens.refreshToken ?? '',
        revokedAccessToken: revokedTokens.accessToken ?? '',
        paths: PATHS,
        usernames: ['alice', 'bob', 'carol'],
      };
    }

    for (const mode of modes) {
      it(
        `${mode.name} mode: answers ${RUNS} generated hostile requests with a 2xx, a 303 or a 4xx with a known code`,
        async () => {
          const url = urlOf(mode.name);
          await fc.assert(
            fc.asyncProperty(hostileRequest(await knownSecrets(mode)), async (request) => {
              const broken = ruleBroken(await sendRaw(url, request), request.method, CODES);
              if (broken) throw new Error(broken);
            }),
            { numRuns: RUNS },
          );
          // Still serving: a sign-in works.
          expect((await (await signInOn(mode)('bob')).me()).status).toBe(200);
        },
        PATIENCE,
      );

      it(`${mode.name} mode, WSTG-SESS-11: 100 sign-ins in a row at limit 1 leave every earlier token dead`, async () => {
        const signIn = signInOn(mode);
        const signIns = [];
        for (let i = 0; i < 100; i++) signIns.push(await signIn('alice'));
        const answers = await Promise.all(signIns.slice(0, -1).map((earlier) => earlier.me()));
        expect(answers.map((r) => r.status)).toEqual(answers.map(() => 401));
        const refusals = answers.map(({ body }) =>
          `${body.error?.code ?? ''} ${body.error?.reason ?? ''}`.trim(),
        );
        // Evicted, said so while the store keeps the tombstone; unknown once it has let it go.
        for (const refusal of refusals) {
          expect(['SESSION_REVOKED evicted', 'UNAUTHENTICATED', 'SESSION_UNKNOWN']).toContain(
            refusal,
          );
        }
        expect(refusals.at(-1)).toBe('SESSION_REVOKED evicted');
        expect((await signIns.at(-1)?.me())?.status).toBe(200);
        expect((await limiter.list('alice')).map((s) => s.id)).toEqual([
          signIns.at(-1)?.session.id,
        ]);
      }, 60_000);
    }

    it(
      'cookie mode: takes the session from the first cookie of the exact name only, in one Cookie header or two, and never clears it for junk',
      async () => {
        const url = urlOf('cookie');
        const live = await signInOn(COOKIE_MODE)('bob');
        const [name, token] = live.cookie ?? ['', ''];
        const known: Known = {
          ...(await knownSecrets(COOKIE_MODE)),
          live: token,
          liveCookies: live.cookies,
        };
        await fc.assert(
          fc.asyncProperty(
            fc.array(cookieHeader(known), { minLength: 1, maxLength: 2 }),
            async (headers) => {
              const answer = await sendRaw(url, {
                method: 'GET',
                path: '/api/me',
                headers: headers.map((value) => ['Cookie', value]),
              });
              // The server joins two Cookie headers into one list.
              const header = headers.join('; ');
              if (typeof answer === 'string') throw new Error(`no answer (${answer})`);
              // The server refuses a header it cannot parse or hold before the adapter runs.
              if (refusedByServer(answer)) return;
              const chosen = parseCookie(header)[name];
              const signedIn = sessionIdOf(answer);
              if (chosen === token) {
                expect(signedIn, header).toBe(live.session.id);
                expect(answer.headers['set-cookie'], header).toBeUndefined();
              } else {
                expect(signedIn, header).toBeUndefined();
              }
            },
          ),
          { numRuns: RUNS },
        );
        expect((await live.me()).status).toBe(200);
      },
      PATIENCE,
    );

    it(
      'cookie mode: keeps device labels free of markup, whatever the User-Agent',
      async () => {
        const url = urlOf('cookie');
        const agents = fc.oneof(
          junk(600).map((text) => text.replace(/[\r\n]/g, ' ')),
          oversized.map((text) => text.slice(0, 8_000)),
          fc.constantFrom(
            '<img src=x onerror=alert(1)>/1 (x',
            '<script>alert(1)</script>',
            'Mozilla/5.0 (<b>Windows</b>) "quoted" \'single\' &amp;',
          ),
        );
        await fc.assert(
          fc.asyncProperty(agents, async (userAgent) => {
            const answer = await sendRaw(url, {
              method: 'POST',
              path: '/api/login',
              headers: [
                ['User-Agent', userAgent],
                ['Content-Type', 'application/json'],
              ],
              body: JSON.stringify({ username: 'bob' }),
            });
            if (typeof answer === 'string') throw new Error(`no answer (${answer})`);
            if (refusedByServer(answer)) return;
            expect(answer.status).toBe(200);
            const { session } = JSON.parse(answer.body) as { session: SessionInfo };
            expect(session.device.label).toMatch(/^[\p{L}\p{Nd} ._()/-]{0,100}$/u);
          }),
          { numRuns: Math.ceil(RUNS / 2.5) },
        );
      },
      PATIENCE,
    );

    it('cookie mode, WSTG-SESS-11: 100 sign-ins at once at limit 1 leave exactly one alive', async () => {
      const signIn = signInOn(COOKIE_MODE);
      const signIns = await Promise.all(Array.from({ length: 100 }, () => signIn('alice')));
      const answers = await Promise.all(signIns.map((s) => s.me()));
      const alive = signIns.filter((_, i) => answers[i]?.status === 200).map((s) => s.session.id);
      expect(alive).toHaveLength(1);
      expect((await limiter.list('alice')).map((s) => s.id)).toEqual(alive);
    }, 60_000);
  });
}

/** The session id a `GET /api/me` answer signed the request in as, if any. */
function sessionIdOf(answer: RawAnswer): string | undefined {
  if (answer.status !== 200) return undefined;
  return (JSON.parse(answer.body) as { session: SessionInfo }).session.id;
}
