// Idempotency-Key on the checkout routes, against the real app and database.
import { checkout, checkoutCart, createCart } from '../../client/sdk/src/index';
import { api, createProduct, expectProblem, startTestApp, type TestApp } from '../support/app';

describe('Idempotency-Key', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  /** A purchase under an Idempotency-Key, through the SDK. */
  const buy = (body: { productId: string; quantity: number }, key: string) =>
    checkout({ client: t.shopper, body, headers: { 'idempotency-key': key } });
  const replayed = (r: { response?: Response }) => r.response?.headers.get('idempotent-replayed');

  const orderCount = async (productId: string) =>
    Number(
      (
        await t.db.query<{ n: string }>(
          'select count(*) as n from order_items where product_id = $1',
          [productId],
        )
      )[0].n,
    );

  it('returns the first order again for a repeated request, without a second order', async () => {
    const product = await createProduct(t.baseUrl, { stock: 10 });
    const key = `key-${product.id}`;
    const body = { productId: product.id, quantity: 2 };

    const first = await buy(body, key);
    const second = await buy(body, key);

    expect(first.response?.status).toBe(201);
    expect(second.response?.status).toBe(201);
    expect(second.data).toEqual(first.data);
    expect(replayed(first)).toBeNull();
    expect(replayed(second)).toBe('true');
    expect(await orderCount(product.id)).toBe(1);
    const [{ stock }] = await t.db.query<{ stock: number }>(
      'select stock from products where id = $1',
      [product.id],
    );
    expect(stock).toBe(8);
  });

  it('refuses the same key with a different body with 422 IDEMPOTENCY_KEY_REUSED', async () => {
    const product = await createProduct(t.baseUrl, { stock: 10 });
    const key = `reuse-${product.id}`;
    expect((await buy({ productId: product.id, quantity: 1 }, key)).response?.status).toBe(201);

    const reused = await buy({ productId: product.id, quantity: 3 }, key);

    expectProblem(reused, 422, 'IDEMPOTENCY_KEY_REUSED');
    expect(await orderCount(product.id)).toBe(1);
  });

  it('answers duplicates sent at the same time with the one order, once they have waited', async () => {
    const product = await createProduct(t.baseUrl, { stock: 100 });
    const key = `burst-${product.id}`;
    const body = { productId: product.id, quantity: 1 };

    const responses = await Promise.all(Array.from({ length: 20 }, () => buy(body, key)));

    expect(responses.map((r) => r.response?.status)).toEqual(Array(20).fill(201));
    expect(new Set(responses.map((r) => r.data?.id)).size).toBe(1);
    expect(await orderCount(product.id)).toBe(1);
  });

  it('replays a refusal as it was first answered', async () => {
    const product = await createProduct(t.baseUrl, { stock: 1 });
    const key = `refused-${product.id}`;
    const body = { productId: product.id, quantity: 5 };

    const first = await buy(body, key);
    const again = await buy(body, key);

    expectProblem(first, 409, 'OUT_OF_STOCK');
    expect(expectProblem(again, 409, 'OUT_OF_STOCK')).toMatchObject({ available: 1 });
    expect(replayed(first)).toBeNull();
    expect(replayed(again)).toBe('true');
    expect(again.response?.headers.get('x-request-id')).toBe(again.error?.requestId);
  });

  it('makes cart checkout idempotent too', async () => {
    const product = await createProduct(t.baseUrl, { stock: 5 });
    const cart = await createCart({
      client: t.shopper,
      body: { items: [{ productId: product.id, quantity: 2 }] },
    });
    const id = cart.data!.id;
    const headers = { 'idempotency-key': `cart-${id}` };

    const first = await checkoutCart({ client: t.shopper, path: { id }, headers });
    const again = await checkoutCart({ client: t.shopper, path: { id }, headers });

    expect(first.response?.status).toBe(201);
    expect(again.response?.status).toBe(201);
    expect(again.data?.id).toBe(first.data!.id);
  });

  it('keeps no order when its key cannot be committed, so a retry makes exactly one', async () => {
    const product = await createProduct(t.baseUrl, { stock: 5 });
    const key = `failing-commit-${product.id}`;
    const body = { productId: product.id, quantity: 1 };
    // The key's write fails at COMMIT, the last moment of the transaction that took the stock.
    await t.db.query(
      `create function fail_key_write() returns trigger language plpgsql as $$
       begin
         if new.key = '${key}' then
           raise exception 'injected failure' using errcode = '40001';
         end if;
         return null;
       end $$`,
    );
    await t.db.query(
      `create constraint trigger fail_key_write after insert on idempotency_keys
         deferrable initially deferred for each row execute function fail_key_write()`,
    );
    let failed;
    try {
      failed = await buy(body, key);
    } finally {
      await t.db.query('drop trigger fail_key_write on idempotency_keys');
      await t.db.query('drop function fail_key_write');
    }

    expectProblem(failed!, 503, 'DATABASE_UNAVAILABLE');
    expect(await orderCount(product.id)).toBe(0);
    const keys = await t.db.query('select 1 from idempotency_keys where key = $1', [key]);
    expect(keys).toHaveLength(0);

    const retry = await buy(body, key);
    const again = await buy(body, key);
    expect(retry.response?.status).toBe(201);
    expect(again.data?.id).toBe(retry.data!.id);
    expect(await orderCount(product.id)).toBe(1);
  });

  it('replays the order to a retry when the answer was lost after the commit', async () => {
    const product = await createProduct(t.baseUrl, { stock: 5 });
    const key = `lost-answer-${product.id}`;
    const body = JSON.stringify({ productId: product.id, quantity: 1 });
    const headers = { 'content-type': 'application/json', 'idempotency-key': key };
    // The client gives up on the first answer the moment the request is sent.
    const aborted = new AbortController();
    const lost = fetch(`${t.baseUrl}/checkout`, {
      method: 'POST',
      headers,
      body,
      signal: aborted.signal,
    });
    aborted.abort();
    await expect(lost).rejects.toThrow();

    const retries = await Promise.all(
      Array.from({ length: 3 }, () => buy({ productId: product.id, quantity: 1 }, key)),
    );

    expect(retries.map((r) => r.response?.status)).toEqual([201, 201, 201]);
    expect(new Set(retries.map((r) => r.data?.id)).size).toBe(1);
    expect(await orderCount(product.id)).toBe(1);
  });

  it('lets a key be used again once it has expired', async () => {
    const product = await createProduct(t.baseUrl, { stock: 5 });
    const key = `expired-${product.id}`;
    const body = { productId: product.id, quantity: 1 };
    const first = await buy(body, key);
    await t.db.query(
      `update idempotency_keys set expires_at = now() - interval '1 second' where key = $1`,
      [key],
    );

    const second = await buy(body, key);

    expect(second.response?.status).toBe(201);
    expect(second.data?.id).not.toBe(first.data!.id);
    expect(await orderCount(product.id)).toBe(2);
  });

  it('rejects a malformed key with 400', async () => {
    const product = await createProduct(t.baseUrl, { stock: 5 });
    const response = await api(
      t.baseUrl,
      'POST',
      '/checkout',
      { productId: product.id, quantity: 1 },
      { 'idempotency-key': 'x'.repeat(300) },
    );
    expectProblem(response, 400, 'VALIDATION_FAILED');
    expect(await orderCount(product.id)).toBe(0);
  });
});
