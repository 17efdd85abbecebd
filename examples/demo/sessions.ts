import { Router } from 'express';
import { SessionApi } from '../shared/sessions.js';
import { jsonRoute } from './http.js';
import type { Accounts } from './passwords.js';

/** The cookie-session routes: sign in and out, who am I, and the "your sessions" list. */
export function sessionRoutes(accounts: Accounts): Router {
  const api = new SessionApi(accounts);
  const router = Router();
  router.post(
    '/login',
    jsonRoute((req) => api.login(req.sessionLimit, req.body)),
  );
  router.get(
    '/me',
    jsonRoute((req) => api.me(req.sessionLimit)),
  );
  router.get(
    '/sessions',
    jsonRoute((req) => api.sessions(req.sessionLimit)),
  );
  router.delete(
    '/sessions/:id',
    jsonRoute((req) => api.revoke(req.sessionLimit, String(req.params.id))),
  );
  router.post(
    '/sessions/revoke-others',
    jsonRoute((req) => api.revokeOthers(req.sessionLimit)),
  );
  router.post(
    '/logout',
    jsonRoute((req) => api.logout(req.sessionLimit)),
  );
  return router;
}
