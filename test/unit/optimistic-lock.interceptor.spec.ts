import type { CallHandler, ExecutionContext } from '@nestjs/common';
import { OptimisticLockError } from '@mikro-orm/core';
import { lastValueFrom, of, throwError } from 'rxjs';
import { DomainError, VersionConflictError } from '../../src/common/errors';
import { OptimisticLockInterceptor } from '../../src/common/optimistic-lock.interceptor';
import { toProblem } from '../../src/common/problem-details';

class Widget {
  id = 'w-1';
  version = 2;
}

describe('OptimisticLockInterceptor', () => {
  const interceptor = new OptimisticLockInterceptor();
  // The interceptor never looks at the context.
  const context = {} as ExecutionContext;
  const handlerThrowing = (error: unknown): CallHandler => ({
    handle: () => throwError(() => error),
  });
  const run = (handler: CallHandler) => lastValueFrom(interceptor.intercept(context, handler));
  const failureOf = async (handler: CallHandler): Promise<unknown> => {
    try {
      await run(handler);
    } catch (error) {
      return error;
    }
    throw new Error('the handler was expected to fail');
  };

  it('passes a successful result through untouched', async () => {
    const result = { id: 'order-1' };
    await expect(run({ handle: () => of(result) })).resolves.toBe(result);
  });

  it('maps a version mismatch from em.lock() to VERSION_CONFLICT with the current version', async () => {
    const error = await failureOf(
      handlerThrowing(OptimisticLockError.lockFailedVersionMismatch(new Widget(), 1, 2)),
    );

    expect(error).toBeInstanceOf(VersionConflictError);
    expect(error).toMatchObject({ code: 'VERSION_CONFLICT', details: { currentVersion: 2 } });
    expect(toProblem(error)).toMatchObject({
      status: 409,
      code: 'VERSION_CONFLICT',
      currentVersion: 2,
    });
  });

  it('maps a failed versioned flush to VERSION_CONFLICT without a current version', async () => {
    const error = await failureOf(handlerThrowing(OptimisticLockError.lockFailed(new Widget())));

    expect(error).toBeInstanceOf(VersionConflictError);
    expect(error).toMatchObject({ code: 'VERSION_CONFLICT', details: {} });
    expect(toProblem(error)).not.toHaveProperty('currentVersion');
  });

  it('maps a lock failure named by entity name only', async () => {
    const error = await failureOf(handlerThrowing(OptimisticLockError.lockFailed('Product')));
    expect(error).toBeInstanceOf(VersionConflictError);
    expect((error as VersionConflictError).details).toEqual({});
  });

  it.each([
    ['a domain error', new DomainError('OUT_OF_STOCK', 'gone', { available: 0 })],
    ['a plain error', new Error('boom')],
    ['a non-error value', 'just a string'],
    ['an error mentioning a version', new Error('version 1 was expected, but is actually 2')],
  ])('passes %s through untouched', async (_name, original) => {
    await expect(failureOf(handlerThrowing(original))).resolves.toBe(original);
  });
});
