import {
  type CallHandler,
  type ExecutionContext,
  HttpStatus,
  Injectable,
  type NestInterceptor,
} from '@nestjs/common';
import { HTTP_CODE_METADATA } from '@nestjs/common/constants';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { catchError, from, mergeMap, type Observable, of, throwError } from 'rxjs';
import { DomainError, type ErrorCode, ValidationFailedError } from '../common/errors';
import { type ProblemDetails, ReplayedProblem, toProblem } from '../common/problem-details';
import { fingerprint, type IdempotencyClaim, IdempotencyService } from './idempotency.service';

export const IDEMPOTENCY_HEADER = 'idempotency-key';

/**
 * Refusals the checkout itself decided, replayed to a retry with the same key. Anything else
 * (invalid input, a lost race, a rate limit, a server error) releases the key, as with Stripe:
 * the request never really ran, and a corrected retry may use the same key.
 */
const STORED_REFUSALS = new Set<ErrorCode>([
  'NOT_FOUND',
  'OUT_OF_STOCK',
  'CART_CHECKED_OUT',
  'CART_EMPTY',
]);

declare module 'fastify' {
  interface FastifyRequest {
    idempotency?: IdempotencyClaim;
  }
}

/** Applies the Idempotency-Key header to a route; see IdempotencyService. */
@Injectable()
export class IdempotencyInterceptor implements NestInterceptor {
  constructor(private readonly idempotency: IdempotencyService) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    const key = request.headers[IDEMPOTENCY_HEADER];
    if (key === undefined) return next.handle();
    if (typeof key !== 'string' || !/^[\x21-\x7e]{1,255}$/.test(key)) {
      throw new ValidationFailedError([
        {
          field: 'Idempotency-Key',
          message: 'Idempotency-Key must be 1 to 255 visible ASCII characters',
        },
      ]);
    }
    const scope = `${request.method} ${request.routeOptions.url}`;
    const status: number =
      Reflect.getMetadata(HTTP_CODE_METADATA, context.getHandler()) ?? HttpStatus.OK;

    return from(
      this.idempotency.begin(key, scope, fingerprint(scope, request.url, request.body)),
    ).pipe(
      mergeMap((begun) => {
        if (begun.kind === 'replay') {
          void context
            .switchToHttp()
            .getResponse<FastifyReply>()
            .header('idempotent-replayed', 'true');
          if (begun.status >= 400) {
            return throwError(() => new ReplayedProblem(begun.body as ProblemDetails));
          }
          return of(begun.body);
        }
        const claim = begun.claim;
        request.idempotency = claim;
        return next.handle().pipe(
          mergeMap((body) =>
            from(this.idempotency.complete(claim, status, body)).pipe(mergeMap(() => of(body))),
          ),
          catchError((error: unknown) =>
            from(this.settleFailure(claim, error)).pipe(mergeMap(() => throwError(() => error))),
          ),
        );
      }),
    );
  }

  private async settleFailure(claim: IdempotencyClaim, error: unknown): Promise<void> {
    if (error instanceof DomainError && STORED_REFUSALS.has(error.code)) {
      const problem = toProblem(error);
      await this.idempotency.complete(claim, problem.status, problem);
    } else {
      await this.idempotency.release(claim);
    }
  }
}
