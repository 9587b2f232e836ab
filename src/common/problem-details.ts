import { HttpException, HttpStatus } from '@nestjs/common';
import { CheckConstraintViolationException, OptimisticLockError } from '@mikro-orm/core';
import { DATABASE_RETRY_AFTER_SECONDS, isDatabaseUnavailable } from './database/database-errors';
import { DomainError, type ErrorCode, type FieldError } from './errors';

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

/** An RFC 9457 problem document, as every error response of the API carries it. */
export interface ProblemDetails {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: ErrorCode;
  instance?: string;
  errors?: FieldError[];
  [extension: string]: unknown;
}

/** A problem answered before (an idempotent replay), to be answered again as it was. */
export class ReplayedProblem extends Error {
  constructor(readonly problem: ProblemDetails) {
    super(problem.detail);
  }
}

const STATUS: Record<ErrorCode, HttpStatus> = {
  VALIDATION_FAILED: HttpStatus.BAD_REQUEST,
  MALFORMED_JSON: HttpStatus.BAD_REQUEST,
  UNSUPPORTED_MEDIA_TYPE: HttpStatus.UNSUPPORTED_MEDIA_TYPE,
  PAYLOAD_TOO_LARGE: HttpStatus.PAYLOAD_TOO_LARGE,
  UNAUTHORIZED: HttpStatus.UNAUTHORIZED,
  ADMIN_DISABLED: HttpStatus.UNAUTHORIZED,
  NOT_FOUND: HttpStatus.NOT_FOUND,
  ROUTE_NOT_FOUND: HttpStatus.NOT_FOUND,
  METHOD_NOT_ALLOWED: HttpStatus.METHOD_NOT_ALLOWED,
  DUPLICATE_SKU: HttpStatus.CONFLICT,
  VERSION_CONFLICT: HttpStatus.CONFLICT,
  OUT_OF_STOCK: HttpStatus.CONFLICT,
  SALE_NOT_STARTED: HttpStatus.CONFLICT,
  SALE_ENDED: HttpStatus.CONFLICT,
  EMAIL_REQUIRED: HttpStatus.UNPROCESSABLE_ENTITY,
  PURCHASE_LIMIT_REACHED: HttpStatus.CONFLICT,
  CART_CHECKED_OUT: HttpStatus.CONFLICT,
  CART_EMPTY: HttpStatus.UNPROCESSABLE_ENTITY,
  CURRENCY_MISMATCH: HttpStatus.UNPROCESSABLE_ENTITY,
  ORDER_TOTAL_TOO_LARGE: HttpStatus.UNPROCESSABLE_ENTITY,
  RATE_LIMITED: HttpStatus.TOO_MANY_REQUESTS,
  IDEMPOTENCY_KEY_REUSED: HttpStatus.UNPROCESSABLE_ENTITY,
  DATABASE_UNAVAILABLE: HttpStatus.SERVICE_UNAVAILABLE,
  OVERLOADED: HttpStatus.SERVICE_UNAVAILABLE,
  INTERNAL_ERROR: HttpStatus.INTERNAL_SERVER_ERROR,
};

const TITLES: Record<ErrorCode, string> = {
  VALIDATION_FAILED: 'Invalid request',
  MALFORMED_JSON: 'Malformed JSON body',
  UNSUPPORTED_MEDIA_TYPE: 'Unsupported media type',
  PAYLOAD_TOO_LARGE: 'Request body too large',
  UNAUTHORIZED: 'Unauthorized',
  ADMIN_DISABLED: 'Admin API disabled',
  NOT_FOUND: 'Not found',
  ROUTE_NOT_FOUND: 'No such route',
  METHOD_NOT_ALLOWED: 'Method not allowed',
  DUPLICATE_SKU: 'Duplicate SKU',
  VERSION_CONFLICT: 'Version conflict',
  OUT_OF_STOCK: 'Out of stock',
  SALE_NOT_STARTED: 'Sale not started',
  SALE_ENDED: 'Sale ended',
  EMAIL_REQUIRED: 'Email required',
  PURCHASE_LIMIT_REACHED: 'Purchase limit reached',
  CART_CHECKED_OUT: 'Cart already checked out',
  CART_EMPTY: 'Cart is empty',
  CURRENCY_MISMATCH: 'Currency mismatch',
  ORDER_TOTAL_TOO_LARGE: 'Order total too large',
  RATE_LIMITED: 'Too many requests',
  IDEMPOTENCY_KEY_REUSED: 'Idempotency key reused',
  DATABASE_UNAVAILABLE: 'Database unavailable',
  OVERLOADED: 'Too busy',
  INTERNAL_ERROR: 'Internal server error',
};

/** Codes that always tell the client when to try again (`retryAfterSeconds`, `Retry-After`). */
const DEFAULT_RETRY_AFTER: Partial<Record<ErrorCode, number>> = {
  DATABASE_UNAVAILABLE: DATABASE_RETRY_AFTER_SECONDS,
};

export function problem(code: ErrorCode, detail: string, extensions: object = {}): ProblemDetails {
  const retryAfterSeconds = DEFAULT_RETRY_AFTER[code];
  return {
    type: `/problems/${code.toLowerCase().replaceAll('_', '-')}`,
    title: TITLES[code],
    status: STATUS[code],
    detail,
    code,
    ...(retryAfterSeconds === undefined ? {} : { retryAfterSeconds }),
    ...extensions,
  };
}

/** Errors raised by Fastify itself while reading a request, before any route runs. */
interface FastifyRequestError {
  code?: string;
  statusCode?: number;
  message: string;
}

function fromFastifyError(error: FastifyRequestError): ProblemDetails | undefined {
  switch (error.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return problem('PAYLOAD_TOO_LARGE', 'The request body exceeds the 100 kB limit.');
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return problem('UNSUPPORTED_MEDIA_TYPE', 'Send the request body as application/json.');
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return problem('MALFORMED_JSON', 'The request body is not valid JSON.');
  }
  if (error instanceof SyntaxError && (error as FastifyRequestError).statusCode === 400) {
    return problem('MALFORMED_JSON', 'The request body is not valid JSON.');
  }
  if (error.statusCode === 413) {
    return problem('PAYLOAD_TOO_LARGE', 'The request body is too large.');
  }
  return undefined;
}

function fromHttpException(error: HttpException): ProblemDetails {
  // Nest wraps the errors Fastify raises while reading a request (bad JSON, body too large).
  const fromFastify = error.cause instanceof Error && fromFastifyError(error.cause);
  if (fromFastify) return fromFastify;
  const status = error.getStatus();
  switch (status) {
    case HttpStatus.NOT_FOUND:
      return problem('ROUTE_NOT_FOUND', error.message);
    case HttpStatus.METHOD_NOT_ALLOWED:
      return problem('METHOD_NOT_ALLOWED', error.message);
    case HttpStatus.PAYLOAD_TOO_LARGE:
      return problem('PAYLOAD_TOO_LARGE', error.message);
    case HttpStatus.UNAUTHORIZED:
      return problem('UNAUTHORIZED', error.message);
    default:
      if (status >= 400 && status < 500) {
        return { ...problem('VALIDATION_FAILED', error.message), status };
      }
      return { ...problem('INTERNAL_ERROR', 'An unexpected error occurred.'), status };
  }
}

/**
 * Turns any error into the problem document the client receives. Errors it does not know become
 * 500 INTERNAL_ERROR; the caller logs those (ProblemDetailsFilter does, with the request id).
 */
export function toProblem(error: unknown): ProblemDetails {
  if (error instanceof ReplayedProblem) {
    return { ...error.problem };
  }
  if (error instanceof DomainError) {
    return problem(error.code, error.message, error.details);
  }
  if (error instanceof OptimisticLockError) {
    // Normally mapped by OptimisticLockInterceptor; this covers errors raised outside handlers.
    return problem('VERSION_CONFLICT', 'The resource was changed by someone else; reload it.');
  }
  if (error instanceof HttpException) {
    return fromHttpException(error);
  }
  if (error instanceof CheckConstraintViolationException) {
    return problem('OUT_OF_STOCK', 'Not enough stock to complete this request.');
  }
  if (isDatabaseUnavailable(error)) {
    return problem('DATABASE_UNAVAILABLE', 'The database is unavailable; try again shortly.');
  }
  return problem('INTERNAL_ERROR', 'An unexpected error occurred.');
}
