// Idempotency-Key on the checkout routes, against the real app and database.
import { api, createProduct, expectProblem, startTestApp, type TestApp } from '../support/app';

describe('Idempotency-Key', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

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
    const headers = { 'idempotency-key': `key-${product.id}` };
    const body = { productId: product.id, quantity: 2 };

    const first = await api(t.baseUrl, 'POST', '/checkout', body, headers);
    const second = await api(t.baseUrl, 'POST', '/checkout', body, headers);

    expect(first.status).toBe(201);
    expect(second.status).toBe(201);
    expect(second.body).toEqual(first.body);
    expect(first.headers.get('idempotent-replayed')).toBeNull();
    expect(second.headers.get('idempotent-replayed')).toBe('true');
    expect(await orderCount(product.id)).toBe(1);
    const [{ stock }] = await t.db.query<{ stock: number }>(
      'select stock from products where id = $1',
      [product.id],
    );
    expect(stock).toBe(8);
  });

  it('refuses the same key with a different body with 422 IDEMPOTENCY_KEY_REUSED', async () => {
    const product = await createProduct(t.baseUrl, { stock: 10 });
    const headers = { 'idempotency-key': `reuse-${product.id}` };
    await api(t.baseUrl, 'POST', '/checkout', { productId: product.id, quantity: 1 }, headers);

    const reused = await api(
      t.baseUrl,
      'POST',
      '/checkout',
      { productId: product.id, quantity: 3 },
      headers,
    );

    expect(reused.status).toBe(422);
    expect(reused.body.code).toBe('IDEMPOTENCY_KEY_REUSED');
    expect(await orderCount(product.id)).toBe(1);
  });

  it('answers duplicates sent at the same time with the one order, once they have waited', async () => {
    const product = await createProduct(t.baseUrl, { stock: 100 });
    const headers = { 'idempotency-key': `burst-${product.id}` };
    const body = { productId: product.id, quantity: 1 };

    const responses = await Promise.all(
      Array.from({ length: 20 }, () => api(t.baseUrl, 'POST', '/checkout', body, headers)),
    );

    expect(responses.map((r) => r.status)).toEqual(Array(20).fill(201));
    expect(new Set(responses.map((r) => r.body.id)).size).toBe(1);
    expect(await orderCount(product.id)).toBe(1);
  });

  it('replays a refusal as it was first answered', async () => {
    const product = await createProduct(t.baseUrl, { stock: 1 });
    const headers = { 'idempotency-key': `refused-${product.id}` };
    const body = { productId: product.id, quantity: 5 };

    const first = await api(t.baseUrl, 'POST', '/checkout', body, headers);
    const again = await api(t.baseUrl, 'POST', '/checkout', body, headers);

    expect(first.status).toBe(409);
    expect(first.body.code).toBe('OUT_OF_STOCK');
    expect(again.status).toBe(409);
    expect(again.body).toMatchObject({ code: 'OUT_OF_STOCK', available: 1 });
    expectProblem(again, 409, 'OUT_OF_STOCK');
    expect(first.headers.get('idempotent-replayed')).toBeNull();
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(again.headers.get('x-request-id')).toBe(again.body.requestId);
  });

  it('makes cart checkout idempotent too', async () => {
    const product = await createProduct(t.baseUrl, { stock: 5 });
    const cart = await api(t.baseUrl, 'POST', '/cart', {
      items: [{ productId: product.id, quantity: 2 }],
    });
    const headers = { 'idempotency-key': `cart-${cart.body.id}` };

    const first = await api(
      t.baseUrl,
      'POST',
      `/cart/${cart.body.id}/checkout`,
      undefined,
      headers,
    );
    const again = await api(
      t.baseUrl,
      'POST',
      `/cart/${cart.body.id}/checkout`,
      undefined,
      headers,
    );

    expect(first.status).toBe(201);
    expect(again.status).toBe(201);
    expect(again.body.id).toBe(first.body.id);
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
      failed = await api(t.baseUrl, 'POST', '/checkout', body, { 'idempotency-key': key });
    } finally {
      await t.db.query('drop trigger fail_key_write on idempotency_keys');
      await t.db.query('drop function fail_key_write');
    }

    expectProblem(failed, 503, 'DATABASE_UNAVAILABLE');
    expect(await orderCount(product.id)).toBe(0);
    const keys = await t.db.query('select 1 from idempotency_keys where key = $1', [key]);
    expect(keys).toHaveLength(0);

    const retry = await api(t.baseUrl, 'POST', '/checkout', body, { 'idempotency-key': key });
    const again = await api(t.baseUrl, 'POST', '/checkout', body, { 'idempotency-key': key });
    expect(retry.status).toBe(201);
    expect(again.body.id).toBe(retry.body.id);
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
      Array.from({ length: 3 }, () =>
        api(t.baseUrl, 'POST', '/checkout', JSON.parse(body), headers),
      ),
    );

    expect(retries.map((r) => r.status)).toEqual([201, 201, 201]);
    expect(new Set(retries.map((r) => r.body.id)).size).toBe(1);
    expect(await orderCount(product.id)).toBe(1);
  });

  it('lets a key be used again once it has expired', async () => {
    const product = await createProduct(t.baseUrl, { stock: 5 });
    const key = `expired-${product.id}`;
    const body = { productId: product.id, quantity: 1 };
    const first = await api(t.baseUrl, 'POST', '/checkout', body, { 'idempotency-key': key });
    await t.db.query(
      `update idempotency_keys set expires_at = now() - interval '1 second' where key = $1`,
      [key],
    );

    const second = await api(t.baseUrl, 'POST', '/checkout', body, { 'idempotency-key': key });

    expect(second.status).toBe(201);
    expect(second.body.id).not.toBe(first.body.id);
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
    expect(response.status).toBe(400);
    expect(response.body.code).toBe('VALIDATION_FAILED');
    expect(await orderCount(product.id)).toBe(0);
  });
});
