// The sale engine: every purchase, Buy now or cart, goes through one coalescing transaction per
// batch; a purchase that cannot be served is refused alone and never harms its neighbours.
import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import type { OrderDto } from '../../client/sdk/src/index';
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
import { soldOf, storedProduct } from '../support/database';

describe('sale engine', () => {
  let first: TestApp;
  let second: TestApp;
  beforeAll(async () => {
    first = await startTestApp();
    second = await startTestApp({ db: first.db });
  });
  afterAll(async () => {
    await second.close();
    await first.close();
  });

  const transactionsThatWroteOrders = async (productIds: string[]) => {
    // Every row remembers the transaction that inserted it (xmin): count those of the orders.
    const [{ n }] = await first.db.query<{ n: string }>(
      `select count(distinct o.xmin::text) as n from orders o
         join order_items i on i.order_id = o.id where i.product_id = any($1)`,
      [productIds],
    );
    return Number(n);
  };

  it('serves concurrent purchases of many products in far fewer transactions than orders', async () => {
    const products = await Promise.all(
      Array.from({ length: 8 }, () => createProduct(first.baseUrl, { stock: 100 })),
    );
    const purchases = Array.from({ length: 200 }, (_, i) => ({
      productId: products[i % products.length].id,
      quantity: 1,
    }));

    const responses = await Promise.all(
      purchases.map((body) =>
        api(first.baseUrl, 'POST', '/checkout', body, { 'idempotency-key': randomUUID() }),
      ),
    );

    expect(countStatuses(responses)).toEqual({ 201: 200 });
    const ids = products.map((p) => p.id);
    const transactions = await transactionsThatWroteOrders(ids);
    // One transaction per order would be 200; batches across products make it a few dozen.
    expect(transactions).toBeLessThanOrEqual(200 / 4);
    for (const product of products) {
      expect(await storedProduct(first.db, product.id)).toMatchObject({ stock: 75 });
    }
  });

  it('refuses a huge order alone, and serves the 100 small ones around it', async () => {
    const product = await createProduct(first.baseUrl, { stock: 500, priceCents: 100_000_000 });
    const small = Array.from({ length: 100 }, () =>
      api(first.baseUrl, 'POST', '/checkout', { productId: product.id, quantity: 1 }),
    );
    // 22 × 100,000,000 cents does not fit an order total.
    const huge = api(first.baseUrl, 'POST', '/checkout', { productId: product.id, quantity: 22 });

    const [hugeResponse, ...smallResponses] = await Promise.all([huge, ...small]);

    const problem = expectProblem(hugeResponse, 422, 'ORDER_TOTAL_TOO_LARGE');
    expect(problem).toMatchObject({ totalCents: 2_200_000_000, maxTotalCents: 2_147_483_647 });
    expect(countStatuses(smallResponses)).toEqual({ 201: 100 });
    expect(await soldOf(first.db, product.id)).toMatchObject({ orders: 100, units: 100 });
    expect(await storedProduct(first.db, product.id)).toMatchObject({ stock: 400 });
  });

  it('refuses a cart whose lines no longer share a currency, and serves the others', async () => {
    const usd = await createProduct(first.baseUrl, { stock: 50, currency: 'USD' });
    const other = await createProduct(first.baseUrl, { stock: 50, currency: 'USD' });
    const mixed = await createCart(first.baseUrl, [
      { productId: usd.id, quantity: 1 },
      { productId: other.id, quantity: 1 },
    ]);
    const fine = await Promise.all(
      Array.from({ length: 20 }, () =>
        createCart(first.baseUrl, [{ productId: usd.id, quantity: 1 }]),
      ),
    );
    // Staff reprice one product in another currency after the cart was filled.
    const patched = await api(
      first.baseUrl,
      'PATCH',
      `/products/${other.id}`,
      { currency: 'EUR', version: other.version },
      adminHeaders,
    );
    expect(patched.status).toBe(200);

    const [mixedResponse, ...fineResponses] = await Promise.all(
      [mixed, ...fine].map((cart) => api(first.baseUrl, 'POST', `/cart/${cart.id}/checkout`)),
    );

    expectProblem(mixedResponse, 422, 'CURRENCY_MISMATCH');
    expect(countStatuses(fineResponses)).toEqual({ 201: 20 });
    expect(await storedProduct(first.db, usd.id)).toMatchObject({ stock: 30 });
    expect(await storedProduct(first.db, other.id)).toMatchObject({ stock: 50 });
  });

  it('sells exactly min(N, K) per product to carts and Buy now across two instances', async () => {
    const stock = 40;
    const [a, b] = await Promise.all([
      createProduct(first.baseUrl, { stock }),
      createProduct(first.baseUrl, { stock }),
    ]);
    // Carts of a+b, carts of b alone, and Buy now of a or b: 130 units wanted of each product.
    const cartsAB = await Promise.all(
      Array.from({ length: 50 }, () =>
        createCart(first.baseUrl, [
          { productId: a.id, quantity: 1 },
          { productId: b.id, quantity: 1 },
        ]),
      ),
    );
    const cartsB = await Promise.all(
      Array.from({ length: 30 }, () =>
        createCart(first.baseUrl, [{ productId: b.id, quantity: 2 }]),
      ),
    );
    const instance = (i: number) => (i % 2 === 0 ? first : second).baseUrl;
    const requests = [
      ...[...cartsAB, ...cartsB].map(
        (cart, i) => () => api(instance(i), 'POST', `/cart/${cart.id}/checkout`),
      ),
      ...Array.from(
        { length: 80 },
        (_, i) => () =>
          api(instance(i + 1), 'POST', '/checkout', {
            productId: i % 2 ? a.id : b.id,
            quantity: 1,
          }),
      ),
    ];

    const responses = await Promise.all(requests.map((send) => send()));

    for (const response of responses) {
      if (response.status !== 201) expectProblem(response, 409, 'OUT_OF_STOCK');
    }
    for (const product of [a, b]) {
      const sold = await soldOf(first.db, product.id);
      const left = (await storedProduct(first.db, product.id)).stock;
      expect(sold.units).toBe(stock);
      expect(left).toBe(0);
    }
    const [{ n }] = await first.db.query<{ n: string }>(
      `select count(distinct i.order_id) as n from order_items i where i.product_id = any($1)`,
      [[a.id, b.id]],
    );
    expect(Number(n)).toBe(responses.filter((r) => r.status === 201).length);
  });

  it('refuses a stale expectedVersion at once, even when a purchase in its batch moved it', async () => {
    const product = await createProduct(first.baseUrl, { stock: 100 });
    const responses = await Promise.all(
      Array.from({ length: 30 }, () =>
        api(first.baseUrl, 'POST', '/checkout', {
          productId: product.id,
          quantity: 1,
          expectedVersion: product.version,
        }),
      ),
    );
    const sold = responses.filter((r) => r.status === 201).length;
    for (const r of responses.filter((r) => r.status !== 201)) {
      expectProblem(r, 409, 'VERSION_CONFLICT');
    }
    // Only one purchase can have been made at the version all of them saw.
    expect(sold).toBe(1);
    expect(await storedProduct(first.db, product.id)).toMatchObject({ stock: 99 });
  });

  it('sells a cart as changed by an edit that committed while its checkout waited for it', async () => {
    const [a, b] = await Promise.all([
      createProduct(first.baseUrl, { stock: 10 }),
      createProduct(first.baseUrl, { stock: 10 }),
    ]);
    const cart = await createCart(first.baseUrl, [{ productId: a.id, quantity: 1 }]);
    // Another session holds the cart's row, as an edit of the cart in flight does.
    const editor = new Client({ connectionString: first.db.url });
    await editor.connect();
    try {
      await editor.query('begin');
      await editor.query('select 1 from carts where id = $1 for no key update', [cart.id]);
      const checkout = api<OrderDto>(first.baseUrl, 'POST', `/cart/${cart.id}/checkout`);
      for (let waiting = 0; waiting === 0;) {
        await new Promise((resolve) => setTimeout(resolve, 20));
        [{ waiting }] = await first.db.query<{ waiting: number }>(
          `select count(*)::int as waiting from pg_stat_activity
            where datname = current_database() and wait_event_type = 'Lock'`,
        );
      }
      await editor.query(
        'insert into cart_items (cart_id, product_id, quantity) values ($1, $2, 2)',
        [cart.id, b.id],
      );
      await editor.query('update carts set version = version + 1 where id = $1', [cart.id]);
      await editor.query('commit');

      const response = await checkout;
      expect(response.status).toBe(201);
      expect(response.body.items.map((item) => [item.productId, item.quantity])).toEqual([
        [a.id, 1],
        [b.id, 2],
      ]);
    } finally {
      await editor.end();
    }
  });

  it('never confirms purchases whose stock write missed: their batch runs again (race across two instances)', async () => {
    const stock = 20;
    const product = await createProduct(first.baseUrl, { stock });
    // The batch locks its products, so no route can change one between the batch's read and its
    // write. A trigger plays that lost race once: the first write of this product's stock
    // touches no row, as when another writer moved its version. The engine must notice (the
    // versioned update and its count) and run the batch again, rather than commit its orders.
    await first.db.query('create sequence stock_write_misses');
    await first.db.query(`
      create function miss_first_stock_write() returns trigger language plpgsql as $$
      begin
        if new.stock is distinct from old.stock and nextval('stock_write_misses') = 1 then
          return null;
        end if;
        return new;
      end $$`);
    await first.db.query(`
      create trigger miss_first_stock_write before update on products for each row
        when (old.id = '${product.id}'::uuid) execute function miss_first_stock_write()`);
    try {
      const responses = await Promise.all(
        Array.from({ length: 30 }, (_, i) =>
          api((i % 2 ? second : first).baseUrl, 'POST', '/checkout', {
            productId: product.id,
            quantity: 1,
          }),
        ),
      );

      const [{ misses }] = await first.db.query<{ misses: string }>(
        'select last_value as misses from stock_write_misses',
      );
      expect(Number(misses)).toBeGreaterThanOrEqual(2); // the write was missed once, then made
      expect(countStatuses(responses)).toEqual({ 201: stock, 409: 30 - stock });
      for (const r of responses.filter((r) => r.status === 409)) {
        expectProblem(r, 409, 'OUT_OF_STOCK');
      }
      expect(await soldOf(first.db, product.id)).toMatchObject({ orders: stock, units: stock });
      expect(await storedProduct(first.db, product.id)).toMatchObject({ stock: 0 });
    } finally {
      await first.db.query('drop trigger miss_first_stock_write on products');
      await first.db.query('drop function miss_first_stock_write()');
      await first.db.query('drop sequence stock_write_misses');
    }
  });
});

describe('sale engine under overload', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ env: { BATCH_QUEUE_LIMIT: '5' } });
  });
  afterAll(() => t.close());

  it('answers 503 OVERLOADED with Retry-After past its queue, and sells only what it answered', async () => {
    const product = await createProduct(t.baseUrl, { stock: 1000 });
    const responses = await Promise.all(
      Array.from({ length: 100 }, () =>
        api(t.baseUrl, 'POST', '/checkout', { productId: product.id, quantity: 1 }),
      ),
    );
    const counts = countStatuses(responses);
    expect(Object.keys(counts).sort()).toEqual(['201', '503']);
    for (const r of responses.filter((r) => r.status === 503)) {
      expect(expectProblem(r, 503, 'OVERLOADED').retryAfterSeconds).toBe(1);
    }
    expect(await soldOf(t.db, product.id)).toMatchObject({ orders: counts[201] });
    expect(await storedProduct(t.db, product.id)).toMatchObject({ stock: 1000 - counts[201] });
  });
});
