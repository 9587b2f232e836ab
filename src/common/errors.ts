/**
 * Domain errors: services throw these, never HttpExceptions. Each carries a stable `code`;
 * the HTTP status for every code is decided in one place, `problem-details.ts`.
 */
export const ERROR_CODES = [
  'VALIDATION_FAILED',
  'MALFORMED_JSON',
  'UNSUPPORTED_MEDIA_TYPE',
  'PAYLOAD_TOO_LARGE',
  'UNAUTHORIZED',
  'ADMIN_DISABLED',
  'NOT_FOUND',
  'ROUTE_NOT_FOUND',
  'METHOD_NOT_ALLOWED',
  'DUPLICATE_SKU',
  'VERSION_CONFLICT',
  'OUT_OF_STOCK',
  'SALE_NOT_STARTED',
  'SALE_ENDED',
  'EMAIL_REQUIRED',
  'PURCHASE_LIMIT_REACHED',
  'CART_CHECKED_OUT',
  'CART_EMPTY',
  'CURRENCY_MISMATCH',
  'ORDER_TOTAL_TOO_LARGE',
  'RATE_LIMITED',
  'IDEMPOTENCY_KEY_REUSED',
  'DATABASE_UNAVAILABLE',
  'OVERLOADED',
  'INTERNAL_ERROR',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

export interface FieldError {
  field: string;
  message: string;
}

export class DomainError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    /** Extra members for the problem body, e.g. `available` or `currentVersion`. */
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = new.target.name;
  }
}

export class ValidationFailedError extends DomainError {
  constructor(readonly errors: FieldError[]) {
    super('VALIDATION_FAILED', 'The request is not valid.', { errors });
  }
}

export class NotFoundError extends DomainError {
  constructor(resource: string, id: string) {
    super('NOT_FOUND', `${resource} ${id} does not exist.`);
  }
}

export class VersionConflictError extends DomainError {
  constructor(message: string, currentVersion?: number) {
    super('VERSION_CONFLICT', message, currentVersion === undefined ? {} : { currentVersion });
  }
}
