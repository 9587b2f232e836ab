// Drops: sale windows and per-customer limits, decided in the transaction that takes the stock.
import {
  checkout,
  checkoutCart,
  createProduct as postProduct,
  getCart,
  getProduct,
  listProducts,
  updateProduct,
  type CheckoutDto,
  type UpdateProductDto,
} from '../../client/sdk/src/index';
import {
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
  const read = async (id: string) => (await getProduct({ client: a.shopper, path: { id } })).data!;
  const stockOf = async (productId: string) => (await read(productId)).stock;
  const buy = (
    app: TestApp,
    body: Omit<CheckoutDto, 'quantity'> & { quantity?: number },
    headers: Record<string, string> = {},
  ) => checkout({ client: app.shopper, body: { quantity: 1, ...body }, headers });

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
      expect(await read(created.id)).toMatchObject(fields);
      const page = (await listProducts({ client: a.shopper, query: { limit: 100 } })).data!;
      expect(page.items.find((p) => p.id === created.id)).toMatchObject(fields);
      expect(Math.abs(Date.parse(page.serverTime) - Date.now())).toBeLessThan(60_000);

      const cleared = await updateProduct({
        client: a.admin,
        path: { id: created.id },
        body: {
          version: created.version,
          saleStartsAt: null,
          maxPerCustomer: null,
          imageUrl: null,
        },
      });
      expect(cleared.response?.status).toBe(200);
      expect(cleared.data).toMatchObject({
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
      const patch = (body: Omit<UpdateProductDto, 'version'>) =>
        updateProduct({
          client: a.admin,
          path: { id: product.id },
          body: { version: product.version, ...body },
        });
      const cases: [Omit<UpdateProductDto, 'version'>, string][] = [
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
        expect(problem.errors?.map((e) => e.field)).toContain(field);
      }
      const created = await postProduct({
        client: a.admin,
        body: {
          sku: `BAD-${Date.now()}`,
          name: 'x',
          priceCents: 500,
          compareAtPriceCents: 400,
          currency: 'USD',
          stock: 1,
        },
      });
      expectProblem(created, 400, 'VALIDATION_FAILED');
      expect(await read(product.id)).toMatchObject({
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
      expect(onTime.response?.status).toBe(201);
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
      expectProblem(
        await checkoutCart({ client: a.shopper, path: { id: cart.id } }),
        409,
        'SALE_ENDED',
      );
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
      for (const refused of responses.filter((r) => r.error)) {
        expect(refused.error).toMatchObject({
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
      expect(responses[7].data?.email).toBe('shopper7@example.com');
      expect(await unitsSold(product.id)).toEqual({ units: 60, orders: 30 });
    });

    it('counts across orders and restarts, tells what remains, and never counts a replay twice', async () => {
      const product = await createProduct(a.baseUrl, { stock: 100, maxPerCustomer: 3 });
      const key = { 'idempotency-key': `limit-${product.id}` };
      const first = await buy(a, { productId: product.id, email: 'bo@example.com' }, key);
      expect(first.response?.status).toBe(201);
      for (const app of [a, b, a]) {
        const replay = await buy(app, { productId: product.id, email: 'bo@example.com' }, key);
        expect(replay.data?.id).toBe(first.data!.id);
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
            .response?.status,
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
    // Issue 20, item 5: each of these spellings used to be a new customer, buying again.
    it('takes only plain local@domain addresses: the rest is 400 and buys nothing', async () => {
      const product = await createProduct(a.baseUrl, { stock: 100, maxPerCustomer: 1 });
      const served = await buy(a, { productId: product.id, email: 'ann@example.com' });
      expect(served.response?.status).toBe(201);
      for (const email of [
        'ann@example.com.',
        '"ann"@example.com',
        'ann(c)@example.com',
        '+ann@example.com',
        'ann@[127.0.0.1]',
        'ann@example..com',
        '.ann@example.com',
        'ann.@example.com',
        'an..n@example.com',
        'ann@-example.com',
        'ann@example-.com',
        `ann@${'x'.repeat(64)}.com`,
        'ann\\@example.com',
      ]) {
        expectProblem(await buy(a, { productId: product.id, email }), 400, 'VALIDATION_FAILED');
      }
      expect(await unitsSold(product.id)).toEqual({ units: 1, orders: 1 });
    });

    // Issue 20, item 6: the answer to a purchase that could never fit must not depend on who
    // the email is, or it tells a stranger what that email bought.
    it('more units than the limit: the same 409 for every email, without `remaining`', async () => {
      const product = await createProduct(a.baseUrl, { stock: 100, maxPerCustomer: 1 });
      const served = await buy(a, { productId: product.id, email: 'dee@example.com' });
      expect(served.response?.status).toBe(201);
      const refusals = [];
      for (const email of ['dee@example.com', 'Dee+x@example.com', 'nobody@example.com']) {
        const problem = expectProblem(
          await buy(a, { productId: product.id, quantity: 2, email }),
          409,
          'PURCHASE_LIMIT_REACHED',
        );
        expect(problem).not.toHaveProperty('remaining');
        refusals.push({ ...problem, requestId: undefined, instance: undefined });
      }
      expect(refusals[0]).toMatchObject({ productId: product.id, limit: 1 });
      expect(refusals[1]).toEqual(refusals[0]);
      expect(refusals[2]).toEqual(refusals[0]);
      expect(await unitsSold(product.id)).toEqual({ units: 1, orders: 1 });
    });
  });

  describe('a cart holding a limited product', () => {
    const checkOut = (id: string, body?: { email?: string }) =>
      checkoutCart({ client: a.shopper, path: { id }, body });
    // Raw, for bodies the SDK's types would not let through.
    const checkOutRaw = (id: string, body: object) =>
      api(a.baseUrl, 'POST', `/cart/${id}/checkout`, body);

    it('follows the same rules, all or nothing', async () => {
      const limited = await createProduct(a.baseUrl, { stock: 10, maxPerCustomer: 2 });
      const plain = await createProduct(a.baseUrl, { stock: 10 });
      const cart = await createCart(a.baseUrl, [
        { productId: plain.id, quantity: 1 },
        { productId: limited.id, quantity: 2 },
      ]);

      expectProblem(await checkOut(cart.id), 422, 'EMAIL_REQUIRED');
      expectProblem(await checkOut(cart.id, {}), 422, 'EMAIL_REQUIRED');
      const bought = await buy(a, { productId: limited.id, email: 'cy+1@example.com' });
      expect(bought.response?.status).toBe(201);
      const over = expectProblem(
        await checkOut(cart.id, { email: 'Cy@Example.com' }),
        409,
        'PURCHASE_LIMIT_REACHED',
      );
      expect(over).toMatchObject({ productId: limited.id, limit: 2, remaining: 1 });
      // Nothing of the cart was sold, and it is still open.
      expect(await stockOf(plain.id)).toBe(10);
      expect(await stockOf(limited.id)).toBe(9);
      expect((await getCart({ client: a.shopper, path: { id: cart.id } })).data?.status).toBe(
        'open',
      );

      const another = await createCart(a.baseUrl, [
        { productId: plain.id, quantity: 1 },
        { productId: limited.id, quantity: 1 },
      ]);
      const order = await checkOut(another.id, { email: ' cy@example.com ' });
      expect(order.response?.status).toBe(201);
      expect(order.data?.email).toBe('cy@example.com');
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
        expectProblem(await checkOutRaw(cart.id, { email }), 400, 'VALIDATION_FAILED');
      }
      expectProblem(
        await checkOutRaw(cart.id, { email: 'a@example.com', extra: 1 }),
        400,
        'VALIDATION_FAILED',
      );
      expect(await stockOf(plain.id)).toBe(10);
    });
  });
});
