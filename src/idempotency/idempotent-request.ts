import { createHash } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { ValidationFailedError } from '../common/errors';

export const IDEMPOTENCY_HEADER = 'idempotency-key';
/** Visible ASCII, as Stripe accepts; the OpenAPI document states the same pattern. */
export const IDEMPOTENCY_KEY_PATTERN = /^[\x21-\x7e]{1,255}$/;

/** A request sent with an Idempotency-Key. */
export interface IdempotentRequest {
  key: string;
  /** Method and route, e.g. `POST /cart/:id/checkout`. */
  scope: string;
  /** SHA-256 of the scope, the path and the body: the same key must come with the same request. */
  requestHash: string;
}

declare module 'fastify' {
  interface FastifyRequest {
    idempotency?: IdempotentRequest | null;
  }
}

/**
 * The request's Idempotency-Key, validated and fingerprinted once per request (the rate limit
 * and the interceptor both ask); undefined when it has none. A malformed key is a 400.
 */
export function idempotentRequestOf(request: FastifyRequest): IdempotentRequest | undefined {
  if (request.idempotency !== undefined) return request.idempotency ?? undefined;
  const key = request.headers[IDEMPOTENCY_HEADER];
  if (key === undefined) {
    request.idempotency = null;
    return undefined;
  }
  if (typeof key !== 'string' || !IDEMPOTENCY_KEY_PATTERN.test(key)) {
    throw new ValidationFailedError([
      {
        field: 'Idempotency-Key',
        message: 'Idempotency-Key must be 1 to 255 visible ASCII characters',
      },
    ]);
  }
  const scope = `${request.method} ${request.routeOptions.url}`;
  const requestHash = createHash('sha256')
    .update(JSON.stringify([scope, request.url, request.body ?? null]))
    .digest('hex');
  request.idempotency = { key, scope, requestHash };
  return request.idempotency;
}
