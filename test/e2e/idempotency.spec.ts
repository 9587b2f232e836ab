// Idempotency-Key on the checkout routes, against the real app and database.
import { api, createProduct, startTestApp, type TestApp } from '../support/app';

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
    expect(second.body.id).toBe(first.body.id);
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

  it('never creates a second order for duplicates sent at the same time', async () => {
    const product = await createProduct(t.baseUrl, { stock: 100 });
    const headers = { 'idempotency-key': `burst-${product.id}` };
    const body = { productId: product.id, quantity: 1 };

    const responses = await Promise.all(
      Array.from({ length: 20 }, () => api(t.baseUrl, 'POST', '/checkout', body, headers)),
    );

    const created = responses.filter((r) => r.status === 201);
    const waiting = responses.filter((r) => r.status === 409);
    expect(created.length + waiting.length).toBe(20);
    expect(new Set(created.map((r) => r.body.id)).size).toBe(1);
    for (const r of waiting) expect(r.body.code).toBe('IDEMPOTENCY_IN_PROGRESS');
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

  it('takes over a key whose attempt died, without doubling the order it committed', async () => {
    const product = await createProduct(t.baseUrl, { stock: 5 });
    const key = `crashed-${product.id}`;
    const body = { productId: product.id, quantity: 1 };
    const first = await api(t.baseUrl, 'POST', '/checkout', body, { 'idempotency-key': key });
    // Make it look as if the process died after committing the order but before storing the
    // response: the key is back in progress with an expired lease.
    await t.db.query(
      `update idempotency_keys set state = 'in_progress', response_status = null,
         response_body = null, locked_until = now() - interval '1 minute' where key = $1`,
      [key],
    );

    const retry = await api(t.baseUrl, 'POST', '/checkout', body, { 'idempotency-key': key });

    expect(retry.status).toBe(201);
    expect(retry.body.id).toBe(first.body.id);
    expect(await orderCount(product.id)).toBe(1);
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
