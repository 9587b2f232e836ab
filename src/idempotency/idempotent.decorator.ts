import {
  applyDecorators,
  createParamDecorator,
  type ExecutionContext,
  UseInterceptors,
} from '@nestjs/common';
import { ApiHeader } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { ApiProblems } from '../common/openapi';
import { IdempotencyInterceptor } from './idempotency.interceptor';

/** Makes a route honour the Idempotency-Key header, and documents it. */
export const Idempotent = () =>
  applyDecorators(
    UseInterceptors(IdempotencyInterceptor),
    ApiHeader({
      name: 'Idempotency-Key',
      required: false,
      description:
        'Makes retries safe: the same key with the same request returns the first response again ' +
        '(with an `Idempotent-Replayed: true` header) and never creates a second order. Keys live 24 hours.',
      schema: { type: 'string', maxLength: 255 },
    }),
    ApiProblems({ 409: ['IDEMPOTENCY_IN_PROGRESS'], 422: ['IDEMPOTENCY_KEY_REUSED'] }),
  );

/** The claim on the request's Idempotency-Key, when it has one. */
export const IdempotencyClaimParam = createParamDecorator(
  (_data: unknown, context: ExecutionContext) =>
    context.switchToHttp().getRequest<FastifyRequest>().idempotency,
);
