import type { LoggerService } from '@nestjs/common';
import { destination, pino, stdTimeFunctions, type Logger } from 'pino';

/**
 * The process's one structured logger: JSON lines on stdout, written asynchronously so that a
 * request does not cost a system call of its own (figures in bench/NOTES.md); pino flushes what
 * is left when the process exits.
 */
export function createLogger(level: string): Logger {
  return pino(
    { level, base: { service: 'flash-store' }, timestamp: stdTimeFunctions.isoTime },
    destination({ dest: 1, sync: false }),
  );
}

/** Lets Nest's own messages (start-up, routes, warnings) go through the same JSON logger. */
export class PinoLoggerService implements LoggerService {
  constructor(private readonly logger: Logger) {}

  log(message: unknown, context?: string): void {
    this.logger.info({ context }, String(message));
  }
  error(message: unknown, trace?: string, context?: string): void {
    this.logger.error({ context, trace }, String(message));
  }
  warn(message: unknown, context?: string): void {
    this.logger.warn({ context }, String(message));
  }
  debug(message: unknown, context?: string): void {
    this.logger.debug({ context }, String(message));
  }
  verbose(message: unknown, context?: string): void {
    this.logger.trace({ context }, String(message));
  }
}
