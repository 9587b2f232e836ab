import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { Logger, type LoggerService, type LogLevel } from '@nestjs/common';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { AppModule } from './app.module';
import type { AppConfig } from './common/config';
import { serveOpenApi } from './common/openapi';

export const BODY_LIMIT_BYTES = 100 * 1024;

export interface CreateAppOptions {
  logger?: LoggerService | LogLevel[] | false;
}

/** Serves the built storefront at `/`; the API routes keep their paths. */
function serveStorefront(app: NestFastifyApplication, dir: string): void {
  const root = resolve(dir);
  if (!existsSync(join(root, 'index.html'))) {
    new Logger('Storefront').warn(`No storefront build in ${root}; serving the API only`);
    return;
  }
  app.useStaticAssets({ root, prefix: '/', wildcard: false, index: 'index.html' });
}

/** Builds the HTTP application; `main.ts`, the tests and the tools all start it this way. */
export async function createApp(
  config: AppConfig,
  databaseUrl: string,
  options: CreateAppOptions = {},
): Promise<NestFastifyApplication> {
  const adapter = new FastifyAdapter({ bodyLimit: BODY_LIMIT_BYTES });
  const app = await NestFactory.create<NestFastifyApplication>(
    AppModule.forRoot(config, databaseUrl),
    adapter,
    { logger: options.logger },
  );
  serveOpenApi(app);
  serveStorefront(app, config.STOREFRONT_DIR);
  return app;
}
