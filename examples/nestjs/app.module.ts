import { Inject, Module, type OnApplicationShutdown } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { MemoryStore, type SessionLimiter } from '../../src/index.js';
import { SessionLimitModule } from '../../src/adapters/nestjs/index.js';
import { createAccounts } from '../demo/passwords.js';
import { USERS, type DemoUser } from '../demo/users.js';
import { createDemoLimiter } from '../shared/limiter.js';
import { SessionApi } from '../shared/sessions.js';
import { ExampleErrors } from './errors.js';
import { SessionsController } from './sessions.controller.js';

/** The limiter's injection token. */
export const LIMITER = Symbol('session limiter');

/** The demo's accounts and a limiter with its policies, on the memory store. */
@Module({
  providers: [
    {
      provide: LIMITER,
      useFactory: () => createDemoLimiter(new MemoryStore()),
    },
    { provide: SessionApi, useFactory: async () => new SessionApi(await createAccounts(USERS)) },
  ],
  exports: [LIMITER, SessionApi],
})
export class DemoModule implements OnApplicationShutdown {
  constructor(@Inject(LIMITER) private readonly limiter: SessionLimiter<DemoUser>) {}

  async onApplicationShutdown(): Promise<void> {
    await this.limiter.dispose();
  }
}

/** The app: the session check on every request, the demo's routes and its error answers. */
@Module({
  imports: [
    DemoModule,
    SessionLimitModule.forRootAsync({
      imports: [DemoModule],
      inject: [LIMITER],
      // The demo's page is its sign-in page: a signed-out navigation goes back to it.
      useFactory: (limiter: SessionLimiter<DemoUser>) => ({ limiter, loginPath: '/' }),
    }),
  ],
  controllers: [SessionsController],
  providers: [{ provide: APP_FILTER, useClass: ExampleErrors }],
})
export class AppModule {}
