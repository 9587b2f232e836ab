// Drops: sale windows and per-customer limits, decided in the transaction that takes the stock.
import {
  adminHeaders,
  api,
  countStatuses,
  createCart,
  createProduct,
  expectProblem,
  startTestApp,
  type TestApp,
} from '../support/app';

const inSeconds = (seconds: number) => new Date(Date.now() + seconds * 1000).toISOString();
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('drops', () => {
  let a: TestApp;
  let b: TestApp;
  beforeAll(async () => {
    a = await startTestApp();
    b = await startTestApp({ db: a.db });
  });
  afterAll(async () => {
    await b?.close();
    await a?.close();
  });

  const unitsSold = async (productId: string) => {
    const [{ units, orders }] = await a.db.query<{ units: string; orders: string }>(
      `select coalesce(sum(quantity), 0) as units, count(distinct order_id) as orders
         from order_items where product_id = $1`,
      [productId],
    );
    return { units: Number(units), orders: Number(orders) };
  };
  const stockOf = async (productId: string) =>
    (await api(a.baseUrl, 'GET', `/products/${productId}`)).body.stock as number;
  const buy = (app: TestApp, body: object, headers: Record<string, string> = {}) =>
    api(app.baseUrl, 'POST', '/checkout', { quantity: 1, ...body }, headers);

  describe('product fields', () => {
    it('are set on create, returned everywhere, edited and cleared', async () => {
      const created = await createProduct(a.baseUrl, {
        priceCents: 1900,
        compareAtPriceCents: 2500,
        saleStartsAt: '2030-12-12T00:00:00+08:00',
        saleEndsAt: '2030-12-13T00:00:00+08:00',
        maxPerCustomer: 2,
        imageUrl: '/images/products/tee-classic.svg',
      });
      const fields = {
        compareAtPriceCents: 2500,
        saleStartsAt: '2030-12-11T16:00:00.000Z',
        saleEndsAt: '2030-12-12T16:00:00.000Z',
        maxPerCustomer: 2,
        imageUrl: '/images/products/tee-classic.svg',
      };
      expect(created).toMatchObject(fields);
      expect((await api(a.baseUrl, 'GET', `/products/${created.id}`)).body).toMatchObject(fields);
      const page = await api(a.baseUrl, 'GET', '/products?limit=100');
      expect(page.body.items.find((p: any) => p.id === created.id)).toMatchObject(fields);
      expect(Math.abs(Date.parse(page.body.serverTime) - Date.now())).toBeLessThan(60_000);

      const cleared = await api(
        a.baseUrl,
        'PATCH',
        `/products/${created.id}`,
        { version: created.version, saleStartsAt: null, maxPerCustomer: null, imageUrl: null },
        adminHeaders,
      );
      expect(cleared.status).toBe(200);
      expect(cleared.body).toMatchObject({
        saleStartsAt: null,
        saleEndsAt: fields.saleEndsAt,
        maxPerCustomer: null,
        imageUrl: null,
        compareAtPriceCents: 2500,
      });
    });

    it('refuses what does not hold together, and changes nothing', async () => {
      const product = await createProduct(a.baseUrl, {
        priceCents: 1000,
        saleStartsAt: '2030-01-01T00:00:00Z',
      });
      const patch = (body: object) =>
        api(
          a.baseUrl,
          'PATCH',
          `/products/${product.id}`,
          { version: product.version, ...body },
          adminHeaders,
        );
      const cases: [object, string][] = [
        [{ compareAtPriceCents: 999 }, 'compareAtPriceCents'],
        [{ priceCents: 3000, compareAtPriceCents: 2000 }, 'compareAtPriceCents'],
        [{ saleEndsAt: '2029-12-31T23:59:59Z' }, 'saleEndsAt'],
        [{ saleEndsAt: '2030-02-31T00:00:00Z' }, 'saleEndsAt'],
        [{ saleStartsAt: '2030-01-01 00:00:00Z' }, 'saleStartsAt'],
        [{ saleStartsAt: '2030-01-01T00:00:00' }, 'saleStartsAt'],
        [{ maxPerCustomer: 0 }, 'maxPerCustomer'],
        [{ imageUrl: 'javascript:alert(1)' }, 'imageUrl'],
        [{ imageUrl: 'picture.svg' }, 'imageUrl'],
      ];
      for (const [body, field] of cases) {
        const problem = expectProblem(await patch(body), 400, 'VALIDATION_FAILED');
        expect(problem.errors.map((e: any) => e.field)).toContain(field);
      }
      const created = await api(
        a.baseUrl,
        'POST',
        '/products',
        {
          sku: `BAD-${Date.now()}`,
          name: 'x',
          priceCents: 500,
          compareAtPriceCents: 400,
          currency: 'USD',
          stock: 1,
        },
        adminHeaders,
      );
      expectProblem(created, 400, 'VALIDATION_FAILED');
      const after = (await api(a.baseUrl, 'GET', `/products/${product.id}`)).body;
      expect(after).toMatchObject({
        version: product.version,
        priceCents: 1000,
        compareAtPriceCents: null,
        saleStartsAt: '2030-01-01T00:00:00.000Z',
        saleEndsAt: null,
        maxPerCustomer: null,
      });
    });
  });

  describe('sale window', () => {
    it('before the start: 409 SALE_NOT_STARTED with Retry-After; the same key buys once it starts', async () => {
      const startsAt = inSeconds(2);
      const product = await createProduct(a.baseUrl, { stock: 5, saleStartsAt: startsAt });
      const key = { 'idempotency-key': `drop-${product.id}` };
      const early = await fetch(`${a.baseUrl}/checkout`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...key },
        body: JSON.stringify({ productId: product.id, quantity: 1 }),
      });
      const problem = await early.json();
      expect(early.status).toBe(409);
      expect(problem).toMatchObject({
        code: 'SALE_NOT_STARTED',
        productId: product.id,
        startsAt: new Date(startsAt).toISOString(),
      });
      const retryAfter = Number(early.headers.get('retry-after'));
      expect(retryAfter).toBeGreaterThanOrEqual(1);
      expect(retryAfter).toBeLessThanOrEqual(3);
      expect(problem.retryAfterSeconds).toBe(retryAfter);
      expect(await stockOf(product.id)).toBe(5);

      await sleep(Date.parse(startsAt) - Date.now() + 50);
      const onTime = await buy(b, { productId: product.id }, key);
      expect(onTime.status).toBe(201);
      expect(await unitsSold(product.id)).toEqual({ units: 1, orders: 1 });
    });

    it('after the end: 409 SALE_ENDED, for Buy now and carts alike', async () => {
      const product = await createProduct(a.baseUrl, {
        stock: 5,
        saleStartsAt: inSeconds(-3600),
        saleEndsAt: inSeconds(-1),
      });
      const problem = expectProblem(await buy(a, { productId: product.id }), 409, 'SALE_ENDED');
      expect(problem.endsAt).toBe(new Date(product.saleEndsAt!).toISOString());
      const cart = await createCart(a.baseUrl, [{ productId: product.id, quantity: 1 }]);
      expectProblem(await api(a.baseUrl, 'POST', `/cart/${cart.id}/checkout`), 409, 'SALE_ENDED');
      expect(await stockOf(product.id)).toBe(5);
    });
  });

  describe('limit per customer', () => {
    it('without an email: 422 EMAIL_REQUIRED, nothing sold', async () => {
      const product = await createProduct(a.baseUrl, { stock: 5, maxPerCustomer: 2 });
      const problem = expectProblem(await buy(a, { productId: product.id }), 422, 'EMAIL_REQUIRED');
      expect(problem).toMatchObject({ productId: product.id, limit: 2 });
      expect(await unitsSold(product.id)).toEqual({ units: 0, orders: 0 });
    });

    it('40 concurrent purchases by one customer, spelled 40 ways, on two instances: exactly 2', async () => {
      const product = await createProduct(a.baseUrl, { stock: 100, maxPerCustomer: 2 });
      const spellings = Array.from({ length: 40 }, (_, i) => {
        const local = i % 2 ? 'Ann.Lee' : 'ann.lee';
        const tag = i % 3 ? `+drop${i}` : '';
        const domain = i % 4 ? 'Example.COM' : 'example.com';
        return `${i % 5 ? '' : '  '}${local}${tag}@${domain}`;
      });
      const responses = await Promise.all(
        spellings.map((email, i) => buy(i % 2 ? a : b, { productId: product.id, email })),
      );
      expect(countStatuses(responses)).toEqual({ 201: 2, 409: 38 });
      for (const refused of responses.filter((r) => r.status === 409)) {
        expect(refused.body).toMatchObject({
          code: 'PURCHASE_LIMIT_REACHED',
          productId: product.id,
          limit: 2,
          remaining: 0,
        });
      }
      expect(await unitsSold(product.id)).toEqual({ units: 2, orders: 2 });
      const [{ customers }] = await a.db.query<{ customers: string[] }>(
        `select array_agg(distinct o.customer) as customers from orders o
           join order_items i on i.order_id = o.id where i.product_id = $1`,
        [product.id],
      );
      expect(customers).toEqual(['ann.lee@example.com']);
    });

    it('30 different customers: all served', async () => {
      const product = await createProduct(a.baseUrl, { stock: 100, maxPerCustomer: 2 });
      const responses = await Promise.all(
        Array.from({ length: 30 }, (_, i) =>
          buy(i % 2 ? a : b, {
            productId: product.id,
            quantity: 2,
            email: `shopper${i}@example.com`,
          }),
        ),
      );
      expect(countStatuses(responses)).toEqual({ 201: 30 });
      expect(responses[7].body.email).toBe('shopper7@example.com');
      expect(await unitsSold(product.id)).toEqual({ units: 60, orders: 30 });
    });

    it('counts across orders and restarts, tells what remains, and never counts a replay twice', async () => {
      const product = await createProduct(a.baseUrl, { stock: 100, maxPerCustomer: 3 });
      const key = { 'idempotency-key': `limit-${product.id}` };
      const first = await buy(a, { productId: product.id, email: 'bo@example.com' }, key);
      expect(first.status).toBe(201);
      for (const app of [a, b, a]) {
        const replay = await buy(app, { productId: product.id, email: 'bo@example.com' }, key);
        expect(replay.body.id).toBe(first.body.id);
      }
      const tooMany = expectProblem(
        await buy(b, { productId: product.id, quantity: 3, email: 'BO+x@example.com' }),
        409,
        'PURCHASE_LIMIT_REACHED',
      );
      expect(tooMany).toMatchObject({ limit: 3, remaining: 2 });

      // A new instance on the same database: the count lives with the orders.
      const restarted = await startTestApp({ db: a.db });
      try {
        expect(
          (await buy(restarted, { productId: product.id, quantity: 2, email: 'bo@example.com' }))
            .status,
        ).toBe(201);
        expectProblem(
          await buy(restarted, { productId: product.id, email: 'bo@example.com' }),
          409,
          'PURCHASE_LIMIT_REACHED',
        );
      } finally {
        await restarted.close();
      }
      expect(await unitsSold(product.id)).toEqual({ units: 3, orders: 2 });
    });
  });

  describe('a cart holding a limited product', () => {
    const checkout = (cartId: string, body?: object) =>
      api(a.baseUrl, 'POST', `/cart/${cartId}/checkout`, body);

    it('follows the same rules, all or nothing', async () => {
      const limited = await createProduct(a.baseUrl, { stock: 10, maxPerCustomer: 2 });
      const plain = await createProduct(a.baseUrl, { stock: 10 });
      const cart = await createCart(a.baseUrl, [
        { productId: plain.id, quantity: 1 },
        { productId: limited.id, quantity: 2 },
      ]);

      expectProblem(await checkout(cart.id), 422, 'EMAIL_REQUIRED');
      expectProblem(await checkout(cart.id, {}), 422, 'EMAIL_REQUIRED');
      expect((await buy(a, { productId: limited.id, email: 'cy+1@example.com' })).status).toBe(201);
      const over = expectProblem(
        await checkout(cart.id, { email: 'Cy@Example.com' }),
        409,
        'PURCHASE_LIMIT_REACHED',
      );
      expect(over).toMatchObject({ productId: limited.id, limit: 2, remaining: 1 });
      // Nothing of the cart was sold, and it is still open.
      expect(await stockOf(plain.id)).toBe(10);
      expect(await stockOf(limited.id)).toBe(9);
      expect((await api(a.baseUrl, 'GET', `/cart/${cart.id}`)).body.status).toBe('open');

      const another = await createCart(a.baseUrl, [
        { productId: plain.id, quantity: 1 },
        { productId: limited.id, quantity: 1 },
      ]);
      const order = await checkout(another.id, { email: ' cy@example.com ' });
      expect(order.status).toBe(201);
      expect(order.body.email).toBe('cy@example.com');
      expect(await stockOf(limited.id)).toBe(8);
    });

    it('before the start: SALE_NOT_STARTED, and nothing sold', async () => {
      const drop = await createProduct(a.baseUrl, { stock: 10, saleStartsAt: inSeconds(600) });
      const plain = await createProduct(a.baseUrl, { stock: 10 });
      const cart = await createCart(a.baseUrl, [
        { productId: plain.id, quantity: 1 },
        { productId: drop.id, quantity: 1 },
      ]);
      const response = await fetch(`${a.baseUrl}/cart/${cart.id}/checkout`, { method: 'POST' });
      expect(response.status).toBe(409);
      expect(Number(response.headers.get('retry-after'))).toBeGreaterThan(590);
      expect((await response.json()).code).toBe('SALE_NOT_STARTED');
      expect(await stockOf(plain.id)).toBe(10);
    });

    it('refuses a malformed email with 400 before anything runs', async () => {
      const plain = await createProduct(a.baseUrl, { stock: 10 });
      const cart = await createCart(a.baseUrl, [{ productId: plain.id, quantity: 1 }]);
      for (const email of [
        'not-an-email',
        'a@b',
        'a b@example.com',
        'x'.repeat(250) + '@e.co',
        7,
      ]) {
        expectProblem(await checkout(cart.id, { email }), 400, 'VALIDATION_FAILED');
      }
      expectProblem(
        await checkout(cart.id, { email: 'a@example.com', extra: 1 }),
        400,
        'VALIDATION_FAILED',
      );
      expect(await stockOf(plain.id)).toBe(10);
    });
  });
});
