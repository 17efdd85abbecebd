// The app under fault and the load that runs through it: a small Express app on the cookie
// adapter (sign in, who am I), served on 127.0.0.1, and workers that keep sending requests and
// record every answer.
import { request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import express, { type NextFunction, type Request, type Response } from 'express';
import { SessionLimiterError, type SessionLimiter } from '../../src/index.js';
import { sessionLimit } from '../../src/adapters/express.js';
import type { RequestKind, Sample } from './report.js';

/** A running app: its URL, what its error handler could not map, and how to stop it. */
export interface FaultApp {
  url: string;
  errors: string[];
  close(): Promise<void>;
}

/** Serves the app for `limiter`: `POST /api/login {user}` and `GET /api/me`. */
export async function serveApp(limiter: SessionLimiter): Promise<FaultApp> {
  const errors: string[] = [];
  const app = express();
  app.use(express.json());
  app.use(sessionLimit(limiter));
  app.post('/api/login', (req, res, next) => {
    const user = (req.body as { user?: unknown }).user;
    if (typeof user !== 'string') {
      res.status(400).json({ error: { code: 'INVALID_REQUEST' } });
      return;
    }
    req.sessionLimit
      .login({ id: user })
      .then((opened) => res.json({ session: opened.ok ? opened.session : null }))
      .catch(next);
  });
  app.get('/api/me', (req, res) => {
    if (req.sessionLimit.session) res.json({ session: req.sessionLimit.session });
    else res.status(401).json({ error: { code: 'UNAUTHENTICATED' } });
  });
  app.use((error: unknown, _req: Request, res: Response, _next: NextFunction) => {
    if (error instanceof SessionLimiterError && error.code === 'STORE_UNAVAILABLE') {
      res.status(503).json({ error: { code: error.code } });
      return;
    }
    errors.push(String(error));
    res.status(500).json({ error: { code: 'INTERNAL' } });
  });
  const server = app.listen(0, '127.0.0.1');
  await new Promise<void>((resolve) => server.once('listening', () => resolve()));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    errors,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** An answer: status (or why there was none), error code, first Set-Cookie pair, session id. */
export interface Answer {
  status: number | 'hang' | 'error';
  code?: string;
  cookie?: string;
  sessionId?: string;
}

/**
 * One request on a connection of its own (nothing kept alive once the load stops); gives up after
 * `patience` ms, which counts as a hang.
 */
export function send(
  url: string,
  init: { method?: string; cookie?: string; json?: unknown },
  patience: number,
): Promise<Answer> {
  const body = init.json === undefined ? undefined : JSON.stringify(init.json);
  const headers: Record<string, string> = { accept: 'application/json' };
  if (init.cookie) headers.cookie = init.cookie;
  if (body) headers['content-type'] = 'application/json';
  return new Promise((resolve) => {
    const req = request(url, { method: init.method ?? 'GET', headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('error', () => resolve({ status: 'error' }));
      res.on('end', () => {
        clearTimeout(timer);
        const answer: Answer = { status: res.statusCode ?? 0 };
        const { code, sessionId } = readBody(Buffer.concat(chunks).toString());
        if (code !== undefined) answer.code = code;
        if (sessionId !== undefined) answer.sessionId = sessionId;
        const cookie = res.headers['set-cookie']?.[0]?.split(';')[0];
        if (cookie !== undefined) answer.cookie = cookie;
        resolve(answer);
      });
    });
    const timer = setTimeout(() => {
      req.destroy();
      resolve({ status: 'hang' });
    }, patience);
    req.on('error', () => {
      clearTimeout(timer);
      resolve({ status: 'error' });
    });
    req.end(body);
  });
}

/** The error code or the session id of a JSON answer. */
function readBody(text: string): { code?: string; sessionId?: string } {
  let body: { error?: { code?: unknown }; session?: { id?: unknown } | null } | null;
  try {
    body = JSON.parse(text) as typeof body;
  } catch {
    return {};
  }
  const code = body?.error?.code;
  const sessionId = body?.session?.id;
  return {
    ...(typeof code === 'string' ? { code } : {}),
    ...(typeof sessionId === 'string' ? { sessionId } : {}),
  };
}

/** The sessions the load uses: cookies by kind; `gap` ones with the time they were revoked. */
export interface Sessions {
  live: string[];
  revoked: string[];
  gap: { cookie: string; revokedAt: number }[];
}

/**
 * Workers that send requests until stopped: mostly a live session's `GET /api/me`, then a revoked
 * one's, a sign-in of a new user, and a `gap` session's once there is one.
 */
export class Load {
  readonly samples: Sample[] = [];
  #running = true;
  #users = 0;
  readonly #workers: Promise<void>[];

  constructor(
    readonly url: string,
    readonly sessions: Sessions,
    options: { workers: number; patience: number; pauseMs: number },
  ) {
    this.#workers = Array.from({ length: options.workers }, () =>
      this.#work(options.patience, options.pauseMs),
    );
  }

  async stop(): Promise<void> {
    this.#running = false;
    await Promise.all(this.#workers);
  }

  async #work(patience: number, pauseMs: number): Promise<void> {
    while (this.#running) {
      await this.#one(patience);
      await sleep(pauseMs);
    }
  }

  async #one(patience: number): Promise<void> {
    const roll = Math.random();
    const { live, revoked, gap } = this.sessions;
    let kind: RequestKind;
    let answer: Answer;
    let revokedAt: number | undefined;
    const t0 = performance.now();
    if (roll < 0.2) {
      kind = 'login';
      answer = await send(
        `${this.url}/api/login`,
        { method: 'POST', json: { user: `load-${this.#users++}` } },
        patience,
      );
    } else {
      let cookie: string;
      if (roll < 0.35 && revoked.length > 0) {
        kind = 'revoked';
        cookie = pick(revoked);
      } else if (roll < 0.45 && gap.length > 0) {
        kind = 'gap';
        const chosen = pick(gap);
        cookie = chosen.cookie;
        revokedAt = chosen.revokedAt;
      } else {
        kind = 'live';
        cookie = pick(live);
      }
      answer = await send(`${this.url}/api/me`, { cookie }, patience);
    }
    const sample: Sample = { kind, t0, t1: performance.now(), status: answer.status };
    if (answer.code !== undefined) sample.code = answer.code;
    if (revokedAt !== undefined) sample.revokedAt = revokedAt;
    this.samples.push(sample);
  }
}

function pick<T>(items: readonly T[]): T {
  return items[Math.floor(Math.random() * items.length)]!;
}
