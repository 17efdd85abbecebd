import {
  type ArgumentsHost,
  type CanActivate,
  createParamDecorator,
  type ExecutionContext,
  Inject,
  Injectable,
  Optional,
  UnauthorizedException,
} from '@nestjs/common';
import { configError } from '../../errors.js';
import { unauthenticatedBody } from '../../http/answers.js';
import type { SessionLimitContext } from '../../http/context.js';
import { GATE, type NestGate } from './gate.js';
import type { PlatformRequest } from './platforms.js';

/**
 * This request's {@link SessionLimitContext} (the session, `login`, `logout`, `list`, `revoke`,
 * ...), for the app's own guards, interceptors and filters. `@CurrentSession()` gives the same
 * object to a route.
 *
 * @throws SessionLimiterError `INVALID_CONFIG` when `SessionLimitModule` is not imported, or
 *   outside an HTTP request
 * @example
 * ```ts
 * @Injectable()
 * class StaffGuard implements CanActivate {
 *   canActivate(context: ExecutionContext): boolean {
 *     return sessionLimitOf(context).session?.userId.startsWith('staff-') === true;
 *   }
 * }
 * ```
 */
export function sessionLimitOf(host: ArgumentsHost): SessionLimitContext {
  const request = host.switchToHttp().getRequest<Partial<PlatformRequest> | undefined>();
  const context = request?.sessionLimit;
  if (!context) {
    throw configError(
      'SessionLimitModule',
      'has not checked this request: import SessionLimitModule.forRoot() in the root module (it serves HTTP routes on the Express and Fastify platforms)',
    );
  }
  return context;
}

/**
 * A route parameter: this request's {@link SessionLimitContext}, always there, whether or not
 * the request has a session. `session` is the live session or null (never null behind
 * {@link SessionGuard}); `login`, `logout`, `list`, `revoke` and `revokeOthers` act on it.
 * It gives the whole context rather than just the session because a sign-in route, which has no
 * session yet, needs `login` too.
 *
 * @example
 * ```ts
 * @Post('login')
 * async login(@Body() body: LoginBody, @CurrentSession() sessions: SessionLimitContext) {
 *   const r = await sessions.login(await this.users.check(body));
 *   if (!r.ok) throw new ConflictException({ error: { code: r.code }, active: r.active });
 *   return { session: r.session };
 * }
 *
 * @Get('me')
 * @UseGuards(SessionGuard)
 * me(@CurrentSession() { session }: SessionLimitContext) {
 *   return { session };
 * }
 * ```
 */
export const CurrentSession: () => ParameterDecorator = createParamDecorator(
  (_data: unknown, host: ExecutionContext) => sessionLimitOf(host),
);

/**
 * Lets a route run only for a request with a live session; anything else gets 401
 * `{"error":{"code":"UNAUTHENTICATED","message":"Sign in first."}}` as an `UnauthorizedException`,
 * which the app's exception filters may reshape; in bearer mode with `WWW-Authenticate: Bearer`. (A dead session never gets this far: the module
 * has answered it already, with its reason.)
 *
 * @example
 * ```ts
 * @Controller('api/sessions')
 * @UseGuards(SessionGuard)
 * class SessionsController {
 *   @Get()
 *   async list(@CurrentSession() sessions: SessionLimitContext) {
 *     return { sessions: await sessions.list(), current: sessions.session?.id };
 *   }
 * }
 * ```
 */
@Injectable()
export class SessionGuard implements CanActivate {
  // Optional, so that without the module the route says what is missing (sessionLimitOf).
  constructor(@Optional() @Inject(GATE) private readonly gate?: NestGate) {}

  /** True with a live session; throws `UnauthorizedException` otherwise. */
  canActivate(context: ExecutionContext): boolean {
    if (sessionLimitOf(context).session) return true;
    const http = context.switchToHttp();
    this.gate?.challenge(http.getRequest<PlatformRequest>(), http.getResponse<unknown>());
    throw new UnauthorizedException(unauthenticatedBody());
  }
}
