import type { LoggerService } from '@nestjs/common';
import { destination, pino, stdSerializers, stdTimeFunctions, type Logger } from 'pino';
import { redactPasswords } from '../common/database/database-url';

/** An error as pino writes it, with any password in a URL (in its message, stack or fields) masked. */
function redactedError(error: Error): Record<string, unknown> {
  const serialized = stdSerializers.err(error) as unknown as Record<string, unknown>;
  for (const [key, value] of Object.entries(serialized)) {
    if (typeof value === 'string') serialized[key] = redactPasswords(value);
  }
  return serialized;
}

/**
 * The process's one structured logger: JSON lines on stdout, written asynchronously so that a
 * request does not cost a system call of its own (figures in bench/NOTES.md); pino flushes what
 * is left when the process exits.
 */
export function createLogger(level: string): Logger {
  return pino(
    {
      level,
      base: { service: 'flash-store' },
      timestamp: stdTimeFunctions.isoTime,
      // No log line carries a password: a connection URL can reach a message or an error.
      serializers: { err: redactedError },
      hooks: {
        logMethod(args, method) {
          for (let i = 0; i < args.length; i++) {
            const arg: unknown = args[i];
            if (typeof arg === 'string') args[i] = redactPasswords(arg);
          }
          method.apply(this, args);
        },
      },
    },
    destination({ dest: 1, sync: false }),
  );
}

/** Lets Nest's own messages (start-up, routes, warnings) go through the same JSON logger. */
export class PinoLoggerService implements LoggerService {
  constructor(private readonly logger: Logger) {}

  log(message: unknown, context?: string): void {
    this.logger.info({ context }, redactPasswords(String(message)));
  }
  error(message: unknown, trace?: string, context?: string): void {
    this.logger.error(
      { context, trace: trace && redactPasswords(trace) },
      redactPasswords(String(message)),
    );
  }
  warn(message: unknown, context?: string): void {
    this.logger.warn({ context }, redactPasswords(String(message)));
  }
  debug(message: unknown, context?: string): void {
    this.logger.debug({ context }, redactPasswords(String(message)));
  }
  verbose(message: unknown, context?: string): void {
    this.logger.trace({ context }, redactPasswords(String(message)));
  }
}
