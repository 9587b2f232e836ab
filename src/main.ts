import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { join } from 'node:path';
import { createApp } from './app';
import { ConfigError, loadConfig } from './common/config';
import { createLogger, PinoLoggerService } from './common/logging';
import { type EmbeddedDatabase, startEmbeddedPostgres } from './common/database/embedded-postgres';

const SHUTDOWN_DEADLINE_MS = 20_000;

async function bootstrap(): Promise<void> {
  const config = loadConfig();
  Logger.overrideLogger(new PinoLoggerService(createLogger(config.LOG_LEVEL)));
  const logger = new Logger('Main');
  if (!config.ADMIN_TOKEN) {
    logger.warn('ADMIN_TOKEN is not set: the admin routes will refuse every request');
  }
  const database: EmbeddedDatabase = config.DATABASE_URL
    ? { url: config.DATABASE_URL, stop: async () => undefined }
    : await startEmbeddedPostgres({ dataDir: join(config.DATA_DIR, 'postgres') });

  const app = await createApp(config, database.url);
  let closing = false;
  const shutdown = async (signal: string) => {
    if (closing) return;
    closing = true;
    logger.log(`${signal} received: finishing in-flight requests`);
    setTimeout(() => {
      logger.error(`Still not stopped after ${SHUTDOWN_DEADLINE_MS} ms; exiting`);
      process.exit(1);
    }, SHUTDOWN_DEADLINE_MS).unref();
    // Keep-alive connections that fall idle while the server drains would otherwise hold
    // the close open until they time out.
    const server = app.getHttpServer();
    const closeIdle = setInterval(() => server.closeIdleConnections(), 100);
    await app.close();
    clearInterval(closeIdle);
    await database.stop();
    logger.log('Stopped');
    process.exit(0);
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));

  await app.listen({ port: config.PORT, host: config.HOST });
  logger.log(`Store API listening on ${await app.getUrl()}`);
}

bootstrap().catch((error: unknown) => {
  if (error instanceof ConfigError) {
    console.error(error.message);
  } else {
    console.error(error);
  }
  process.exit(1);
});
