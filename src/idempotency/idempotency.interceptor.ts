import {
  type CallHandler,
  type ExecutionContext,
  Injectable,
  type NestInterceptor,
} from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { map, type Observable } from 'rxjs';
import { type ProblemDetails, ReplayedProblem } from '../common/problem-details';
import { IdempotentReplay } from './idempotency.service';
import { idempotentRequestOf } from './idempotent-request';

/**
 * Reads the Idempotency-Key of a route's request (the route hands it to the transaction that
 * claims it), and answers a replayed response as it was first answered.
 */
@Injectable()
export class IdempotencyInterceptor implements NestInterceptor {
  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (!idempotentRequestOf(context.switchToHttp().getRequest<FastifyRequest>())) {
      return next.handle();
    }
    return next.handle().pipe(
      map((result: unknown) => {
        if (!(result instanceof IdempotentReplay)) return result;
        void context
          .switchToHttp()
          .getResponse<FastifyReply>()
          .header('idempotent-replayed', 'true');
        if (result.status >= 400) throw new ReplayedProblem(result.body as ProblemDetails);
        return result.body;
      }),
    );
  }
}
