import {
  adminHeaders,
  api,
  createProduct,
  expectProblem,
  startTestApp,
  type TestApp,
} from '../support/app';
import { fingerprint } from '../support/database';

describe('products', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  it('GET /health answers 200 ok', async () => {
    const response = await api(t.baseUrl, 'GET', '/health');
    expect(response.status).toBe(200);
    expect(response.body).toEqual({ status: 'ok' });
  });

  it('POST /products creates a product and returns it with version 1', async () => {
    const response = await api(
      t.baseUrl,
      'POST',
      '/products',
      {
        sku: 'MUG-1',
        name: 'Mug',
        description: 'Holds tea.',
        priceCents: 1450,
        currency: 'EUR',
        stock: 12,
      },
      adminHeaders,
    );

    expect(response.status).toBe(201);
    expect(response.body).toEqual({
      id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      sku: 'MUG-1',
      name: 'Mug',
      description: 'Holds tea.',
      priceCents: 1450,
      currency: 'EUR',
      stock: 12,
      version: 1,
      saleStartsAt: null,
      saleEndsAt: null,
      maxPerCustomer: null,
      compareAtPriceCents: null,
      imageUrl: null,
    });
    const [row] = await t.db.query(
      'select sku, price_cents, stock, version from products where id = $1',
      [response.body.id],
    );
    expect(row).toEqual({ sku: 'MUG-1', price_cents: 1450, stock: 12, version: 1 });

    const fetched = await api(t.baseUrl, 'GET', `/products/${response.body.id}`);
    expect(fetched.status).toBe(200);
    expect(fetched.body).toEqual(response.body);
  });

  it('POST /products without a description stores an empty one', async () => {
    const product = await createProduct(t.baseUrl);
    const fetched = await api(t.baseUrl, 'GET', `/products/${product.id}`);
    expect(fetched.body.description).toBe('');
  });

  it('POST /products with a taken SKU is refused with 409 DUPLICATE_SKU, nothing stored', async () => {
    const product = await createProduct(t.baseUrl, { sku: 'TAKEN-1' });
    const before = await fingerprint(t.db);

    const response = await api(
      t.baseUrl,
      'POST',
      '/products',
      { sku: 'TAKEN-1', name: 'Other', priceCents: 1, currency: 'USD', stock: 1 },
      adminHeaders,
    );

    expect(expectProblem(response, 409, 'DUPLICATE_SKU')).toMatchObject({ sku: 'TAKEN-1' });
    expect(await fingerprint(t.db)).toEqual(before);
    expect((await api(t.baseUrl, 'GET', `/products/${product.id}`)).body.name).toBe(product.name);
  });

  it('GET /products pages through the catalogue in a stable order', async () => {
    const { body: first } = await api(t.baseUrl, 'GET', '/products');
    const existing: number = first.total;
    await Promise.all(
      Array.from({ length: 5 }, (_, i) => createProduct(t.baseUrl, { name: `Page item ${i}` })),
    );

    const all = await api(t.baseUrl, 'GET', '/products?limit=100');
    expect(all.status).toBe(200);
    expect(all.body).toMatchObject({ total: existing + 5, limit: 100, offset: 0 });
    expect(all.body.items).toHaveLength(existing + 5);
    for (const item of all.body.items) {
      expect(Object.keys(item).sort()).toEqual(
        [
          'compareAtPriceCents',
          'currency',
          'description',
          'id',
          'imageUrl',
          'maxPerCustomer',
          'name',
          'priceCents',
          'saleEndsAt',
          'saleStartsAt',
          'sku',
          'stock',
          'version',
        ].sort(),
      );
    }

    const defaults = await api(t.baseUrl, 'GET', '/products');
    expect(defaults.body).toMatchObject({ limit: 20, offset: 0 });

    const pages = [];
    for (let offset = 0; offset < existing + 5; offset += 2) {
      const page = await api(t.baseUrl, 'GET', `/products?limit=2&offset=${offset}`);
      expect(page.status).toBe(200);
      expect(page.body).toMatchObject({ total: existing + 5, limit: 2, offset });
      pages.push(...page.body.items);
    }
    expect(pages).toEqual(all.body.items);

    const beyond = await api(t.baseUrl, 'GET', `/products?offset=${existing + 5}`);
    expect(beyond.body).toMatchObject({ items: [], total: existing + 5 });
  });

  it('PATCH /products/{id} can restock, and the new stock can be sold', async () => {
    const product = await createProduct(t.baseUrl, { stock: 0 });
    const soldOut = await api(t.baseUrl, 'POST', '/checkout', {
      productId: product.id,
      quantity: 1,
    });
    expect(expectProblem(soldOut, 409, 'OUT_OF_STOCK')).toMatchObject({ available: 0 });

    const restock = await api(
      t.baseUrl,
      'PATCH',
      `/products/${product.id}`,
      { version: product.version, stock: 2 },
      adminHeaders,
    );
    expect(restock.status).toBe(200);
    expect(restock.body).toMatchObject({ stock: 2, version: product.version + 1 });

    const sold = await api(t.baseUrl, 'POST', '/checkout', { productId: product.id, quantity: 2 });
    expect(sold.status).toBe(201);
    expect((await api(t.baseUrl, 'GET', `/products/${product.id}`)).body).toMatchObject({
      stock: 0,
    });
  });
});
