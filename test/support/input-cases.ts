/**
 * The refusal table of test/e2e/input/refusals.spec.ts: each request the API must refuse, with the
 * exact status, code and field it must be refused with. The property tests of the same folder
 * generate hostile input at random; these are the cases worth naming one by one.
 */
import type { ErrorCode } from '../../client/sdk/src/index';
import { ADMIN_TOKEN } from './app';

/**
 * Requests the API must refuse, each with the status and code it must be refused with, and
 * without changing anything in the database. In paths and bodies, `{product}` is a product
 * with stock 5, `{sku}` its SKU, `{cart}` an open cart holding 1 of it (version 1),
 * `{emptyCart}` an open cart without lines, `{shortCart}` an open cart wanting 6 of it,
 * and `{missing}` a well-formed uuid that names nothing.
 */
export interface BadRequest {
  method: string;
  path: string;
  /** An object is sent as JSON; a string is sent as it is. */
  body?: unknown;
  headers?: Record<string, string>;
  admin?: boolean;
  status: number;
  code: ErrorCode;
  /** For 400 VALIDATION_FAILED: a field that `errors` must name (or a field inside it). */
  field?: string;
  /** The first message about `field`: it names the first broken rule (type, presence, range). */
  message?: RegExp;
  /** Members the problem must also carry, with the same placeholders as paths and bodies. */
  problem?: Record<string, unknown>;
}

export const MISSING = 'f47ac10b-58cc-4372-a567-0e02b2c3d479';
const quantity = (value: unknown) => ({ productId: '{product}', quantity: value });
const cartLine = (line: Record<string, unknown>) => ({ items: [{ ...line }] });
export const validProduct = {
  sku: 'NEW-1',
  name: 'New',
  priceCents: 100,
  currency: 'USD',
  stock: 1,
};
const manyLines = Array.from({ length: 101 }, (_, i) => ({
  productId: `f47ac10b-58cc-4372-a567-${String(i).padStart(12, '0')}`,
  quantity: 1,
}));

const validation = (field: string, message?: RegExp) => ({
  status: 400,
  code: 'VALIDATION_FAILED' as const,
  field,
  message,
});
const notFound = { status: 404, code: 'NOT_FOUND' } as const;
const unauthorized = { status: 401, code: 'UNAUTHORIZED' } as const;
const malformed = { status: 400, code: 'MALFORMED_JSON' } as const;

export const REFUSALS: [string, BadRequest][] = [
  // GET /products
  ['list: limit=0', { method: 'GET', path: '/products?limit=0', ...validation('limit') }],
  ['list: limit=101', { method: 'GET', path: '/products?limit=101', ...validation('limit') }],
  [
    'list: limit=abc',
    {
      method: 'GET',
      path: '/products?limit=abc',
      ...validation('limit', /^limit must be an integer number$/),
    },
  ],
  [
    'list: limit=1&limit=2',
    {
      method: 'GET',
      path: '/products?limit=1&limit=2',
      ...validation('limit', /^limit must be an integer number$/),
    },
  ],
  ['list: limit=1.5', { method: 'GET', path: '/products?limit=1.5', ...validation('limit') }],
  ['list: offset=-1', { method: 'GET', path: '/products?offset=-1', ...validation('offset') }],
  [
    'list: extra query param',
    { method: 'GET', path: '/products?limit=5&color=red', ...validation('color') },
  ],
  // GET /products/{id}
  ['product: non-uuid id', { method: 'GET', path: '/products/not-a-uuid', ...validation('id') }],
  [
    'product: uuid-ish with junk',
    { method: 'GET', path: `/products/${MISSING}x`, ...validation('id') },
  ],
  ['product: unknown id', { method: 'GET', path: '/products/{missing}', ...notFound }],
  // POST /products (admin)
  ['create: no token', { method: 'POST', path: '/products', body: validProduct, ...unauthorized }],
  [
    'create: wrong token',
    {
      method: 'POST',
      path: '/products',
      body: validProduct,
      headers: { authorization: 'Bearer wrong-token-0123456789' },
      ...unauthorized,
    },
  ],
  [
    'create: not a bearer token',
    {
      method: 'POST',
      path: '/products',
      body: validProduct,
      headers: { authorization: `Basic ${ADMIN_TOKEN}` },
      ...unauthorized,
    },
  ],
  [
    'create: duplicate sku',
    {
      method: 'POST',
      path: '/products',
      body: { ...validProduct, sku: '{sku}' },
      admin: true,
      status: 409,
      code: 'DUPLICATE_SKU',
    },
  ],
  [
    'create: missing name',
    {
      method: 'POST',
      path: '/products',
      body: { ...validProduct, name: undefined },
      admin: true,
      ...validation('name', /^name is required$/),
    },
  ],
  [
    'create: negative stock',
    {
      method: 'POST',
      path: '/products',
      body: { ...validProduct, stock: -1 },
      admin: true,
      ...validation('stock'),
    },
  ],
  [
    'create: stock as a string',
    {
      method: 'POST',
      path: '/products',
      body: { ...validProduct, stock: '10' },
      admin: true,
      ...validation('stock'),
    },
  ],
  [
    'create: fractional price',
    {
      method: 'POST',
      path: '/products',
      body: { ...validProduct, priceCents: 9.99 },
      admin: true,
      ...validation('priceCents'),
    },
  ],
  [
    'create: unknown currency',
    {
      method: 'POST',
      path: '/products',
      body: { ...validProduct, currency: 'XXY' },
      admin: true,
      ...validation('currency'),
    },
  ],
  [
    'create: sku with spaces',
    {
      method: 'POST',
      path: '/products',
      body: { ...validProduct, sku: 'NEW 1' },
      admin: true,
      ...validation('sku'),
    },
  ],
  [
    'create: unknown field',
    {
      method: 'POST',
      path: '/products',
      body: { ...validProduct, discount: 50 },
      admin: true,
      ...validation('discount'),
    },
  ],
  // PATCH /products/{id} (admin)
  [
    'edit: no token',
    {
      method: 'PATCH',
      path: '/products/{product}',
      body: { version: 1, stock: 0 },
      ...unauthorized,
    },
  ],
  [
    'edit: missing version',
    {
      method: 'PATCH',
      path: '/products/{product}',
      body: { stock: 0 },
      admin: true,
      ...validation('version'),
    },
  ],
  [
    'edit: version 0',
    {
      method: 'PATCH',
      path: '/products/{product}',
      body: { version: 0, stock: 0 },
      admin: true,
      ...validation('version'),
    },
  ],
  [
    'edit: sku cannot be edited',
    {
      method: 'PATCH',
      path: '/products/{product}',
      body: { version: 1, sku: 'OTHER' },
      admin: true,
      ...validation('sku'),
    },
  ],
  [
    'edit: negative stock',
    {
      method: 'PATCH',
      path: '/products/{product}',
      body: { version: 1, stock: -5 },
      admin: true,
      ...validation('stock'),
    },
  ],
  [
    'edit: version from the future',
    {
      method: 'PATCH',
      path: '/products/{product}',
      body: { version: 99, stock: 0 },
      admin: true,
      status: 409,
      code: 'VERSION_CONFLICT',
    },
  ],
  [
    'edit: non-uuid id',
    {
      method: 'PATCH',
      path: '/products/42',
      body: { version: 1, stock: 0 },
      admin: true,
      ...validation('id'),
    },
  ],
  [
    'edit: unknown id',
    {
      method: 'PATCH',
      path: '/products/{missing}',
      body: { version: 1, stock: 0 },
      admin: true,
      ...notFound,
    },
  ],
  // POST /cart
  [
    'cart: no items',
    { method: 'POST', path: '/cart', body: {}, ...validation('items', /^items is required$/) },
  ],
  [
    'cart: no body at all',
    { method: 'POST', path: '/cart', ...validation('items', /^items is required$/) },
  ],
  [
    'create: currency in lower case (the document lists ISO 4217 codes in upper case)',
    {
      method: 'POST',
      path: '/products',
      body: { ...validProduct, currency: 'usd' },
      admin: true,
      ...validation('currency'),
    },
  ],
  [
    'create: name of the wrong type says so, not its length',
    {
      method: 'POST',
      path: '/products',
      body: { ...validProduct, name: 5 },
      admin: true,
      ...validation('name', /^name must be a string$/),
    },
  ],
  [
    'cart checkout: an unknown field in the body',
    { method: 'POST', path: '/cart/{cart}/checkout', body: { note: 'x' }, ...validation('note') },
  ],
  [
    'cart checkout: an email that is not one',
    {
      method: 'POST',
      path: '/cart/{cart}/checkout',
      body: { email: 'ann at example.com' },
      ...validation('email'),
    },
  ],
  [
    'cart checkout: a body that is not an object',
    { method: 'POST', path: '/cart/{cart}/checkout', body: [], ...validation('body') },
  ],
  [
    'checkout: an email that is not one',
    {
      method: 'POST',
      path: '/checkout',
      body: { productId: '{product}', quantity: 1, email: 'ann@' },
      ...validation('email'),
    },
  ],
  [
    'cart checkout: a text/plain body',
    {
      method: 'POST',
      path: '/cart/{cart}/checkout',
      body: 'hello',
      headers: { 'content-type': 'text/plain' },
      status: 415,
      code: 'UNSUPPORTED_MEDIA_TYPE',
    },
  ],
  [
    'cart checkout: malformed JSON',
    {
      method: 'POST',
      path: '/cart/{cart}/checkout',
      body: '{"a":',
      ...malformed,
    },
  ],
  [
    'cart: items not an array',
    { method: 'POST', path: '/cart', body: { items: 'x' }, ...validation('items') },
  ],
  [
    'cart: null line',
    { method: 'POST', path: '/cart', body: { items: [null] }, ...validation('items') },
  ],
  [
    'cart: quantity 0',
    {
      method: 'POST',
      path: '/cart',
      body: cartLine(quantity(0)),
      ...validation('items.0.quantity'),
    },
  ],
  [
    'cart: negative quantity',
    {
      method: 'POST',
      path: '/cart',
      body: cartLine(quantity(-1)),
      ...validation('items.0.quantity'),
    },
  ],
  [
    'cart: quantity 1001',
    {
      method: 'POST',
      path: '/cart',
      body: cartLine(quantity(1001)),
      ...validation('items.0.quantity'),
    },
  ],
  [
    'cart: fractional quantity',
    {
      method: 'POST',
      path: '/cart',
      body: cartLine(quantity(1.5)),
      ...validation('items.0.quantity'),
    },
  ],
  [
    'cart: quantity as a string',
    {
      method: 'POST',
      path: '/cart',
      body: cartLine(quantity('2')),
      ...validation('items.0.quantity'),
    },
  ],
  [
    'cart: null quantity',
    {
      method: 'POST',
      path: '/cart',
      body: cartLine(quantity(null)),
      ...validation('items.0.quantity'),
    },
  ],
  [
    'cart: non-uuid productId',
    {
      method: 'POST',
      path: '/cart',
      body: cartLine({ productId: 'abc', quantity: 1 }),
      ...validation('items.0.productId'),
    },
  ],
  [
    'cart: duplicate productIds',
    {
      method: 'POST',
      path: '/cart',
      body: { items: [quantity(1), quantity(2)] },
      ...validation('items'),
    },
  ],
  [
    'cart: unknown field in a line',
    {
      method: 'POST',
      path: '/cart',
      body: cartLine({ ...quantity(1), colour: 'red' }),
      ...validation('items.0.colour'),
    },
  ],
  [
    'cart: unknown top-level field',
    { method: 'POST', path: '/cart', body: { items: [], coupon: 'FREE' }, ...validation('coupon') },
  ],
  [
    'cart: 101 lines',
    { method: 'POST', path: '/cart', body: { items: manyLines }, ...validation('items') },
  ],
  [
    'cart: unknown product',
    {
      method: 'POST',
      path: '/cart',
      body: cartLine({ productId: '{missing}', quantity: 1 }),
      ...notFound,
    },
  ],
  // GET /cart/{id}
  ['get cart: non-uuid id', { method: 'GET', path: '/cart/123', ...validation('id') }],
  ['get cart: unknown id', { method: 'GET', path: '/cart/{missing}', ...notFound }],
  // PUT /cart/{id}/items/{productId}
  [
    'set line: negative quantity',
    {
      method: 'PUT',
      path: '/cart/{cart}/items/{product}',
      body: { quantity: -1, version: 1 },
      ...validation('quantity'),
    },
  ],
  [
    'set line: quantity 1001',
    {
      method: 'PUT',
      path: '/cart/{cart}/items/{product}',
      body: { quantity: 1001, version: 1 },
      ...validation('quantity'),
    },
  ],
  [
    'set line: missing version',
    {
      method: 'PUT',
      path: '/cart/{cart}/items/{product}',
      body: { quantity: 2 },
      ...validation('version'),
    },
  ],
  [
    'set line: version as a string',
    {
      method: 'PUT',
      path: '/cart/{cart}/items/{product}',
      body: { quantity: 2, version: '1' },
      ...validation('version'),
    },
  ],
  [
    'set line: stale version',
    {
      method: 'PUT',
      path: '/cart/{cart}/items/{product}',
      body: { quantity: 2, version: 99 },
      status: 409,
      code: 'VERSION_CONFLICT',
    },
  ],
  [
    'set line: non-uuid product id',
    {
      method: 'PUT',
      path: '/cart/{cart}/items/nope',
      body: { quantity: 1, version: 1 },
      ...validation('productId'),
    },
  ],
  [
    'set line: unknown product',
    {
      method: 'PUT',
      path: '/cart/{cart}/items/{missing}',
      body: { quantity: 1, version: 1 },
      ...notFound,
    },
  ],
  [
    'set line: remove an unknown product',
    {
      method: 'PUT',
      path: '/cart/{cart}/items/{missing}',
      body: { quantity: 0, version: 1 },
      ...notFound,
    },
  ],
  [
    'set line: unknown cart',
    {
      method: 'PUT',
      path: '/cart/{missing}/items/{product}',
      body: { quantity: 1, version: 1 },
      ...notFound,
    },
  ],
  // POST /checkout
  [
    'checkout: empty object',
    { method: 'POST', path: '/checkout', body: {}, ...validation('productId') },
  ],
  [
    'checkout: missing quantity',
    {
      method: 'POST',
      path: '/checkout',
      body: { productId: '{product}' },
      ...validation('quantity'),
    },
  ],
  [
    'checkout: quantity 0',
    { method: 'POST', path: '/checkout', body: quantity(0), ...validation('quantity') },
  ],
  [
    'checkout: negative quantity',
    { method: 'POST', path: '/checkout', body: quantity(-3), ...validation('quantity') },
  ],
  [
    'checkout: quantity 1001',
    { method: 'POST', path: '/checkout', body: quantity(1001), ...validation('quantity') },
  ],
  [
    'checkout: huge quantity',
    { method: 'POST', path: '/checkout', body: quantity(1e12), ...validation('quantity') },
  ],
  [
    'checkout: quantity beyond 2^53',
    {
      method: 'POST',
      path: '/checkout',
      body: '{"productId":"{product}","quantity":9007199254740993}',
      ...validation('quantity'),
    },
  ],
  [
    'checkout: quantity 1e400 (Infinity)',
    {
      method: 'POST',
      path: '/checkout',
      body: '{"productId":"{product}","quantity":1e400}',
      ...validation('quantity'),
    },
  ],
  [
    'checkout: fractional quantity',
    { method: 'POST', path: '/checkout', body: quantity(0.5), ...validation('quantity') },
  ],
  [
    'checkout: quantity as a string',
    { method: 'POST', path: '/checkout', body: quantity('1'), ...validation('quantity') },
  ],
  [
    'checkout: quantity true',
    { method: 'POST', path: '/checkout', body: quantity(true), ...validation('quantity') },
  ],
  [
    'checkout: quantity null',
    { method: 'POST', path: '/checkout', body: quantity(null), ...validation('quantity') },
  ],
  [
    'checkout: quantity as an array',
    { method: 'POST', path: '/checkout', body: quantity([1]), ...validation('quantity') },
  ],
  [
    'checkout: non-uuid productId',
    {
      method: 'POST',
      path: '/checkout',
      body: { productId: 'abc', quantity: 1 },
      ...validation('productId'),
    },
  ],
  [
    'checkout: numeric productId',
    {
      method: 'POST',
      path: '/checkout',
      body: { productId: 7, quantity: 1 },
      ...validation('productId'),
    },
  ],
  [
    'checkout: expectedVersion 0',
    {
      method: 'POST',
      path: '/checkout',
      body: { ...quantity(1), expectedVersion: 0 },
      ...validation('expectedVersion'),
    },
  ],
  [
    'checkout: fractional expectedVersion',
    {
      method: 'POST',
      path: '/checkout',
      body: { ...quantity(1), expectedVersion: 1.5 },
      ...validation('expectedVersion'),
    },
  ],
  [
    'checkout: expectedVersion as a string',
    {
      method: 'POST',
      path: '/checkout',
      body: { ...quantity(1), expectedVersion: '1' },
      ...validation('expectedVersion'),
    },
  ],
  [
    'checkout: unknown field',
    {
      method: 'POST',
      path: '/checkout',
      body: { ...quantity(1), priceCents: 1 },
      ...validation('priceCents'),
    },
  ],
  [
    'checkout: unknown product',
    {
      method: 'POST',
      path: '/checkout',
      body: { productId: '{missing}', quantity: 1 },
      ...notFound,
    },
  ],
  [
    'checkout: more than the stock',
    {
      method: 'POST',
      path: '/checkout',
      body: quantity(6),
      status: 409,
      code: 'OUT_OF_STOCK',
      // It says what is left.
      problem: { productId: '{product}', requested: 6, available: 5 },
    },
  ],
  [
    'checkout: array body',
    {
      method: 'POST',
      path: '/checkout',
      body: [quantity(1)],
      status: 400,
      code: 'VALIDATION_FAILED',
    },
  ],
  [
    'checkout: JSON null body',
    { method: 'POST', path: '/checkout', body: 'null', status: 400, code: 'VALIDATION_FAILED' },
  ],
  [
    'checkout: JSON string body',
    { method: 'POST', path: '/checkout', body: '"hello"', status: 400, code: 'VALIDATION_FAILED' },
  ],
  [
    'checkout: malformed JSON',
    { method: 'POST', path: '/checkout', body: '{"productId": "{product}", ', ...malformed },
  ],
  [
    'checkout: trailing garbage',
    { method: 'POST', path: '/checkout', body: '{"quantity": 1}}', ...malformed },
  ],
  ['checkout: empty JSON body', { method: 'POST', path: '/checkout', body: '', ...malformed }],
  [
    'checkout: __proto__ key',
    {
      method: 'POST',
      path: '/checkout',
      body: '{"productId":"{product}","quantity":1,"__proto__":{"admin":true}}',
      status: 400,
      code: 'MALFORMED_JSON',
    },
  ],
  [
    'checkout: 200 kB body',
    {
      method: 'POST',
      path: '/checkout',
      body: { ...quantity(1), padding: 'x'.repeat(200 * 1024) },
      status: 413,
      code: 'PAYLOAD_TOO_LARGE',
    },
  ],
  [
    'checkout: XML body',
    {
      method: 'POST',
      path: '/checkout',
      body: '<checkout><quantity>1</quantity></checkout>',
      headers: { 'content-type': 'application/xml' },
      status: 415,
      code: 'UNSUPPORTED_MEDIA_TYPE',
    },
  ],
  // POST /cart/{id}/checkout
  [
    'cart checkout: non-uuid id',
    { method: 'POST', path: '/cart/xyz/checkout', ...validation('id') },
  ],
  [
    'cart checkout: unknown cart',
    { method: 'POST', path: '/cart/{missing}/checkout', ...notFound },
  ],
  [
    'cart checkout: empty cart',
    { method: 'POST', path: '/cart/{emptyCart}/checkout', status: 422, code: 'CART_EMPTY' },
  ],
  [
    'cart checkout: short line',
    { method: 'POST', path: '/cart/{shortCart}/checkout', status: 409, code: 'OUT_OF_STOCK' },
  ],
  // GET /orders/{id}
  ['order: non-uuid id', { method: 'GET', path: '/orders/1', ...validation('id') }],
  ['order: unknown id', { method: 'GET', path: '/orders/{missing}', ...notFound }],
  // Routes that do not exist
  ['unknown route', { method: 'GET', path: '/nope', status: 404, code: 'ROUTE_NOT_FOUND' }],
  [
    'unknown nested route',
    { method: 'GET', path: '/products/{product}/reviews', status: 404, code: 'ROUTE_NOT_FOUND' },
  ],
  [
    'DELETE a product',
    {
      method: 'DELETE',
      path: '/products/{product}',
      admin: true,
      status: 404,
      code: 'ROUTE_NOT_FOUND',
    },
  ],
  [
    'POST /health',
    { method: 'POST', path: '/health', body: {}, status: 404, code: 'ROUTE_NOT_FOUND' },
  ],
  // Bodies that are not JSON: the API documents 415 UNSUPPORTED_MEDIA_TYPE for them.
  [
    'checkout: text/plain body',
    {
      method: 'POST',
      path: '/checkout',
      body: '{"productId":"{product}","quantity":1}',
      headers: { 'content-type': 'text/plain' },
      status: 415,
      code: 'UNSUPPORTED_MEDIA_TYPE',
    },
  ],
  [
    'checkout: form body',
    {
      method: 'POST',
      path: '/checkout',
      body: 'productId={product}&quantity=1',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      status: 415,
      code: 'UNSUPPORTED_MEDIA_TYPE',
    },
  ],
  // Cart lines that are arrays instead of objects (found by a generated-body property, once a 500).
  [
    'cart: a line that is an empty array',
    { method: 'POST', path: '/cart', body: { items: [[]] }, ...validation('items') },
  ],
  [
    'cart: a line wrapped in an array',
    { method: 'POST', path: '/cart', body: { items: [[quantity(1)]] }, ...validation('items') },
  ],
];

/** The admin routes, each with a valid body: refused whatever the token when admin is off. */
export const ADMIN_ROUTES: [string, string, string, unknown][] = [
  ['POST /products', 'POST', '/products', validProduct],
  ['PATCH /products/{id}', 'PATCH', `/products/${MISSING}`, { version: 1, stock: 1 }],
];
