import {
  applyDecorators,
  type CallHandler,
  type ExecutionContext,
  Injectable,
  type NestInterceptor,
  UseInterceptors,
} from '@nestjs/common';
import { OptimisticLockError } from '@mikro-orm/core';
import { catchError, type Observable, throwError } from 'rxjs';
import { VersionConflictError } from './errors';
import { ApiProblems } from './openapi';

/**
 * Maps MikroORM's OptimisticLockError, thrown when a versioned flush or `em.lock()` finds that
 * someone else changed the row, to a 409 VERSION_CONFLICT. When the error names the entity and
 * the version in the database is known, the body carries it as `currentVersion`.
 */
@Injectable()
export class OptimisticLockInterceptor implements NestInterceptor {
  intercept(_context: ExecutionContext, next: CallHandler): Observable<unknown> {
    return next
      .handle()
      .pipe(
        catchError((error: unknown) =>
          throwError(() =>
            error instanceof OptimisticLockError ? toVersionConflict(error) : error,
          ),
        ),
      );
  }
}

/**
 * Marks a route whose writes are versioned: its OptimisticLockError is answered 409
 * VERSION_CONFLICT, and documented so. Per route, not global: Nest runs a route without any
 * interceptor without its RxJS pipeline, which is cheaper (bench/NOTES.md); elsewhere the
 * exception filter still answers 409.
 */
export const MapsVersionConflicts = () =>
  applyDecorators(
    UseInterceptors(OptimisticLockInterceptor),
    ApiProblems({ 409: ['VERSION_CONFLICT'] }),
  );

export function toVersionConflict(error: OptimisticLockError): VersionConflictError {
  // MikroORM reports the row's version only in the message of a version mismatch from em.lock().
  const actual = /is actually (\d+)/.exec(error.message)?.[1];
  return new VersionConflictError(
    'The resource was changed by someone else; reload it and try again.',
    actual === undefined ? undefined : Number(actual),
  );
}
