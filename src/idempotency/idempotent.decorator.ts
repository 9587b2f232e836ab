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
import { IDEMPOTENCY_KEY_PATTERN, idempotentRequestOf } from './idempotent-request';

/** Makes a route honour the Idempotency-Key header, and documents it. */
export const Idempotent = () =>
  applyDecorators(
    UseInterceptors(IdempotencyInterceptor),
    ApiHeader({
      name: 'Idempotency-Key',
      required: false,
      description:
        'Makes retries safe: the same key with the same request returns the first response again ' +
        '(with an `Idempotent-Replayed: true` header) and never creates a second order. A repeat ' +
        'sent while the first is still running waits for it and gets its response. Keys live 24 hours.',
      schema: {
        type: 'string',
        pattern: IDEMPOTENCY_KEY_PATTERN.source,
        minLength: 1,
        maxLength: 255,
      },
    }),
    ApiProblems({ 400: ['VALIDATION_FAILED'], 422: ['IDEMPOTENCY_KEY_REUSED'] }),
  );

/** The request's Idempotency-Key and fingerprint, when it has a key. */
export const IdempotentRequestParam = createParamDecorator(
  (_data: unknown, context: ExecutionContext) =>
    idempotentRequestOf(context.switchToHttp().getRequest<FastifyRequest>()),
);
