import fc from 'fast-check';
import {
  checkout,
  checkoutCart,
  createStoreClient,
  getProduct,
} from '../../../client/sdk/src/index';
import {
  adminHeaders,
  createCart,
  createProduct,
  startTestApp,
  type TestApp,
} from '../../support/app';
import { type Contract, loadContract } from '../../support/contract';
import { fingerprint, STORE_AND_KEY_TABLES } from '../../support/database';
import {
  attackClass,
  BODY_LIMIT,
  type BodyRules,
  decodes,
  deepArray,
  deepObject,
  freshKey,
  hostileIdempotencyKey,
  hostileSegment,
  hostileValue,
  isMalformed,
  junkBody,
  listQueryCouldBeValid,
  mutatedBody,
  notAdmin,
  percentEncode,
  PROTOTYPE_KEYS,
  queryString,
  rawJsonText,
  renderQuery,
  UNSUPPORTED_TYPES,
  withOwnKey,
} from '../../support/hostile-values';
import {
  hostile,
  type HostileRequest,
  jsonRequest,
  requestsSent,
  send,
  verdict,
} from '../../support/raw-http';

/**
 * Property tests of hostile input against every route of openapi/openapi.json, over raw HTTP
 * (test/support/raw-http.ts), with the generators of test/support/hostile-values.ts.
 *
 * Each request is built either by mutating a VALID request of the route (one field replaced by a
 * hostile value, a required field left out, an unknown or prototype-polluting field added, the
 * right body under the wrong content type, malformed or oversized JSON, a hostile path param or
 * header), or from random junk, or from scratch where only the stored data can refuse it (a
 * sold-out product, a checked-out cart). Every generated request is filtered so that it can never
 * be valid, and so must be refused: a 4xx (never 5xx, never 2xx), as `application/problem+json`
 * with a string `code` and a `status` equal to the HTTP status. What is valid is decided by the
 * document, openapi/openapi.json (request schemas, parameter schemas, the Idempotency-Key
 * pattern), judged by Ajv, plus only what the stored data decides (which ids exist, current
 * versions): the DTOs' rules are not copied here. Every answer is also checked against the
 * document. After each property no stored row (idempotency keys included) may have changed.
 *
 * Attack classes that hit one defect on many routes (path params Fastify's router rejects, deep
 * JSON, prototype keys, text PostgreSQL cannot store) have one property each, across routes, and
 * are left out of the per-route properties, so that one defect fails one test. GET /products/events
 * and the health routes ignore query strings: they are only checked never to fail.
 *
 * Runs are reproducible: the seed is fixed (FAST_CHECK_SEED overrides it) and fast-check prints
 * seed, path and the shrunk counterexample of a failure. FUZZ_RUNS raises the runs of the
 * properties generated from scratch (FUZZ_RUNS=1000 npm test -- input/hostile) to dig deeper.
 */

const SEED = Number(process.env.FAST_CHECK_SEED ?? 6_061_124);
const GENERATED_RUNS = Number(process.env.FUZZ_RUNS) || 60;

describe('hostile input to every route is refused with a 4xx problem and changes nothing', () => {
  let t: TestApp;
  let live: { id: string; version: number };
  let other: { id: string; version: number };
  let openCart: { id: string; version: number };
  let emptyCart: string;
  let checkedOutCart: string;
  let order: string;
  /** A product whose only unit is sold. */
  let soldOut: string;
  let contract: Contract;
  /** Lower-case ids of every seeded row. */
  const real = new Set<string>();

  beforeAll(async () => {
    contract = await loadContract();
    t = await startTestApp();
    const client = createStoreClient({ baseUrl: t.baseUrl });
    live = await createProduct(t.baseUrl, { stock: 50 });
    other = await createProduct(t.baseUrl, { stock: 20 });
    soldOut = (await createProduct(t.baseUrl, { stock: 1 })).id;
    openCart = await createCart(t.baseUrl, [{ productId: live.id, quantity: 1 }]);
    emptyCart = (await createCart(t.baseUrl, [])).id;
    checkedOutCart = (await createCart(t.baseUrl, [{ productId: other.id, quantity: 1 }])).id;
    const bought = await checkoutCart({ client, path: { id: checkedOutCart } });
    const direct = await checkout({ client, body: { productId: other.id, quantity: 1 } });
    const last = await checkout({ client, body: { productId: soldOut, quantity: 1 } });
    expect([bought, direct, last].map(({ response }) => response?.status)).toEqual([201, 201, 201]);
    order = direct.data!.id;
    other = (await getProduct({ client, path: { id: other.id } })).data!;
    for (const id of [live.id, other.id, soldOut, openCart.id, emptyCart, checkedOutCart, order]) {
      real.add(id.toLowerCase());
    }
    real.add(bought.data!.id.toLowerCase());
    real.add(last.data!.id.toLowerCase());
  });
  afterAll(() => t.close());

  /**
   * Runs a property of requests that must all be refused; no stored data may change. Requests of
   * an attack class with a property of its own are left out unless `attack` names that class.
   */
  async function allRefused(
    requests: fc.Arbitrary<HostileRequest>,
    numRuns: number,
    attack?: string,
  ): Promise<void> {
    const before = await fingerprint(t.db, STORE_AND_KEY_TABLES);
    await fc.assert(
      fc.asyncProperty(
        requests.filter((request) => attackClass(request) === attack),
        async (request) => {
          expect(verdict(request, await send(t.baseUrl, request))).toBe('refused');
        },
      ),
      { seed: SEED, numRuns },
    );
    expect(await fingerprint(t.db, STORE_AND_KEY_TABLES)).toEqual(before);
  }

  // Rules and valid templates, per route --------------------------------------------------------

  /** The JSON request body schema of an operation of the document. */
  function bodySchema(operationId: string): Record<string, any> {
    for (const operations of Object.values(contract.document.paths)) {
      for (const operation of Object.values(operations)) {
        if (operation.operationId === operationId) {
          return operation.requestBody!.content['application/json'].schema!;
        }
      }
    }
    throw new Error(`no operation ${operationId} with a body in the document`);
  }

  /** What the document says of a body (its schema, judged by Ajv), and what the data decides. */
  const rules = (schema: () => Record<string, any>, stored?: BodyRules['stored']): BodyRules => ({
    schema,
    accepts: (value) => contract.validator(schema())(value),
    stored,
  });

  const productRules = rules(() => bodySchema('createProduct'));
  const newProduct = {
    sku: 'HOSTILE-NEW-1',
    name: 'Brand new',
    description: 'Never to be stored',
    priceCents: 990,
    currency: 'USD',
    stock: 3,
  };

  const updateRules = () =>
    rules(
      () => bodySchema('updateProduct'),
      (body) => body.version === live.version,
    );
  const update = () => ({
    version: live.version,
    name: 'Renamed',
    description: 'Changed',
    priceCents: 1234,
    currency: 'USD',
    stock: 42,
  });

  const isProduct = (value: unknown) =>
    typeof value === 'string' && [live.id, other.id].includes(value.toLowerCase());
  const lineRules = () =>
    rules(
      () => bodySchema('createCart').properties.items.items,
      (line) => isProduct(line.productId),
    );
  const cartRules = () =>
    rules(
      () => bodySchema('createCart'),
      // The schema's description says it, JSON Schema cannot: each product once, in any case.
      ({ items }) =>
        items.every((line: { productId: string }) => isProduct(line.productId)) &&
        new Set(items.map((line: { productId: string }) => line.productId.toLowerCase())).size ===
          items.length,
    );
  const newCart = () => ({
    items: [
      { productId: live.id, quantity: 1 },
      { productId: other.id, quantity: 2 },
    ],
  });

  const setItemRules = () =>
    rules(
      () => bodySchema('setCartItem'),
      (body) => body.version === openCart.version,
    );
  const setItem = () => ({ quantity: 3, version: openCart.version });

  const checkoutRules = () =>
    rules(
      () => bodySchema('checkout'),
      (body) =>
        isProduct(body.productId) &&
        [undefined, live.version, other.version].includes(body.expectedVersion),
    );
  const purchase = () => ({ productId: live.id, quantity: 1, expectedVersion: live.version });

  // GET /products ------------------------------------------------------------------------------

  it('GET /products refuses bad query strings', async () => {
    const requests = fc
      .oneof(
        fc.constantFrom(
          // (limit=0, limit=1&limit=2 and offset=-1 are rows of test/support/input-cases.ts.)
          'limit=-1',
          'limit=1e9',
          'limit[]=1',
          'offset=abc',
          'offset=1.5',
          'limit=5&offset=5&extra=1',
          'limit=%00',
          'limit=%ZZ',
          'limit',
          'limit=',
          '&&&limit=101',
          'limit=Infinity',
          "limit=1'%20OR%201=1%20--",
        ),
        queryString.map(renderQuery),
      )
      .filter((query) => !listQueryCouldBeValid(contract, query))
      .map((query) => hostile({ method: 'GET', path: `/products?${query}`, headers: {} }));
    await allRefused(requests, 120);
  });

  it('GET /products/events never fails on bad query strings (the stream ignores its query)', async () => {
    // An SSE stream: only its status line and headers are read, then the connection is dropped.
    const before = await fingerprint(t.db, STORE_AND_KEY_TABLES);
    await fc.assert(
      fc.asyncProperty(queryString.map(renderQuery), async (query) => {
        const request = hostile({
          method: 'GET',
          path: `/products/events?${query}`,
          headers: { accept: 'text/event-stream' },
        });
        const reply = await send(t.baseUrl, request, true);
        expect(reply.status).toBeLessThan(500);
        expect(reply.contentType).toMatch(
          reply.status === 200 ? /^text\/event-stream/ : /^application\/problem\+json/,
        );
      }),
      { seed: SEED, numRuns: 25 },
    );
    expect(await fingerprint(t.db, STORE_AND_KEY_TABLES)).toEqual(before);
  });

  // GET /products/{id} -------------------------------------------------------------------------

  it('GET /products/{id} refuses hostile ids', async () => {
    // (GET /products/events is the stream, which has a property of its own.)
    const requests = hostileSegment(new Set([...real, 'events'])).map((id) =>
      hostile({ method: 'GET', path: `/products/${id}`, headers: {} }),
    );
    await allRefused(requests, 100);
  });

  // POST /products -----------------------------------------------------------------------------

  it('POST /products without the admin token refuses anything, even a valid product', async () => {
    const body = fc.oneof(
      fc.constant<unknown>(newProduct),
      mutatedBody(newProduct, productRules),
      fc.jsonValue(),
    );
    const requests = fc
      .tuple(body, notAdmin)
      .map(([value, headers]) => jsonRequest('POST', '/products', value, headers));
    await allRefused(requests, 60);
  });

  it('POST /products (admin) refuses a valid product with one hostile change', async () => {
    const requests = mutatedBody(newProduct, productRules).map((body) =>
      jsonRequest('POST', '/products', body, adminHeaders),
    );
    await allRefused(requests, 150);
  });

  it('POST /products (admin) refuses junk bodies', async () => {
    await allRefused(
      junkBody('POST', fc.constant('/products'), newProduct, productRules, adminHeaders),
      100,
    );
  });

  // PATCH /products/{id} -----------------------------------------------------------------------

  it('PATCH /products/{id} without the admin token refuses anything', async () => {
    const requests = fc
      .tuple(
        fc.oneof(fc.constant(live.id), hostileSegment(real)),
        fc.oneof(fc.constant<unknown>(update()), mutatedBody(update(), updateRules())),
        notAdmin,
      )
      .map(([id, body, headers]) => jsonRequest('PATCH', `/products/${id}`, body, headers));
    await allRefused(requests, 60);
  });

  it('PATCH /products/{id} (admin) refuses a valid edit with one hostile change', async () => {
    const requests = mutatedBody(update(), updateRules()).map((body) =>
      jsonRequest('PATCH', `/products/${live.id}`, body, adminHeaders),
    );
    await allRefused(requests, 120);
  });

  it('PATCH /products/{id} (admin) refuses a valid edit of a hostile id', async () => {
    const requests = hostileSegment(real).map((id) =>
      jsonRequest('PATCH', `/products/${id}`, update(), adminHeaders),
    );
    await allRefused(requests, 60);
  });

  it('PATCH /products/{id} (admin) refuses junk bodies', async () => {
    await allRefused(
      junkBody('PATCH', fc.constant(`/products/${live.id}`), update(), updateRules(), adminHeaders),
      80,
    );
  });

  // POST /cart ---------------------------------------------------------------------------------

  it('POST /cart refuses valid lines with one hostile change', async () => {
    const line = { productId: live.id, quantity: 1 };
    const hostileLines = fc.oneof(
      // One line changed, the other kept.
      mutatedBody(line, lineRules()).map((bad) => [bad, { productId: other.id, quantity: 2 }]),
      // A line that is no object, or lines nested one array too deep.
      hostileValue.map((bad) => [line, bad]),
      fc.constant([[line]]),
      fc.constant([[]]),
      // The same product twice, also in another letter case.
      fc.constant([line, line]),
      fc.constant([line, { productId: live.id.toUpperCase(), quantity: 1 }]),
      // 101 lines.
      fc.constant(
        Array.from({ length: 101 }, (_, i) => ({
          productId: `f47ac10b-58cc-4372-a567-${String(i).padStart(12, '0')}`,
          quantity: 1,
        })),
      ),
    );
    const items = fc.oneof(hostileLines, hostileValue);
    const requests = mutatedBody(newCart(), cartRules(), () => items).map((body) =>
      jsonRequest('POST', '/cart', body),
    );
    await allRefused(requests, 150);
  });

  it('POST /cart refuses junk bodies', async () => {
    await allRefused(junkBody('POST', fc.constant('/cart'), newCart(), cartRules()), 80);
  });

  // GET /cart/{id} -----------------------------------------------------------------------------

  it('GET /cart/{id} refuses hostile ids', async () => {
    const requests = hostileSegment(real).map((id) =>
      hostile({ method: 'GET', path: `/cart/${id}`, headers: {} }),
    );
    await allRefused(requests, 80);
  });

  // PUT /cart/{id}/items/{productId} -----------------------------------------------------------

  it('PUT /cart/{id}/items/{productId} refuses a valid change with one hostile field', async () => {
    const requests = mutatedBody(setItem(), setItemRules()).map((body) =>
      jsonRequest('PUT', `/cart/${openCart.id}/items/${live.id}`, body),
    );
    await allRefused(requests, 100);
  });

  it('PUT /cart/{id}/items/{productId} refuses hostile path params', async () => {
    const paths = fc.oneof(
      hostileSegment(real).map((id) => `/cart/${id}/items/${live.id}`),
      hostileSegment(real).map((id) => `/cart/${openCart.id}/items/${id}`),
      fc
        .tuple(hostileSegment(real), hostileSegment(real))
        .map(([cart, product]) => `/cart/${cart}/items/${product}`),
      // Real rows, but not a cart and a product, or a cart that is checked out.
      fc.constantFrom(
        `/cart/${live.id}/items/${live.id}`,
        `/cart/${openCart.id}/items/${openCart.id}`,
        `/cart/${checkedOutCart}/items/${live.id}`,
      ),
    );
    const requests = paths.map((path) => jsonRequest('PUT', path, setItem()));
    await allRefused(requests, 80);
  });

  it('PUT /cart/{id}/items/{productId} refuses junk bodies', async () => {
    await allRefused(
      junkBody(
        'PUT',
        fc.constant(`/cart/${openCart.id}/items/${live.id}`),
        setItem(),
        setItemRules(),
      ),
      80,
    );
  });

  // POST /checkout -----------------------------------------------------------------------------

  it('POST /checkout refuses a valid purchase with one hostile change', async () => {
    const requests = mutatedBody(purchase(), checkoutRules()).map((body) =>
      jsonRequest('POST', '/checkout', body),
    );
    await allRefused(requests, 120);
  });

  it('POST /checkout refuses a valid purchase under a hostile Idempotency-Key', async () => {
    const requests = hostileIdempotencyKey(contract).map((key) =>
      jsonRequest('POST', '/checkout', purchase(), { 'idempotency-key': key }),
    );
    await allRefused(requests, 50);
  });

  it('POST /checkout refuses junk bodies', async () => {
    await allRefused(
      junkBody('POST', fc.constant('/checkout'), purchase(), checkoutRules(), {}, true),
      100,
    );
  });

  // POST /cart/{id}/checkout -------------------------------------------------------------------

  it('POST /cart/{id}/checkout refuses hostile ids, spent carts and unreadable requests', async () => {
    const anyBody = fc.oneof(
      fc.constant<string | undefined>(undefined),
      fc.jsonValue().map((value) => JSON.stringify(value)),
      fc.string({ unit: 'binary', maxLength: 100 }),
    );
    // This route ignores any JSON that parses: only malformed text is unreadable.
    const anyJson: BodyRules = { schema: () => ({ properties: { x: {} } }), accepts: () => true };
    const unreadable = fc.oneof(
      // Malformed JSON or an unsupported type: refused before the cart is looked at.
      // (Any JSON that parses is ignored by this route, so only malformed text here.)
      fc
        .tuple(rawJsonText({ x: 1 }, anyJson).filter(isMalformed), fc.option(freshKey))
        .map(([body, key]) =>
          hostile({
            method: 'POST',
            path: `/cart/${openCart.id}/checkout`,
            headers: {
              'content-type': 'application/json',
              ...(key === null ? {} : { 'idempotency-key': key }),
            },
            body,
          }),
        ),
      fc.constantFrom(...UNSUPPORTED_TYPES).map((type) =>
        hostile({
          method: 'POST',
          path: `/cart/${openCart.id}/checkout`,
          headers: { 'content-type': type },
          body: '{}',
        }),
      ),
      hostileIdempotencyKey(contract).map((key) =>
        hostile({
          method: 'POST',
          path: `/cart/${openCart.id}/checkout`,
          headers: { 'idempotency-key': key },
        }),
      ),
    );
    const requests = fc.oneof(
      fc
        .tuple(
          fc.oneof(
            hostileSegment(real),
            fc.constantFrom(checkedOutCart, emptyCart, live.id, order),
          ),
          anyBody,
        )
        .map(([id, body]) =>
          hostile({
            method: 'POST',
            path: `/cart/${id}/checkout`,
            headers: body === undefined ? {} : { 'content-type': 'application/json' },
            body,
          }),
        ),
      unreadable,
    );
    await allRefused(requests, 100);
  });

  // GET /orders/{id} ---------------------------------------------------------------------------

  it('GET /orders/{id} refuses hostile ids', async () => {
    const requests = hostileSegment(real).map((id) =>
      hostile({ method: 'GET', path: `/orders/${id}`, headers: {} }),
    );
    await allRefused(requests, 80);
  });

  // Health -------------------------------------------------------------------------------------

  it('GET /health, /health/live and /health/ready ignore junk query strings', async () => {
    const before = await fingerprint(t.db, STORE_AND_KEY_TABLES);
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('/health', '/health/live', '/health/ready'),
        queryString.map(renderQuery),
        async (path, query) => {
          const request = hostile({ method: 'GET', path: `${path}?${query}`, headers: {} });
          const reply = await send(t.baseUrl, request);
          expect(`${reply.status} ${reply.text}`).toBe('200 {"status":"ok"}');
        },
      ),
      { seed: SEED, numRuns: 40 },
    );
    expect(await fingerprint(t.db, STORE_AND_KEY_TABLES)).toEqual(before);
  });

  it('/health refuses unknown sub-paths and other methods', async () => {
    const requests = fc.oneof(
      hostileSegment(new Set(['live', 'ready'])).map((segment) =>
        hostile({ method: 'GET', path: `/health/${segment}`, headers: {} }),
      ),
      fc
        .tuple(
          fc.constantFrom('POST', 'PUT', 'PATCH', 'DELETE'),
          fc.constantFrom('/health', '/health/live', '/health/ready'),
          fc.jsonValue(),
        )
        .map(([method, path, body]) => jsonRequest(method, path, body)),
    );
    await allRefused(requests, 60);
  });

  // Attack classes, across routes ----------------------------------------------------------------

  /** Every route with a path param, with `segment` as the param (and a valid body if any). */
  const withSegment = (segment: string): HostileRequest[] => [
    hostile({ method: 'GET', path: `/products/${segment}`, headers: {} }),
    jsonRequest('PATCH', `/products/${segment}`, update(), adminHeaders),
    hostile({ method: 'GET', path: `/cart/${segment}`, headers: {} }),
    jsonRequest('PUT', `/cart/${segment}/items/${live.id}`, setItem()),
    jsonRequest('PUT', `/cart/${openCart.id}/items/${segment}`, setItem()),
    hostile({ method: 'POST', path: `/cart/${segment}/checkout`, headers: {} }),
    hostile({ method: 'GET', path: `/orders/${segment}`, headers: {} }),
    hostile({ method: 'GET', path: `/health/${segment}`, headers: {} }),
  ];

  it('path params that do not decode to UTF-8, or are over 100 characters, get a problem', async () => {
    const segment = fc.oneof(
      fc.constantFrom('%', '%ZZ', '%C0%AF', '%ED%A0%80', '%80', '%E2%82', '%FF%FE', '%F0%9F%98'),
      fc
        .uint8Array({ minLength: 1, maxLength: 24 })
        .map(percentEncode)
        .filter((encoded) => !decodes(encoded)),
      fc.integer({ min: 101, max: 6_000 }).map((n) => 'a'.repeat(n)),
      fc.uuid().map((uuid) => uuid + 'f'.repeat(70)),
    );
    const requests = fc
      .tuple(segment, fc.nat(withSegment('x').length - 1))
      .map(([param, route]) => withSegment(param)[route]);
    await allRefused(requests, 80, 'router-rejected path param');
  });

  /** The routes that read a JSON body, each with a valid body. */
  const jsonRoutes = () => [
    { method: 'POST', path: '/products', template: newProduct, headers: adminHeaders },
    { method: 'PATCH', path: `/products/${live.id}`, template: update(), headers: adminHeaders },
    { method: 'POST', path: '/cart', template: newCart(), headers: {} },
    {
      method: 'PUT',
      path: `/cart/${openCart.id}/items/${live.id}`,
      template: setItem(),
      headers: {},
    },
    { method: 'POST', path: '/checkout', template: purchase(), headers: {} },
  ];

  it('deeply nested JSON (5,000 levels and more) is refused on every JSON route', async () => {
    const nested = fc.oneof(
      fc.constantFrom(deepArray(5_000), deepObject(5_000)),
      fc.integer({ min: 65, max: 50_000 }).map(deepArray),
      fc.integer({ min: 65, max: 20_000 }).map(deepObject),
      fc.integer({ min: 65, max: 16_000 }).map((n) => '[{"a":'.repeat(n) + '1' + '}]'.repeat(n)),
    );
    const requests = fc
      .tuple(fc.constantFrom(...jsonRoutes()), nested, fc.constantFrom('whole', 'field', 'extra'))
      // (Arrays nested in `items` are a defect of their own, found by the POST /cart property.)
      .filter(([route, , where]) => !(route.path === '/cart' && where === 'field'))
      .map(([route, text, where]) => {
        const inner = JSON.stringify(route.template).slice(0, -1);
        const field = Object.keys(route.template)[0];
        const body =
          where === 'whole'
            ? text
            : `${inner},${JSON.stringify(where === 'field' ? field : 'nested')}:${text}}`;
        return hostile({
          method: route.method,
          path: route.path,
          headers: { ...route.headers, 'content-type': 'application/json' },
          body,
        });
      })
      .filter((request) => Buffer.byteLength(request.body ?? '') <= BODY_LIMIT);
    await allRefused(requests, 60, 'deep JSON');
  });

  it('prototype keys (__proto__, constructor, toString...) are refused like any unknown field', async () => {
    const key = fc.constantFrom(...PROTOTYPE_KEYS);
    const value = fc.oneof(
      fc.jsonValue({ maxDepth: 2 }),
      fc.constant({ prototype: { isAdmin: true } }),
      fc.constant({ isAdmin: true }),
    );
    const bodies = fc
      .tuple(fc.constantFrom(...jsonRoutes()), key, value)
      .map(([route, name, v]) =>
        jsonRequest(route.method, route.path, withOwnKey(route.template, name, v), route.headers),
      );
    const inLine = fc.tuple(key, value).map(([name, v]) =>
      jsonRequest('POST', '/cart', {
        items: [withOwnKey({ productId: live.id, quantity: 1 }, name, v)],
      }),
    );
    const inQuery = fc
      .tuple(key, fc.constantFrom('', '1', 'x', '%00', '%5Bobject%20Object%5D'), fc.boolean())
      .map(([name, v, withLimit]) =>
        hostile({
          method: 'GET',
          path: `/products?${withLimit ? 'limit=5&' : ''}${name}=${v}`,
          headers: {},
        }),
      );
    await allRefused(fc.oneof(bodies, inLine, inQuery), 60, 'prototype key');
  });

  it('product text PostgreSQL cannot store as sent (NUL, lone surrogates) is refused', async () => {
    const text = fc
      .tuple(
        fc.string({ maxLength: 20 }),
        fc.constantFrom('\u0000', '\ud800', '\udbff', '\udc00', '\udfff'),
        fc.string({ maxLength: 20 }),
      )
      .map(([before, bad, after]) => before + bad + after);
    const requests = fc
      .tuple(fc.constantFrom('name', 'description'), text, fc.boolean())
      .map(([field, value, create]) =>
        create
          ? jsonRequest('POST', '/products', { ...newProduct, [field]: value }, adminHeaders)
          : jsonRequest(
              'PATCH',
              `/products/${live.id}`,
              { ...update(), [field]: value },
              adminHeaders,
            ),
      );
    await allRefused(requests, 40, 'unstorable text');
  });

  // --------------------------------------------------------------------------------------------

  // Requests only the stored data refuses -------------------------------------------------------
  // Generated from scratch rather than from a valid request: whatever they ask, every product they
  // can name is sold out or missing, and the only cart they can change is checked out.

  const generatedQuantity = fc.oneof(
    fc.integer(),
    fc.integer({ min: 1, max: 1000 }),
    fc.double(),
    fc.string(),
    fc.jsonValue(),
  );
  const withExtras = <T extends object>(record: fc.Arbitrary<T>) =>
    fc
      .tuple(record, fc.option(fc.dictionary(fc.string(), fc.jsonValue(), { maxKeys: 2 })))
      .map(([body, extras]) => ({ ...extras, ...body }));

  it('POST /checkout refuses generated purchases of a sold-out or missing product', async () => {
    const body = withExtras(
      fc.record(
        {
          productId: fc.oneof(fc.constant(soldOut), fc.uuid(), fc.string(), fc.jsonValue()),
          quantity: generatedQuantity,
          expectedVersion: fc.oneof(fc.integer(), fc.constant(2), fc.jsonValue()),
        },
        { requiredKeys: [] },
      ),
    );
    const requests = fc
      .oneof(body, fc.jsonValue())
      .map((value) => jsonRequest('POST', '/checkout', value));
    await allRefused(requests, GENERATED_RUNS);
  });

  it('POST /cart refuses generated lines that name no stored product', async () => {
    const line = withExtras(
      fc.record(
        {
          productId: fc.oneof(fc.uuid(), fc.string(), fc.jsonValue()),
          quantity: generatedQuantity,
        },
        { requiredKeys: [] },
      ),
    );
    const body = withExtras(
      fc.record({
        items: fc.oneof(
          fc.array(line, { minLength: 1, maxLength: 4 }),
          // Anything but an empty array, which is a valid empty cart.
          fc.jsonValue().filter((value) => !(Array.isArray(value) && value.length === 0)),
        ),
      }),
    );
    await allRefused(
      body.map((value) => jsonRequest('POST', '/cart', value)),
      GENERATED_RUNS,
    );
  });

  it('PUT /cart/{id}/items/{productId} on a checked-out cart refuses generated bodies', async () => {
    const body = withExtras(
      fc.record(
        {
          quantity: generatedQuantity,
          version: fc.oneof(fc.integer(), fc.constant(2), fc.jsonValue()),
        },
        { requiredKeys: [] },
      ),
    );
    const requests = fc
      .tuple(body, fc.oneof(fc.constant(soldOut), fc.uuid()))
      .map(([value, id]) => jsonRequest('PUT', `/cart/${checkedOutCart}/items/${id}`, value));
    await allRefused(requests, GENERATED_RUNS);
  });

  // --------------------------------------------------------------------------------------------

  it('sent well over a thousand hostile requests', () => {
    expect(requestsSent()).toBeGreaterThan(1_500);
  });

  it('optional fields sent as null are refused: no field of the document is nullable', async () => {
    // (Optional fields use IsOmittable, which refuses null, unlike class-validator's IsOptional.)
    const nullable = (template: Record<string, unknown>, fields: string[]) =>
      fc
        .subarray(fields, { minLength: 1 })
        .map((chosen) => ({ ...template, ...Object.fromEntries(chosen.map((f) => [f, null])) }));
    const requests = fc.oneof(
      nullable(update(), ['name', 'description', 'priceCents', 'currency', 'stock']).map((body) =>
        jsonRequest('PATCH', `/products/${live.id}`, body, adminHeaders),
      ),
      fc
        .uuid()
        .map((uuid) =>
          jsonRequest(
            'POST',
            '/products',
            { ...newProduct, sku: `NULL-${uuid}`, description: null },
            adminHeaders,
          ),
        ),
      fc.constant(
        jsonRequest('POST', '/checkout', {
          productId: other.id,
          quantity: 1,
          expectedVersion: null,
        }),
      ),
    );
    await allRefused(requests, 20);
  });
});
