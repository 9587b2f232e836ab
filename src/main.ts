import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { join } from 'node:path';
import { createApp } from './app/app';
import { type EmbeddedDatabase, startEmbeddedPostgres } from './app/embedded-postgres';
import { createLogger, PinoLoggerService } from './app/logging';
import { ConfigError, loadConfig } from './common/config';

const SHUTDOWN_DEADLINE_MS = 20_000;

/**
 * A promise nobody handled is a bug to log, not a reason to stop serving: every instance would
 * otherwise die together when, say, the database fails over. It is logged with its stack.
 */
function logUnhandledRejections(logger: Logger): void {
  process.on('unhandledRejection', (reason) => {
    const message = reason instanceof Error ? (reason.stack ?? reason.message) : String(reason);
    logger.error(`Unhandled promise rejection: ${message}`);
  });
}

/** Stops what a failed start had started, in reverse order, logging (not throwing) failures. */
async function undo(logger: Logger, steps: (() => Promise<unknown>)[]): Promise<void> {
  for (const step of steps.reverse()) {
    await step().catch((error: unknown) =>
      logger.error(`While stopping after a failed start: ${String(error)}`),
    );
  }
}

async function bootstrap(): Promise<void> {
  const config = loadConfig();
  Logger.overrideLogger(new PinoLoggerService(createLogger(config.LOG_LEVEL)));
  const logger = new Logger('Main');
  logUnhandledRejections(logger);
  if (!config.ADMIN_TOKEN) {
    logger.warn('ADMIN_TOKEN is not set: the admin routes will refuse every request');
  }
  const database: EmbeddedDatabase = config.DATABASE_URL
    ? { url: config.DATABASE_URL, stop: async () => undefined }
    : await startEmbeddedPostgres({ dataDir: join(config.DATA_DIR, 'postgres') });

  let app: NestFastifyApplication | undefined;
  try {
    app = await createApp(config, database.url);
    await app.listen({ port: config.PORT, host: config.HOST });
  } catch (error) {
    // Leave nothing behind: an embedded PostgreSQL left running would hold its data folder.
    await undo(logger, [database.stop, ...(app ? [() => app!.close()] : [])]);
    throw error;
  }
  const started = app;

  let closing = false;
  const shutdown = async (signal: string) => {
    if (closing) return;
    closing = true;
    logger.log(`${signal} received: finishing in-flight requests`);
    setTimeout(() => {
      logger.error(`Still not stopped after ${SHUTDOWN_DEADLINE_MS} ms; exiting`);
      process.exit(1);
    }, SHUTDOWN_DEADLINE_MS).unref();
    // (createApp closes keep-alive connections that fall idle while the server drains.)
    let failed = false;
    try {
      await started.close();
    } catch (error) {
      failed = true;
      logger.error(`Closing the application failed: ${String(error)}`);
    }
    try {
      await database.stop();
    } catch (error) {
      failed = true;
      logger.error(`Stopping the embedded PostgreSQL failed: ${String(error)}`);
    }
    logger.log('Stopped');
    process.exit(failed ? 1 : 0);
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));

  logger.log(`Store API listening on ${await started.getUrl()}`);
}

bootstrap().catch((error: unknown) => {
  if (error instanceof ConfigError) {
    console.error(error.message);
  } else {
    console.error(error);
  }
  process.exit(1);
});
