import 'reflect-metadata';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { INestApplication, NestApplicationOptions } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ExpressAdapter, type NestExpressApplication } from '@nestjs/platform-express';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { BODY_LIMIT, BODY_LIMIT_BYTES } from '../shared/answers.js';
import { AppModule } from './app.module.js';

/** The two HTTP platforms NestJS runs on; the app is the same on both. */
export type Platform = 'express' | 'fastify';

export interface RunningExample {
  url: string;
  close(): Promise<void>;
}

/** Starts the example on `platform`, listening on `host`:`port` (0 for any free port). */
export async function startNestExample(options: {
  port: number;
  host: string;
  platform: Platform;
}): Promise<RunningExample> {
  const app = await createApp(options.platform);
  await app.listen(options.port, options.host);
  const { port } = (app.getHttpServer() as Server).address() as AddressInfo;
  const host = options.host.includes(':') ? `[${options.host}]` : options.host;
  return { url: `http://${host}:${String(port)}`, close: () => app.close() };
}

async function createApp(platform: Platform): Promise<INestApplication> {
  // Nest declares its options as a class; an object literal is how its documentation passes them.
  // eslint-disable-next-line @typescript-eslint/no-unsafe-class-instance-assignment
  const options: NestApplicationOptions = { logger: ['error', 'warn'] };
  if (platform === 'fastify') {
    const adapter = new FastifyAdapter({ bodyLimit: BODY_LIMIT_BYTES });
    return NestFactory.create(AppModule, adapter, options);
  }
  const app = await NestFactory.create<NestExpressApplication>(
    AppModule,
    new ExpressAdapter(),
    options,
  );
  app.useBodyParser('json', { limit: BODY_LIMIT });
  return app;
}
