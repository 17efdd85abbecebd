import {
  type DynamicModule,
  type FactoryProvider,
  Inject,
  Module,
  type ModuleMetadata,
  type NestModule,
  type Provider,
} from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { configError } from '../../errors.js';
import { SessionEvents } from './events.js';
import { GATE, NestGate, type SessionLimitModuleOptions } from './gate.js';
import { SessionGuard } from './guard.js';
import type { NestHttpAdapter } from './platforms.js';

/**
 * Options of `SessionLimitModule.forRootAsync`: a factory (with its injected dependencies and
 * the modules that provide them) that returns the options of `forRoot`.
 *
 * @example
 * ```ts
 * SessionLimitModule.forRootAsync({
 *   imports: [LimiterModule],
 *   inject: [LIMITER],
 *   useFactory: (limiter: SessionLimiter<User>) => ({ limiter, loginPath: '/signin' }),
 * });
 * ```
 */
export interface SessionLimitModuleAsyncOptions<
  TUser = unknown,
  TRequest = unknown,
  TResponse = unknown,
> {
  /** Modules that export the providers `inject` names. */
  imports?: ModuleMetadata['imports'];
  /** Providers handed to `useFactory`, in order. */
  inject?: FactoryProvider['inject'];
  /** Returns the options of `forRoot` (or a promise of them). */
  useFactory: (
    ...dependencies: never[]
  ) =>
    | SessionLimitModuleOptions<TUser, TRequest, TResponse>
    | Promise<SessionLimitModuleOptions<TUser, TRequest, TResponse>>;
}

/**
 * Checks the session on every request of a NestJS app, on the Express and the Fastify platform:
 * a request with no session goes on untouched; a dead one (evicted, revoked, expired) gets 401
 * JSON with a reason and a sentence, or a redirect to the login page for a page navigation; a
 * store outage gets 503 (never let through); a cross-site write that carries the session gets
 * 403. This runs before guards, interceptors, pipes and handlers, on routes with or without
 * {@link SessionGuard}. Routes reach the session and its helpers through `@CurrentSession()`.
 * The module is global: import it once, in the root module.
 *
 * @example
 * ```ts
 * import { Module } from '@nestjs/common';
 * import { createSessionLimiter } from 'session-limiter';
 * import { SessionLimitModule } from 'session-limiter/nestjs';
 *
 * const limiter = createSessionLimiter({ policy: { max: 1 } });
 *
 * @Module({
 *   imports: [SessionLimitModule.forRoot({ limiter })],
 *   controllers: [AccountController],
 * })
 * export class AppModule {}
 * ```
 */
@Module({})
export class SessionLimitModule implements NestModule {
  constructor(
    @Inject(HttpAdapterHost) private readonly host: HttpAdapterHost,
    @Inject(GATE) private readonly gate: NestGate,
  ) {}

  /** Nest calls this while it sets up the app, before it adds the routes. */
  configure(): void {
    this.gate.mount(this.host.httpAdapter as NestHttpAdapter | undefined);
  }

  /**
   * The module with these options, checked at once.
   *
   * @throws SessionLimiterError `INVALID_CONFIG` for a bad option, naming it
   * @example
   * ```ts
   * imports: [SessionLimitModule.forRoot({ limiter, mode: 'bearer', jwt })],
   * ```
   */
  static forRoot<TUser, TRequest = unknown, TResponse = unknown>(
    options: SessionLimitModuleOptions<TUser, TRequest, TResponse>,
  ): DynamicModule {
    return withGate({ provide: GATE, useValue: new NestGate(options) });
  }

  /**
   * The module with options a factory makes from other providers (a config service, a limiter
   * built by another module). The options are checked when the app starts.
   *
   * @example
   * ```ts
   * imports: [
   *   SessionLimitModule.forRootAsync({
   *     imports: [ConfigModule],
   *     inject: [ConfigService],
   *     useFactory: (config: ConfigService) => ({ limiter, loginPath: config.get('LOGIN_PATH') }),
   *   }),
   * ],
   * ```
   */
  static forRootAsync<TUser, TRequest = unknown, TResponse = unknown>(
    options: SessionLimitModuleAsyncOptions<TUser, TRequest, TResponse>,
  ): DynamicModule {
    const useFactory = (options as Partial<typeof options> | undefined)?.useFactory;
    if (typeof useFactory !== 'function') {
      throw configError('useFactory', 'must be a function that returns the options of forRoot');
    }
    return {
      ...withGate({
        provide: GATE,
        useFactory: async (...dependencies: never[]) =>
          new NestGate(await useFactory(...dependencies)),
        inject: options.inject ?? [],
      }),
      imports: options.imports ?? [],
    };
  }
}

/** The module's definition around the provider of its gate. */
function withGate(gate: Provider): DynamicModule {
  return {
    module: SessionLimitModule,
    global: true,
    providers: [gate, SessionGuard, SessionEvents],
    // The gate too: Nest makes a guard named in @UseGuards in the route's own module.
    exports: [GATE, SessionGuard, SessionEvents],
  };
}
