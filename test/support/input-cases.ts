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

type Outcome = Pick<BadRequest, 'status' | 'code' | 'field' | 'message' | 'problem'>;

/** A row's request: `body` undefined sends none; `headers` are sent as they are. */
const request =
  (method: string, admin = false) =>
  (
    path: string,
    body: unknown,
    outcome: Outcome,
    headers?: Record<string, string>,
  ): BadRequest => ({
    method,
    path,
    ...(body === undefined ? {} : { body }),
    ...(headers ? { headers } : {}),
    ...(admin ? { admin } : {}),
    ...outcome,
  });
const get = (path: string, outcome: Outcome) => request('GET')(path, undefined, outcome);
const post = request('POST');
const put = request('PUT');
const patch = request('PATCH');
const adminPost = request('POST', true);
const adminPatch = request('PATCH', true);
const adminDel = (path: string, outcome: Outcome) =>
  request('DELETE', true)(path, undefined, outcome);

export const REFUSALS: [string, BadRequest][] = [
  // GET /products
  ['list: limit=0', get('/products?limit=0', validation('limit'))],
  ['list: limit=101', get('/products?limit=101', validation('limit'))],
  [
    'list: limit=abc',
    get('/products?limit=abc', validation('limit', /^limit must be an integer number$/)),
  ],
  [
    'list: limit=1&limit=2',
    get('/products?limit=1&limit=2', validation('limit', /^limit must be an integer number$/)),
  ],
  ['list: limit=1.5', get('/products?limit=1.5', validation('limit'))],
  ['list: offset=-1', get('/products?offset=-1', validation('offset'))],
  ['list: extra query param', get('/products?limit=5&color=red', validation('color'))],
  // GET /products/{id}
  ['product: non-uuid id', get('/products/not-a-uuid', validation('id'))],
  ['product: uuid-ish with junk', get(`/products/${MISSING}x`, validation('id'))],
  ['product: unknown id', get('/products/{missing}', notFound)],
  // POST /products (admin)
  ['create: no token', post('/products', validProduct, unauthorized)],
  [
    'create: wrong token',
    post('/products', validProduct, unauthorized, {
      authorization: 'Bearer wrong-token-0123456789',
    }),
  ],
  [
    'create: not a bearer token',
    post('/products', validProduct, unauthorized, { authorization: `Basic ${ADMIN_TOKEN}` }),
  ],
  [
    'create: duplicate sku',
    adminPost(
      '/products',
      { ...validProduct, sku: '{sku}' },
      { status: 409, code: 'DUPLICATE_SKU' },
    ),
  ],
  [
    'create: missing name',
    adminPost(
      '/products',
      { ...validProduct, name: undefined },
      validation('name', /^name is required$/),
    ),
  ],
  [
    'create: negative stock',
    adminPost('/products', { ...validProduct, stock: -1 }, validation('stock')),
  ],
  [
    'create: stock as a string',
    adminPost('/products', { ...validProduct, stock: '10' }, validation('stock')),
  ],
  [
    'create: fractional price',
    adminPost('/products', { ...validProduct, priceCents: 9.99 }, validation('priceCents')),
  ],
  [
    'create: unknown currency',
    adminPost('/products', { ...validProduct, currency: 'XXY' }, validation('currency')),
  ],
  [
    'create: sku with spaces',
    adminPost('/products', { ...validProduct, sku: 'NEW 1' }, validation('sku')),
  ],
  [
    'create: unknown field',
    adminPost('/products', { ...validProduct, discount: 50 }, validation('discount')),
  ],
  // PATCH /products/{id} (admin)
  ['edit: no token', patch('/products/{product}', { version: 1, stock: 0 }, unauthorized)],
  ['edit: missing version', adminPatch('/products/{product}', { stock: 0 }, validation('version'))],
  [
    'edit: version 0',
    adminPatch('/products/{product}', { version: 0, stock: 0 }, validation('version')),
  ],
  [
    'edit: sku cannot be edited',
    adminPatch('/products/{product}', { version: 1, sku: 'OTHER' }, validation('sku')),
  ],
  [
    'edit: negative stock',
    adminPatch('/products/{product}', { version: 1, stock: -5 }, validation('stock')),
  ],
  [
    'edit: version from the future',
    adminPatch(
      '/products/{product}',
      { version: 99, stock: 0 },
      { status: 409, code: 'VERSION_CONFLICT' },
    ),
  ],
  ['edit: non-uuid id', adminPatch('/products/42', { version: 1, stock: 0 }, validation('id'))],
  ['edit: unknown id', adminPatch('/products/{missing}', { version: 1, stock: 0 }, notFound)],
  // POST /cart
  ['cart: no items', post('/cart', {}, validation('items', /^items is required$/))],
  ['cart: no body at all', post('/cart', undefined, validation('items', /^items is required$/))],
  [
    'create: currency in lower case (the document lists ISO 4217 codes in upper case)',
    adminPost('/products', { ...validProduct, currency: 'usd' }, validation('currency')),
  ],
  [
    'create: name of the wrong type says so, not its length',
    adminPost(
      '/products',
      { ...validProduct, name: 5 },
      validation('name', /^name must be a string$/),
    ),
  ],
  [
    'cart checkout: an unknown field in the body',
    post('/cart/{cart}/checkout', { note: 'x' }, validation('note')),
  ],
  [
    'cart checkout: an email that is not one',
    post('/cart/{cart}/checkout', { email: 'ann at example.com' }, validation('email')),
  ],
  [
    'cart checkout: a body that is not an object',
    post('/cart/{cart}/checkout', [], validation('body')),
  ],
  [
    'checkout: an email that is not one',
    post('/checkout', { productId: '{product}', quantity: 1, email: 'ann@' }, validation('email')),
  ],
  [
    'cart checkout: a text/plain body',
    post(
      '/cart/{cart}/checkout',
      'hello',
      { status: 415, code: 'UNSUPPORTED_MEDIA_TYPE' },
      { 'content-type': 'text/plain' },
    ),
  ],
  ['cart checkout: malformed JSON', post('/cart/{cart}/checkout', '{"a":', malformed)],
  ['cart: items not an array', post('/cart', { items: 'x' }, validation('items'))],
  ['cart: null line', post('/cart', { items: [null] }, validation('items'))],
  ['cart: quantity 0', post('/cart', cartLine(quantity(0)), validation('items.0.quantity'))],
  [
    'cart: negative quantity',
    post('/cart', cartLine(quantity(-1)), validation('items.0.quantity')),
  ],
  ['cart: quantity 1001', post('/cart', cartLine(quantity(1001)), validation('items.0.quantity'))],
  [
    'cart: fractional quantity',
    post('/cart', cartLine(quantity(1.5)), validation('items.0.quantity')),
  ],
  [
    'cart: quantity as a string',
    post('/cart', cartLine(quantity('2')), validation('items.0.quantity')),
  ],
  ['cart: null quantity', post('/cart', cartLine(quantity(null)), validation('items.0.quantity'))],
  [
    'cart: non-uuid productId',
    post('/cart', cartLine({ productId: 'abc', quantity: 1 }), validation('items.0.productId')),
  ],
  [
    'cart: duplicate productIds',
    post('/cart', { items: [quantity(1), quantity(2)] }, validation('items')),
  ],
  [
    'cart: unknown field in a line',
    post('/cart', cartLine({ ...quantity(1), colour: 'red' }), validation('items.0.colour')),
  ],
  [
    'cart: unknown top-level field',
    post('/cart', { items: [], coupon: 'FREE' }, validation('coupon')),
  ],
  ['cart: 101 lines', post('/cart', { items: manyLines }, validation('items'))],
  [
    'cart: unknown product',
    post('/cart', cartLine({ productId: '{missing}', quantity: 1 }), notFound),
  ],
  // GET /cart/{id}
  ['get cart: non-uuid id', get('/cart/123', validation('id'))],
  ['get cart: unknown id', get('/cart/{missing}', notFound)],
  // PUT /cart/{id}/items/{productId}
  [
    'set line: negative quantity',
    put('/cart/{cart}/items/{product}', { quantity: -1, version: 1 }, validation('quantity')),
  ],
  [
    'set line: quantity 1001',
    put('/cart/{cart}/items/{product}', { quantity: 1001, version: 1 }, validation('quantity')),
  ],
  [
    'set line: missing version',
    put('/cart/{cart}/items/{product}', { quantity: 2 }, validation('version')),
  ],
  [
    'set line: version as a string',
    put('/cart/{cart}/items/{product}', { quantity: 2, version: '1' }, validation('version')),
  ],
  [
    'set line: stale version',
    put(
      '/cart/{cart}/items/{product}',
      { quantity: 2, version: 99 },
      { status: 409, code: 'VERSION_CONFLICT' },
    ),
  ],
  [
    'set line: non-uuid product id',
    put('/cart/{cart}/items/nope', { quantity: 1, version: 1 }, validation('productId')),
  ],
  [
    'set line: unknown product',
    put('/cart/{cart}/items/{missing}', { quantity: 1, version: 1 }, notFound),
  ],
  [
    'set line: remove an unknown product',
    put('/cart/{cart}/items/{missing}', { quantity: 0, version: 1 }, notFound),
  ],
  [
    'set line: unknown cart',
    put('/cart/{missing}/items/{product}', { quantity: 1, version: 1 }, notFound),
  ],
  // POST /checkout
  ['checkout: empty object', post('/checkout', {}, validation('productId'))],
  [
    'checkout: missing quantity',
    post('/checkout', { productId: '{product}' }, validation('quantity')),
  ],
  ['checkout: quantity 0', post('/checkout', quantity(0), validation('quantity'))],
  ['checkout: negative quantity', post('/checkout', quantity(-3), validation('quantity'))],
  ['checkout: quantity 1001', post('/checkout', quantity(1001), validation('quantity'))],
  ['checkout: huge quantity', post('/checkout', quantity(1e12), validation('quantity'))],
  [
    'checkout: quantity beyond 2^53',
    post(
      '/checkout',
      '{"productId":"{product}","quantity":9007199254740993}',
      validation('quantity'),
    ),
  ],
  [
    'checkout: quantity 1e400 (Infinity)',
    post('/checkout', '{"productId":"{product}","quantity":1e400}', validation('quantity')),
  ],
  ['checkout: fractional quantity', post('/checkout', quantity(0.5), validation('quantity'))],
  ['checkout: quantity as a string', post('/checkout', quantity('1'), validation('quantity'))],
  ['checkout: quantity true', post('/checkout', quantity(true), validation('quantity'))],
  ['checkout: quantity null', post('/checkout', quantity(null), validation('quantity'))],
  ['checkout: quantity as an array', post('/checkout', quantity([1]), validation('quantity'))],
  [
    'checkout: non-uuid productId',
    post('/checkout', { productId: 'abc', quantity: 1 }, validation('productId')),
  ],
  [
    'checkout: numeric productId',
    post('/checkout', { productId: 7, quantity: 1 }, validation('productId')),
  ],
  [
    'checkout: expectedVersion 0',
    post('/checkout', { ...quantity(1), expectedVersion: 0 }, validation('expectedVersion')),
  ],
  [
    'checkout: fractional expectedVersion',
    post('/checkout', { ...quantity(1), expectedVersion: 1.5 }, validation('expectedVersion')),
  ],
  [
    'checkout: expectedVersion as a string',
    post('/checkout', { ...quantity(1), expectedVersion: '1' }, validation('expectedVersion')),
  ],
  [
    'checkout: unknown field',
    post('/checkout', { ...quantity(1), priceCents: 1 }, validation('priceCents')),
  ],
  [
    'checkout: unknown product',
    post('/checkout', { productId: '{missing}', quantity: 1 }, notFound),
  ],
  // It says what is left.
  [
    'checkout: more than the stock',
    post('/checkout', quantity(6), {
      status: 409,
      code: 'OUT_OF_STOCK',
      problem: { productId: '{product}', requested: 6, available: 5 },
    }),
  ],
  [
    'checkout: array body',
    post('/checkout', [quantity(1)], { status: 400, code: 'VALIDATION_FAILED' }),
  ],
  [
    'checkout: JSON null body',
    post('/checkout', 'null', { status: 400, code: 'VALIDATION_FAILED' }),
  ],
  [
    'checkout: JSON string body',
    post('/checkout', '"hello"', { status: 400, code: 'VALIDATION_FAILED' }),
  ],
  ['checkout: malformed JSON', post('/checkout', '{"productId": "{product}", ', malformed)],
  ['checkout: trailing garbage', post('/checkout', '{"quantity": 1}}', malformed)],
  ['checkout: empty JSON body', post('/checkout', '', malformed)],
  [
    'checkout: __proto__ key',
    post('/checkout', '{"productId":"{product}","quantity":1,"__proto__":{"admin":true}}', {
      status: 400,
      code: 'MALFORMED_JSON',
    }),
  ],
  [
    'checkout: 200 kB body',
    post(
      '/checkout',
      { ...quantity(1), padding: 'x'.repeat(200 * 1024) },
      { status: 413, code: 'PAYLOAD_TOO_LARGE' },
    ),
  ],
  [
    'checkout: XML body',
    post(
      '/checkout',
      '<checkout><quantity>1</quantity></checkout>',
      { status: 415, code: 'UNSUPPORTED_MEDIA_TYPE' },
      { 'content-type': 'application/xml' },
    ),
  ],
  // POST /cart/{id}/checkout
  ['cart checkout: non-uuid id', post('/cart/xyz/checkout', undefined, validation('id'))],
  ['cart checkout: unknown cart', post('/cart/{missing}/checkout', undefined, notFound)],
  [
    'cart checkout: empty cart',
    post('/cart/{emptyCart}/checkout', undefined, { status: 422, code: 'CART_EMPTY' }),
  ],
  [
    'cart checkout: short line',
    post('/cart/{shortCart}/checkout', undefined, { status: 409, code: 'OUT_OF_STOCK' }),
  ],
  // GET /orders/{id}
  ['order: non-uuid id', get('/orders/1', validation('id'))],
  ['order: unknown id', get('/orders/{missing}', notFound)],
  // Routes that do not exist
  ['unknown route', get('/nope', { status: 404, code: 'ROUTE_NOT_FOUND' })],
  [
    'unknown nested route',
    get('/products/{product}/reviews', { status: 404, code: 'ROUTE_NOT_FOUND' }),
  ],
  ['DELETE a product', adminDel('/products/{product}', { status: 404, code: 'ROUTE_NOT_FOUND' })],
  ['POST /health', post('/health', {}, { status: 404, code: 'ROUTE_NOT_FOUND' })],
  // Bodies that are not JSON: the API documents 415 UNSUPPORTED_MEDIA_TYPE for them.
  [
    'checkout: text/plain body',
    post(
      '/checkout',
      '{"productId":"{product}","quantity":1}',
      { status: 415, code: 'UNSUPPORTED_MEDIA_TYPE' },
      { 'content-type': 'text/plain' },
    ),
  ],
  [
    'checkout: form body',
    post(
      '/checkout',
      'productId={product}&quantity=1',
      { status: 415, code: 'UNSUPPORTED_MEDIA_TYPE' },
      { 'content-type': 'application/x-www-form-urlencoded' },
    ),
  ],
  // Cart lines that are arrays instead of objects (found by a generated-body property, once a 500).
  ['cart: a line that is an empty array', post('/cart', { items: [[]] }, validation('items'))],
  [
    'cart: a line wrapped in an array',
    post('/cart', { items: [[quantity(1)]] }, validation('items')),
  ],
];

/** The admin routes, each with a valid body: refused whatever the token when admin is off. */
export const ADMIN_ROUTES: [string, string, string, unknown][] = [
  ['POST /products', 'POST', '/products', validProduct],
  ['PATCH /products/{id}', 'PATCH', `/products/${MISSING}`, { version: 1, stock: 1 }],
];
