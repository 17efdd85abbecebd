// The adapter suite's routes as a NestJS app, and a starter for either platform.
import 'reflect-metadata';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  type ArgumentsHost,
  Body,
  Catch,
  ConflictException,
  Controller,
  Delete,
  type DynamicModule,
  type ExceptionFilter,
  Get,
  Header,
  HttpCode,
  HttpException,
  type INestApplication,
  Inject,
  Module,
  Param,
  Post,
  Req,
  Res,
  type Type,
  UnauthorizedException,
} from '@nestjs/common';
import { HttpAdapterHost, NestFactory } from '@nestjs/core';
import { ExpressAdapter } from '@nestjs/platform-express';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import {
  CurrentSession,
  SessionEvents,
  SessionLimitModule,
  type SessionLimitContext,
} from '../../src/adapters/nestjs/index.js';
import type { AdapterHarness } from '../conformance/adapters.js';
import { suiteErrorAnswer, suiteUser } from '../conformance/suite-app.js';
import { answerFastifyError } from './fastify-app.js';

export type Platform = 'express' | 'fastify';
export const PLATFORMS: readonly Platform[] = ['express', 'fastify'];

interface LoginBody {
  username?: unknown;
  replace?: string;
}

/** The routes every adapter's test app serves (see test/conformance/adapters.ts). */
@Controller()
export class SuiteController {
  constructor(@Inject(SessionEvents) private readonly events: SessionEvents) {}

  @Post('api/login')
  @HttpCode(200)
  async login(
    @Body() body: LoginBody | undefined,
    @CurrentSession() sessions: SessionLimitContext,
  ) {
    const user = suiteUser(body?.username);
    if (!user) throw new UnauthorizedException({ error: { code: 'INVALID_CREDENTIALS' } });
    const ended = sessions.ended?.reason ?? null;
    const r = await sessions.login(user, { replace: body?.replace });
    if (!r.ok) throw new ConflictException({ error: { code: r.code }, active: r.active });
    return { session: r.session, ended };
  }

  @Get('api/me')
  me(@CurrentSession() { session }: SessionLimitContext) {
    if (!session) throw new UnauthorizedException({ error: { code: 'UNAUTHENTICATED' } });
    return { session };
  }

  @Get('api/sessions')
  async list(@CurrentSession() sessions: SessionLimitContext) {
    return { sessions: await sessions.list(), current: sessions.session?.id };
  }

  @Delete('api/sessions/:id')
  async revoke(@Param('id') id: string, @CurrentSession() sessions: SessionLimitContext) {
    return { revoked: await sessions.revoke(id) };
  }

  @Post('api/sessions/revoke-others')
  @HttpCode(200)
  async revokeOthers(@CurrentSession() sessions: SessionLimitContext) {
    return { revoked: await sessions.revokeOthers() };
  }

  @Post('api/logout')
  @HttpCode(200)
  async logout(@CurrentSession() sessions: SessionLimitContext) {
    return { closed: await sessions.logout() };
  }

  @Get('login')
  @Header('content-type', 'text/html')
  loginPage(@CurrentSession() { notice }: SessionLimitContext) {
    return `<p role="alert">${notice ?? ''}</p>`;
  }

  @Get('api/events')
  stream(@Req() request: object, @Res() response: object): void {
    this.events.stream(request, response);
  }

  @Get('dashboard')
  @Header('content-type', 'text/html')
  dashboard(@CurrentSession() { session }: SessionLimitContext) {
    return session ? 'dashboard' : 'anonymous';
  }
}

/**
 * The suite's answers on Nest: library errors and Nest's own refusals (a body that is not JSON,
 * an unknown route) as every suite app gives them; an HttpException the app made as Nest sends it.
 */
@Catch()
class SuiteErrors implements ExceptionFilter {
  constructor(@Inject(HttpAdapterHost) private readonly host: HttpAdapterHost) {}

  catch(error: unknown, args: ArgumentsHost): void {
    const response: unknown = args.switchToHttp().getResponse();
    const own = error instanceof HttpException && isAppBody(error.getResponse());
    const { status, body } = own
      ? { status: error.getStatus(), body: error.getResponse() }
      : suiteErrorAnswer(error);
    this.host.httpAdapter.reply(response, body, status);
  }
}

/**
 * Whether an HttpException's body is one the app made: an object, but not Nest's own
 * `{ statusCode, message, error }` (nor the bare message Nest gives a framework's refusal).
 */
function isAppBody(body: unknown): boolean {
  return typeof body === 'object' && body !== null && !('statusCode' in body);
}

/** A running app; `close` stops it. */
export interface NestServed {
  app: INestApplication;
  url: string;
  close(): Promise<void>;
}

/**
 * Starts a Nest app on 127.0.0.1 (a free port) on the given platform: a root module importing
 * `imports`, with the suite's routes (or `controllers`) and its error filter.
 */
export async function startNest(
  platform: Platform,
  imports: (Type | DynamicModule)[],
  controllers: Type[] = [SuiteController],
): Promise<NestServed> {
  @Module({ imports, controllers })
  class AppModule {}

  const adapter =
    platform === 'express'
      ? new ExpressAdapter()
      : // Fastify refuses a URL it cannot route before Nest's filters run: answer it as they do.
        new FastifyAdapter({ frameworkErrors: answerFastifyError });
  // Nest declares its options as a class; an object literal is how its documentation passes them.
  // eslint-disable-next-line @typescript-eslint/no-unsafe-class-instance-assignment
  const app = await NestFactory.create(AppModule, adapter, { logger: false, abortOnError: false });
  app.useGlobalFilters(new SuiteErrors(app.get(HttpAdapterHost)));
  await app.listen(0, '127.0.0.1');
  const { port } = (app.getHttpServer() as Server).address() as AddressInfo;
  return { app, url: `http://127.0.0.1:${port}`, close: () => app.close() };
}

/** The harness of the module on one platform: the suite app on a free port of 127.0.0.1. */
export function nestHarness(platform: Platform): AdapterHarness {
  return {
    name: `NestJS on ${platform}`,
    // forRoot checks the options when it is called, as the app's modules are declared.
    serve: (limiter, options) =>
      startNest(platform, [SessionLimitModule.forRoot({ limiter, ...options })]),
  };
}
