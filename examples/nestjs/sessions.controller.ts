import {
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  Inject,
  Param,
  Post,
  Req,
  Res,
  UseGuards,
} from '@nestjs/common';
import {
  CurrentSession,
  SessionEvents,
  SessionGuard,
  type SessionLimitContext,
} from '../../src/adapters/nestjs/index.js';
import { SessionApi } from '../shared/sessions.js';

/**
 * The demo's JSON routes and its event stream. Each JSON route maps onto the examples' framework-free `SessionApi`; the routes
 * that need a signed-in user say so with `SessionGuard`.
 */
@Controller('api')
export class SessionsController {
  // The tokens are named, so no decorator metadata is needed (tsx's esbuild emits none).
  constructor(
    @Inject(SessionApi) private readonly api: SessionApi,
    @Inject(SessionEvents) private readonly events: SessionEvents,
  ) {}

  @Post('login')
  @HttpCode(200)
  login(@CurrentSession() context: SessionLimitContext, @Body() body: unknown) {
    return this.api.login(context, body);
  }

  @Get('me')
  @UseGuards(SessionGuard)
  me(@CurrentSession() context: SessionLimitContext) {
    return this.api.me(context);
  }

  @Get('sessions')
  @UseGuards(SessionGuard)
  sessions(@CurrentSession() context: SessionLimitContext) {
    return this.api.sessions(context);
  }

  @Delete('sessions/:id')
  @UseGuards(SessionGuard)
  revoke(@CurrentSession() context: SessionLimitContext, @Param('id') id: string) {
    return this.api.revoke(context, id);
  }

  @Post('sessions/revoke-others')
  @HttpCode(200)
  @UseGuards(SessionGuard)
  revokeOthers(@CurrentSession() context: SessionLimitContext) {
    return this.api.revokeOthers(context);
  }

  /** The live notice: `event: revoked` the moment this session ends, in any process. */
  @Get('events')
  stream(@Req() request: object, @Res() response: object): void {
    this.events.stream(request, response);
  }

  @Post('logout')
  @HttpCode(200)
  logout(@CurrentSession() context: SessionLimitContext) {
    return this.api.logout(context);
  }
}
