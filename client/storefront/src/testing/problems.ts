// Problem documents as the service builds them (src/common/problem-details.ts and its domain
// errors): type, title and status by code, a detail in the service's words, the members each code
// carries, and the request's path and id. The FakeStore answers its refusals with these.
import type { ErrorCode, ProblemDetailsDto, SaleRefusal, StockShortageDto } from '../shop/sdk.js';

/** A refusal to answer: its code, and the members to set (or to override, e.g. `detail`). */
export type Problem = Partial<ProblemDetailsDto> & { code: ErrorCode };

/** Each code's status and title, and the detail the service gives when a test does not say. */
const CODES: Record<ErrorCode, [status: number, title: string, detail: string]> = {
  VALIDATION_FAILED: [400, 'Invalid request', 'The request is not valid.'],
  MALFORMED_JSON: [400, 'Malformed JSON body', 'The request body is not valid JSON.'],
  UNSUPPORTED_MEDIA_TYPE: [
    415,
    'Unsupported media type',
    'Send the request body as application/json.',
  ],
  PAYLOAD_TOO_LARGE: [413, 'Request body too large', 'The request body exceeds the 100 kB limit.'],
  UNAUTHORIZED: [401, 'Unauthorized', 'Unauthorized'],
  ADMIN_DISABLED: [401, 'Admin API disabled', 'The admin API is disabled.'],
  NOT_FOUND: [404, 'Not found', 'The resource does not exist.'],
  ROUTE_NOT_FOUND: [404, 'No such route', 'Cannot GET /'],
  METHOD_NOT_ALLOWED: [405, 'Method not allowed', 'Method not allowed'],
  DUPLICATE_SKU: [409, 'Duplicate SKU', 'A product with this SKU already exists.'],
  VERSION_CONFLICT: [
    409,
    'Version conflict',
    'The resource was changed by someone else; reload it and try again.',
  ],
  OUT_OF_STOCK: [409, 'Out of stock', 'Not enough stock to complete this request.'],
  SALE_NOT_STARTED: [409, 'Sale not started', 'The product is not on sale yet.'],
  SALE_ENDED: [409, 'Sale ended', 'The sale of the product has ended.'],
  EMAIL_REQUIRED: [422, 'Email required', "Send the customer's email with the purchase."],
  PURCHASE_LIMIT_REACHED: [409, 'Purchase limit reached', 'This customer has reached the limit.'],
  CART_CHECKED_OUT: [409, 'Cart already checked out', 'The cart has already been checked out.'],
  CART_EMPTY: [422, 'Cart is empty', 'The cart has no items to check out.'],
  CURRENCY_MISMATCH: [
    422,
    'Currency mismatch',
    'A cart holds products of one currency; these are priced in USD, EUR.',
  ],
  ORDER_TOTAL_TOO_LARGE: [422, 'Order total too large', 'This order would total too much.'],
  RATE_LIMITED: [
    429,
    'Too many requests',
    'At most 60 checkouts a minute per client; try again in 12 s.',
  ],
  IDEMPOTENCY_KEY_REUSED: [
    422,
    'Idempotency key reused',
    'This Idempotency-Key was used for another request.',
  ],
  DATABASE_UNAVAILABLE: [
    503,
    'Database unavailable',
    'The database is unavailable; try again shortly.',
  ],
  OVERLOADED: [503, 'Too busy', '500 requests are already waiting; try again in a moment.'],
  INTERNAL_ERROR: [500, 'Internal server error', 'An unexpected error occurred.'],
};

/** Members the service always sends with a code. */
const ALWAYS: Partial<Record<ErrorCode, Partial<ProblemDetailsDto>>> = {
  RATE_LIMITED: { retryAfterSeconds: 12 },
  DATABASE_UNAVAILABLE: { retryAfterSeconds: 2 },
  OVERLOADED: { retryAfterSeconds: 1 },
};

/** The problem document for `problem`, answered to the request at `instance`. */
export function problemDocument(
  { code, ...members }: Problem,
  request: { instance: string; requestId: string },
): ProblemDetailsDto {
  const [status, title, detail] = CODES[code];
  return {
    type: `/problems/${code.toLowerCase().replaceAll('_', '-')}`,
    title,
    status,
    detail,
    code,
    ...ALWAYS[code],
    ...members,
    ...request,
  };
}

export const notFound = (resource: 'Product' | 'Cart' | 'Order', id: string): Problem => ({
  code: 'NOT_FOUND',
  detail: `${resource} ${id} does not exist.`,
});

export const routeNotFound = (method: string, path: string): Problem => ({
  code: 'ROUTE_NOT_FOUND',
  detail: `Cannot ${method} ${path}`,
});

export const versionConflict = (currentVersion: number, detail?: string): Problem => ({
  code: 'VERSION_CONFLICT',
  currentVersion,
  ...(detail === undefined ? {} : { detail }),
});

export const cartCheckedOut = (cartId: string): Problem => ({
  code: 'CART_CHECKED_OUT',
  detail: `Cart ${cartId} has already been checked out.`,
});

export const cartEmpty = (cartId: string): Problem => ({
  code: 'CART_EMPTY',
  detail: `Cart ${cartId} has no items to check out.`,
});

/** OUT_OF_STOCK naming the first short line; a cart's (`itemised`) lists every one. */
export function outOfStock(shortages: StockShortageDto[], { itemised = false } = {}): Problem {
  const [{ productId, requested, available }] = shortages;
  return {
    code: 'OUT_OF_STOCK',
    detail:
      available === 0
        ? `Product ${productId} is sold out.`
        : `Only ${available} of product ${productId} left; ${requested} requested.`,
    productId,
    requested,
    available,
    ...(itemised ? { shortages } : {}),
  };
}

/** A refusal by a drop's rules (the SDK's `saleRefusal`), in the service's words. */
export function saleRefused(refusal: SaleRefusal): Problem {
  return { ...refusal, detail: refusalDetail(refusal) };
}

function refusalDetail(refusal: SaleRefusal): string {
  const product = `Product ${refusal.productId}`;
  switch (refusal.code) {
    case 'EMAIL_REQUIRED':
      return `${product} is limited to ${refusal.limit} per customer: send the customer's email with the purchase.`;
    case 'SALE_NOT_STARTED':
      return `${product} goes on sale at ${refusal.startsAt}.`;
    case 'SALE_ENDED':
      return `The sale of product ${refusal.productId} ended at ${refusal.endsAt}.`;
    case 'PURCHASE_LIMIT_REACHED':
      if (refusal.remaining === undefined) {
        return `${product} is limited to ${refusal.limit} per customer; no purchase can hold more.`;
      }
      return refusal.remaining === 0
        ? `${product} is limited to ${refusal.limit} per customer, and this customer has bought them all.`
        : `${product} is limited to ${refusal.limit} per customer; this customer can buy ${refusal.remaining} more.`;
  }
}
