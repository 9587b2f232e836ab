import {
  ADMIN_TOKEN,
  adminHeaders,
  api,
  createCart,
  createProduct,
  expectProblem,
  startTestApp,
  type TestApp,
} from '../support/app';
import { type DatabaseFingerprint, fingerprint } from '../support/database';
import { loadContract } from '../support/contract';
import { request as httpRequest } from 'node:http';
import { randomUUID } from 'node:crypto';

/**
 * Requests the API must refuse, each with the status and code it must be refused with, and
 * without changing anything in the database. In paths and bodies, `{product}` is a product
 * with stock 5, `{sku}` its SKU, `{cart}` an open cart holding 1 of it (version 1),
 * `{emptyCart}` an open cart without lines, `{shortCart}` an open cart wanting 6 of it,
 * and `{missing}` a well-formed uuid that names nothing.
 */
interface BadRequest {
  method: string;
  path: string;
  /** An object is sent as JSON; a string is sent as it is. */
  body?: unknown;
  headers?: Record<string, string>;
  admin?: boolean;
  status: number;
  code: string;
  /** For 400 VALIDATION_FAILED: a field that `errors` must name (or a field inside it). */
  field?: string;
  /** The first message about `field`: it names the first broken rule (type, presence, range). */
  message?: RegExp;
}

const MISSING = 'f47ac10b-58cc-4372-a567-0e02b2c3d479';
const quantity = (value: unknown) => ({ productId: '{product}', quantity: value });
const cartLine = (line: Record<string, unknown>) => ({ items: [{ ...line }] });
const validProduct = { sku: 'NEW-1', name: 'New', priceCents: 100, currency: 'USD', stock: 1 };
const manyLines = Array.from({ length: 101 }, (_, i) => ({
  productId: `f47ac10b-58cc-4372-a567-${String(i).padStart(12, '0')}`,
  quantity: 1,
}));

const validation = (field: string, message?: RegExp) => ({
  status: 400,
  code: 'VALIDATION_FAILED',
  field,
  message,
});
const notFound = { status: 404, code: 'NOT_FOUND' };
const unauthorized = { status: 401, code: 'UNAUTHORIZED' };
const malformed = { status: 400, code: 'MALFORMED_JSON' };

const cases: [string, BadRequest][] = [
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
];

/** Bodies that are not JSON: the API documents 415 UNSUPPORTED_MEDIA_TYPE for them. */
const notJson: [string, BadRequest][] = [
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
];

/** Cart lines that are arrays instead of objects (found by fuzz.spec.ts, once a 500). */
const nestedArrayLines: [string, BadRequest][] = [
  [
    'cart: a line that is an empty array',
    { method: 'POST', path: '/cart', body: { items: [[]] }, ...validation('items') },
  ],
  [
    'cart: a line wrapped in an array',
    { method: 'POST', path: '/cart', body: { items: [[quantity(1)]] }, ...validation('items') },
  ],
];

describe('bad input is refused with a problem document and changes nothing', () => {
  let t: TestApp;
  let fill: (text: string) => string;
  let baseline: DatabaseFingerprint;

  beforeAll(async () => {
    t = await startTestApp();
    const product = await createProduct(t.baseUrl, { stock: 5 });
    const cart = await createCart(t.baseUrl, [{ productId: product.id, quantity: 1 }]);
    const emptyCart = await createCart(t.baseUrl, []);
    const shortCart = await createCart(t.baseUrl, [{ productId: product.id, quantity: 6 }]);
    const values: Record<string, string> = {
      product: product.id,
      sku: product.sku,
      cart: cart.id,
      emptyCart: emptyCart.id,
      shortCart: shortCart.id,
      missing: MISSING,
    };
    fill = (text) => text.replace(/\{(\w+)\}/g, (_, name: string) => values[name] ?? `{${name}}`);
    baseline = await fingerprint(t.db);
    expect(baseline).toMatchObject({
      products: { rows: 1 },
      carts: { rows: 3 },
      orders: { rows: 0 },
    });
  });
  afterAll(() => t.close());

  it.each(cases)('%s', async (_name, c) => {
    const body =
      c.body === undefined
        ? undefined
        : fill(typeof c.body === 'string' ? c.body : JSON.stringify(c.body));
    const headers = { ...(c.admin ? adminHeaders : {}), ...c.headers };

    const response = await api(t.baseUrl, c.method, fill(c.path), body, headers);

    const problem = expectProblem(response, c.status, c.code);
    if (c.field) {
      const field = c.field;
      const fields: string[] = problem.errors.map((e: { field: string }) => e.field);
      expect(fields.filter((f) => f === field || f.startsWith(`${field}.`))).not.toHaveLength(0);
    }
    if (c.message) {
      const first = problem.errors.find((e: { field: string }) => e.field === c.field);
      expect(first?.message).toMatch(c.message);
    }
    expect(await fingerprint(t.db)).toEqual(baseline);
  });

  it.each(notJson)('%s is refused with a 4xx problem and changes nothing', async (_name, c) => {
    const response = await api(t.baseUrl, c.method, fill(c.path), fill(String(c.body)), c.headers);
    expect(response.status).toBeGreaterThanOrEqual(400);
    expect(response.status).toBeLessThan(500);
    expect(response.contentType).toMatch(/^application\/problem\+json/);
    expect(await fingerprint(t.db)).toEqual(baseline);
  });

  it.each(notJson)('%s is refused with 415 UNSUPPORTED_MEDIA_TYPE', async (_name, c) => {
    const response = await api(t.baseUrl, c.method, fill(c.path), fill(String(c.body)), c.headers);
    expectProblem(response, c.status, c.code);
  });

  it.each(nestedArrayLines)('%s changes nothing', async (_name, c) => {
    await api(t.baseUrl, c.method, c.path, fill(JSON.stringify(c.body)));
    expect(await fingerprint(t.db)).toEqual(baseline);
  });

  it.each(nestedArrayLines)('%s is refused with 400 VALIDATION_FAILED', async (_name, c) => {
    const response = await api(t.baseUrl, c.method, c.path, fill(JSON.stringify(c.body)));
    expectProblem(response, c.status, c.code);
  });

  it('reports the stock left when refusing for stock', async () => {
    const list = await api(t.baseUrl, 'GET', '/products');
    const [product] = list.body.items;
    const response = await api(t.baseUrl, 'POST', '/checkout', {
      productId: product.id,
      quantity: 6,
    });
    expect(expectProblem(response, 409, 'OUT_OF_STOCK')).toMatchObject({
      productId: product.id,
      requested: 6,
      available: 5,
    });
    expect(await fingerprint(t.db)).toEqual(baseline);
  });
});

describe('admin routes when the app runs without ADMIN_TOKEN', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ env: { ADMIN_TOKEN: '' } });
  });
  afterAll(() => t.close());

  it.each([
    ['POST /products', 'POST', '/products', validProduct],
    ['PATCH /products/{id}', 'PATCH', `/products/${MISSING}`, { version: 1, stock: 1 }],
  ])(
    '%s is refused with 401 ADMIN_DISABLED, whatever the token',
    async (_name, method, path, body) => {
      const before = await fingerprint(t.db);
      for (const headers of [{}, adminHeaders]) {
        expectProblem(await api(t.baseUrl, method, path, body, headers), 401, 'ADMIN_DISABLED');
      }
      expect(await fingerprint(t.db)).toEqual(before);
    },
  );
});

describe('HTTP details', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  it('takes the admin bearer scheme in any letter case (RFC 9110)', async () => {
    for (const scheme of ['bearer', 'BEARER', 'Bearer']) {
      const response = await api(
        t.baseUrl,
        'POST',
        '/products',
        { ...validProduct, sku: `CASE-${scheme}` },
        { authorization: `${scheme} ${ADMIN_TOKEN}` },
      );
      expect(response.status).toBe(201);
    }
  });

  it('refuses a body on every operation the document gives none, before anything runs', async () => {
    const { document } = await loadContract();
    const operations = Object.entries(document.paths).flatMap(([template, methods]) =>
      Object.entries(methods)
        .filter(([, operation]) => !operation.requestBody)
        .map(([method]) => ({ method: method.toUpperCase(), template })),
    );
    expect(operations.length).toBeGreaterThan(5);
    const before = await fingerprint(t.db);
    // fetch sends no body with GET; node:http does, as any client may.
    const send = (method: string, path: string) =>
      new Promise<{ status: number; requestId: unknown; body: any }>((resolve, reject) => {
        const body = JSON.stringify({ quantity: 2 });
        const req = httpRequest(`${t.baseUrl}${path}`, {
          method,
          headers: { 'content-type': 'application/json', 'content-length': body.length },
        });
        req.on('response', (res) => {
          let text = '';
          res.on('data', (chunk: Buffer) => (text += chunk.toString()));
          res.on('end', () =>
            resolve({
              status: res.statusCode!,
              requestId: res.headers['x-request-id'],
              body: JSON.parse(text),
            }),
          );
        });
        req.on('error', reject);
        req.end(body);
      });
    for (const { method, template } of operations) {
      const path = template.replace(/\{\w+\}/g, () => randomUUID());
      const response = await send(method, path);
      expect({ operation: `${method} ${template}`, status: response.status }).toEqual({
        operation: `${method} ${template}`,
        status: 400,
      });
      expect(response.body).toMatchObject({
        code: 'VALIDATION_FAILED',
        errors: [{ field: 'body', message: 'This operation takes no request body.' }],
        requestId: response.requestId,
      });
    }
    expect(await fingerprint(t.db)).toEqual(before);
  });

  it("puts x-request-id on the router's own refusals too", async () => {
    const response = await fetch(`${t.baseUrl}/products/${'a'.repeat(200)}`);
    expect(response.status).toBe(400);
    expect(response.headers.get('x-request-id')).toMatch(/^[\w.:-]{1,128}$/);
    expect((await response.json()).requestId).toBe(response.headers.get('x-request-id'));
  });
});
