import {
  ConnectionException,
  DeadlockException,
  LockWaitTimeoutException,
  ReadOnlyException,
} from '@mikro-orm/core';

/** Seconds a client is told to wait before retrying while the database is unavailable. */
export const DATABASE_RETRY_AFTER_SECONDS = 2;

/**
 * SQLSTATEs that say the database (not the request) is the problem; the same request may succeed
 * when retried later.
 * https://www.postgresql.org/docs/current/errcodes-appendix.html
 */
const UNAVAILABLE_SQLSTATES = new Set([
  // Class 08: connection exception (cannot connect, connection lost, protocol failure).
  '08000',
  '08001',
  '08003',
  '08004',
  '08006',
  '08007',
  // Serialization failure and deadlock, when the retries in the service ran out.
  '40001',
  '40P01',
  // Class 53: insufficient resources (disk full, out of memory, too many connections).
  '53000',
  '53100',
  '53200',
  '53300',
  // Lock wait timeout, statement timeout / cancel by an administrator.
  '55P03',
  '57014',
  // admin_shutdown, crash_shutdown, cannot_connect_now (starting up, shutting down, recovering).
  '57P01',
  '57P02',
  '57P03',
  // A primary demoted during a failover: writes refused until the new primary is reached.
  '25006',
  // Refused at connect time: the database is gone or renamed, or the credentials were rotated.
  '3D000',
  '28000',
  '28P01',
]);

/** Node's socket errors: the database host or the network in between. */
const UNAVAILABLE_SOCKET_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
]);

/**
 * Whether `error` is Node's HTTP server saying the client went away while its request was being
 * read (`ECONNRESET` "aborted", with no system call): the client's doing, not the database's.
 * A database socket that breaks reports the system call that failed (`read ECONNRESET`).
 */
export function isClientAbort(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const { code, syscall } = error as { code?: unknown; syscall?: unknown };
  return code === 'ECONNRESET' && syscall === undefined && /^aborted$/i.test(error.message);
}

/** Errors of `pg` and `pg-pool` that carry no code, recognised by their message. */
const UNAVAILABLE_MESSAGES = [
  /connection terminated/i,
  /timeout exceeded when trying to connect/i,
  /is not queryable/i,
  /cannot use a pool after calling end/i,
  /connection (?:is )?(?:closed|ended)/i,
  // ALTER DATABASE … ALLOW_CONNECTIONS false (maintenance); SQLSTATE 55000 is too broad to list.
  /is not currently accepting connections/i,
];

/**
 * Whether `error` means "the database is unreachable or cannot serve now" rather than "this
 * request is wrong": connection refused or lost, administrator shutdown, a server that is still
 * starting, a pool that could not hand out a connection in time, serialization failures and
 * deadlocks that outlived the service's retries. Such errors become 503 DATABASE_UNAVAILABLE with
 * Retry-After; the client may safely retry (with its Idempotency-Key for purchases).
 *
 * Looks through MikroORM's wrapping (it copies the driver error's `code`), `cause` chains and
 * AggregateErrors (a connect that tried IPv4 and IPv6).
 */
export function isDatabaseUnavailable(error: unknown, depth = 0): boolean {
  if (!(error instanceof Error) || depth > 5) return false;
  if (
    error instanceof ConnectionException ||
    error instanceof DeadlockException ||
    error instanceof LockWaitTimeoutException ||
    error instanceof ReadOnlyException
  ) {
    return true;
  }
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string') {
    if (UNAVAILABLE_SQLSTATES.has(code)) return true;
    if (UNAVAILABLE_SOCKET_CODES.has(code) && !isClientAbort(error)) return true;
  }
  if (UNAVAILABLE_MESSAGES.some((pattern) => pattern.test(error.message))) return true;
  // Any other SQLSTATE is the server's verdict on this statement: not an outage.
  if (typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code)) return false;
  if (
    error instanceof AggregateError &&
    error.errors.some((e) => isDatabaseUnavailable(e, depth + 1))
  ) {
    return true;
  }
  return isDatabaseUnavailable(error.cause, depth + 1);
}
