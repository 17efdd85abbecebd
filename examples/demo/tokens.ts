import { Router, type Response } from 'express';
import { describeSessionEnd, type InvalidSession } from '../../src/index.js';
import {
  authenticateBearer,
  describeInvalidToken,
  type InvalidToken,
  type JwtSessions,
} from '../../src/jwt/index.js';
import { HttpError } from '../shared/answers.js';
import { jsonObject, stringField } from '../shared/input.js';
import { limitReached, signIn } from '../shared/sessions.js';
import { route } from './http.js';
import type { Accounts } from './passwords.js';
import type { DemoUser } from './users.js';

/** A refused token as the demo answers it: 401 with a code, reason and sentence. */
function sendRefused(
  res: Response,
  refusal: { code: string; reason?: string | undefined; message: string },
): void {
  res
    .status(401)
    .json({ error: { code: refusal.code, reason: refusal.reason, message: refusal.message } });
}

function refreshRefusal(result: InvalidSession | InvalidToken) {
  if (result.code !== 'INVALID_TOKEN') {
    return { code: result.code, reason: result.reason, message: describeSessionEnd(result) };
  }
  return {
    code: result.code,
    reason: result.reason,
    message: describeInvalidToken(result.reason, 'refresh'),
  };
}

/** The JWT routes: the same accounts and limits as the cookie routes, for API clients. */
export function tokenRoutes(jwt: JwtSessions<DemoUser>, accounts: Accounts): Router {
  const router = Router();

  router.post(
    '/',
    route(async (req, res) => {
      const { user, replace } = await signIn(accounts, req.body);
      const device = { userAgent: req.get('user-agent'), ip: req.ip };
      const r = await jwt.login({ userId: user.id, user, device, replace });
      if (!r.ok) throw limitReached(user, r.active);
      res.json({ accessToken: r.accessToken, refreshToken: r.refreshToken, session: r.session });
    }),
  );

  router.get(
    '/me',
    route(async (req, res) => {
      const auth = await authenticateBearer(jwt, req.get('authorization'));
      if (auth.kind === 'none') {
        throw new HttpError(
          401,
          'UNAUTHENTICATED',
          'Send an access token: Authorization: Bearer <token>.',
        );
      }
      if (auth.kind === 'refused') {
        res.set('WWW-Authenticate', auth.wwwAuthenticate);
        return sendRefused(res, auth);
      }
      const user = accounts.find(auth.session.userId);
      res.json({ user, session: auth.session, claims: auth.claims });
    }),
  );

  router.post(
    '/refresh',
    route(async (req, res) => {
      const body = jsonObject(req.body, '{"refreshToken":"eyJ..."}');
      const token = stringField(body, 'refreshToken', { required: true, max: 4096 });
      const r = await jwt.refresh(token);
      if (!r.ok) return sendRefused(res, refreshRefusal(r));
      res.json({ accessToken: r.accessToken, refreshToken: r.refreshToken, session: r.session });
    }),
  );

  return router;
}
