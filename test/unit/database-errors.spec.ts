import {
  CheckConstraintViolationException,
  ConnectionException,
  DeadlockException,
  UniqueConstraintViolationException,
} from '@mikro-orm/core';
import { isClientAbort, isDatabaseUnavailable } from '../../src/common/database/database-errors';
import { DomainError } from '../../src/common/errors';
import { toProblem } from '../../src/common/problem-details';

const withCode = (message: string, code: string) => Object.assign(new Error(message), { code });

describe('isDatabaseUnavailable', () => {
  it.each([
    ['connection refused', withCode('connect ECONNREFUSED 127.0.0.1:5432', 'ECONNREFUSED')],
    ['connection reset', withCode('read ECONNRESET', 'ECONNRESET')],
    [
      'the database socket reset, as Node reports it',
      Object.assign(withCode('read ECONNRESET', 'ECONNRESET'), { errno: -104, syscall: 'read' }),
    ],
    ['admin shutdown', withCode('terminating connection due to administrator command', '57P01')],
    ['starting up', withCode('the database system is starting up', '57P03')],
    ['too many connections', withCode('sorry, too many clients already', '53300')],
    ['serialization failure', withCode('could not serialize access', '40001')],
    [
      'read-only after failover',
      withCode('cannot execute UPDATE in a read-only transaction', '25006'),
    ],
    [
      'a database closed to connections',
      withCode('database "store" is not currently accepting connections', '55000'),
    ],
    ['a database that is gone', withCode('database "store" does not exist', '3D000')],
    ['rotated credentials', withCode('password authentication failed for user "store"', '28P01')],
    ['pool acquire timeout', new Error('timeout exceeded when trying to connect')],
    ['connection lost', new Error('Connection terminated unexpectedly')],
    ['dead client', new Error('Client has encountered a connection error and is not queryable')],
    ['MikroORM connection exception', new ConnectionException(new Error('gone'))],
    ['MikroORM deadlock after retries', new DeadlockException(withCode('deadlock', '40P01'))],
    [
      'wrapped in a cause',
      new Error('checkout failed', { cause: withCode('connect ECONNREFUSED', 'ECONNREFUSED') }),
    ],
    [
      'an IPv4 and IPv6 connect that both failed',
      new AggregateError([withCode('connect ECONNREFUSED ::1:5432', 'ECONNREFUSED')], ''),
    ],
  ])('%s: yes', (_name, error) => {
    expect(isDatabaseUnavailable(error)).toBe(true);
  });

  it.each([
    ['a unique violation', new UniqueConstraintViolationException(withCode('dup', '23505'))],
    ['a check violation', new CheckConstraintViolationException(withCode('check', '23514'))],
    ['a syntax error', withCode('syntax error at or near', '42601')],
    ['a bug', new TypeError("Cannot read properties of undefined (reading 'id')")],
    ['not an error', 'ECONNREFUSED'],
    // Node's HTTP server when the client hangs up while its body is being read.
    ['a client that aborted its upload', withCode('aborted', 'ECONNRESET')],
    [
      'a client abort wrapped in a cause',
      new Error('body read failed', { cause: withCode('aborted', 'ECONNRESET') }),
    ],
    ['nothing', undefined],
  ])('%s: no', (_name, error) => {
    expect(isDatabaseUnavailable(error)).toBe(false);
  });
});

describe('isClientAbort', () => {
  it("recognises Node's aborted request, not a database socket's reset", () => {
    expect(isClientAbort(withCode('aborted', 'ECONNRESET'))).toBe(true);
    const database = Object.assign(withCode('read ECONNRESET', 'ECONNRESET'), { syscall: 'read' });
    expect(isClientAbort(database)).toBe(false);
    expect(isClientAbort(withCode('aborted', 'ECONNREFUSED'))).toBe(false);
  });
});

describe('toProblem for database errors', () => {
  it('answers 503 DATABASE_UNAVAILABLE with a retry delay, never 500', () => {
    const problem = toProblem(withCode('terminating connection', '57P01'));
    expect(problem).toMatchObject({
      status: 503,
      code: 'DATABASE_UNAVAILABLE',
      retryAfterSeconds: expect.any(Number),
    });
  });

  it('gives the same retry delay to a DATABASE_UNAVAILABLE raised by the service itself', () => {
    const problem = toProblem(new DomainError('DATABASE_UNAVAILABLE', 'check failed'));
    expect(problem.retryAfterSeconds).toBeGreaterThan(0);
  });

  it('keeps a real bug a 500', () => {
    expect(toProblem(new TypeError('oops'))).toMatchObject({ status: 500, code: 'INTERNAL_ERROR' });
  });
});
