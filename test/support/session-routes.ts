import type { Express, NextFunction, Request, Response } from 'express';
import type { SessionLimitContext } from '../../src/adapters/express.js';

/** The session helpers as JSON routes, each answering what its helper returns. */
const ROUTES: [
  method: 'get' | 'post' | 'delete',
  path: string,
  run: (context: SessionLimitContext, req: Request) => Promise<unknown>,
][] = [
  ['get', '/api/sessions', (context) => context.list()],
  ['delete', '/api/sessions/:id', (context, req) => context.revoke(String(req.params.id))],
  ['post', '/api/sessions/revoke-others', (context) => context.revokeOthers()],
  ['post', '/api/logout', (context) => context.logout()],
];

/**
 * Mounts `GET /api/sessions`, `DELETE /api/sessions/:id`, `POST /api/sessions/revoke-others`
 * and `POST /api/logout` on an app that has `sessionLimit` mounted; errors go to `next`.
 */
export function mountSessionRoutes(app: Express): void {
  for (const [method, path, run] of ROUTES) {
    app[method](path, (req: Request, res: Response, next: NextFunction) => {
      run(req.sessionLimit, req).then((body) => res.json({ body }), next);
    });
  }
}
