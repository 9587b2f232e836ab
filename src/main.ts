import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { join, relative } from 'node:path';
import { createApp } from './app/app';
import {
  type EmbeddedDatabase,
  EmbeddedDatabaseError,
  startEmbeddedPostgres,
} from './app/embedded-postgres';
import { createLogger, PinoLoggerService } from './app/logging';
import { ConfigError, loadConfig } from './common/config';
import { redactPasswords } from './common/database/database-url';

const SHUTDOWN_DEADLINE_MS = 20_000;
/** Connections waiting to be accepted; the kernel caps it (net.core.somaxconn). */
const LISTEN_BACKLOG = 4096;

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
    // A drop's herd connects in the same second: Node's default backlog (511) overflows first.
    await app.listen({ port: config.PORT, host: config.HOST, backlog: LISTEN_BACKLOG });
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

  const base = (await started.getUrl()).replace(/\/$/, '');
  const data = database.dataDir ? relativeToHere(database.dataDir) : 'DATABASE_URL';
  logger.log(`Flash Store ready: storefront ${base}/, API docs ${base}/docs, data in ${data}`);
}

/** A folder as the person who started the service would type it. */
function relativeToHere(dir: string): string {
  const relativePath = relative(process.cwd(), dir);
  return relativePath && !relativePath.startsWith('..') ? relativePath : dir;
}

/** Why the start failed, as a sentence: never a bare `undefined`, never a password. */
function startFailure(error: unknown): string {
  if (error instanceof ConfigError || error instanceof EmbeddedDatabaseError) return error.message;
  const detail =
    error instanceof Error
      ? (error.stack ?? error.message)
      : `an unexpected ${error === undefined ? 'failure with no reason given' : String(error)}`;
  return `Flash Store could not start: ${redactPasswords(detail)}`;
}

bootstrap().catch((error: unknown) => {
  console.error(startFailure(error));
  process.exit(1);
});
