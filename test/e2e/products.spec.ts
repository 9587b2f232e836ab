import {
  checkout,
  createProduct as sdkCreateProduct,
  getHealth,
  getProduct,
  listProducts,
  updateProduct,
} from '../../client/sdk/src/index';
import { createProduct, expectProblem, startTestApp, type TestApp } from '../support/app';
import { fingerprint } from '../support/database';
import { readFileSync } from 'node:fs';

describe('products', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  it('GET /health answers 200 ok', async () => {
    const response = await getHealth({ client: t.shopper });
    expect(response.response?.status).toBe(200);
    expect(response.data).toEqual({ status: 'ok' });
  });

  it('POST /products creates a product and returns it with version 1', async () => {
    const response = await sdkCreateProduct({
      client: t.admin,
      body: {
        sku: 'MUG-1',
        name: 'Mug',
        description: 'Holds tea.',
        priceCents: 1450,
        currency: 'EUR',
        stock: 12,
      },
    });

    expect(response.response?.status).toBe(201);
    expect(response.data).toEqual({
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
      [response.data!.id],
    );
    expect(row).toEqual({ sku: 'MUG-1', price_cents: 1450, stock: 12, version: 1 });

    const fetched = await getProduct({ client: t.shopper, path: { id: response.data!.id } });
    expect(fetched.response?.status).toBe(200);
    expect(fetched.data).toEqual(response.data);
  });

  it('POST /products without a description stores an empty one', async () => {
    const product = await createProduct(t.baseUrl);
    const fetched = await getProduct({ client: t.shopper, path: { id: product.id } });
    expect(fetched.data?.description).toBe('');
  });

  it('POST /products with a taken SKU is refused with 409 DUPLICATE_SKU, nothing stored', async () => {
    const product = await createProduct(t.baseUrl, { sku: 'TAKEN-1' });
    const before = await fingerprint(t.db);

    const response = await sdkCreateProduct({
      client: t.admin,
      body: { sku: 'TAKEN-1', name: 'Other', priceCents: 1, currency: 'USD', stock: 1 },
    });

    expect(expectProblem(response, 409, 'DUPLICATE_SKU')).toMatchObject({ sku: 'TAKEN-1' });
    expect(await fingerprint(t.db)).toEqual(before);
    const kept = await getProduct({ client: t.shopper, path: { id: product.id } });
    expect(kept.data?.name).toBe(product.name);
  });

  it('GET /products pages through the catalogue in a stable order', async () => {
    const first = await listProducts({ client: t.shopper });
    const existing = first.data!.total;
    await Promise.all(
      Array.from({ length: 5 }, (_, i) => createProduct(t.baseUrl, { name: `Page item ${i}` })),
    );

    const all = await listProducts({ client: t.shopper, query: { limit: 100 } });
    expect(all.response?.status).toBe(200);
    expect(all.data).toMatchObject({ total: existing + 5, limit: 100, offset: 0 });
    expect(all.data!.items).toHaveLength(existing + 5);
    for (const item of all.data!.items) {
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

    expect(first.data).toMatchObject({ limit: 20, offset: 0 });

    const pages = [];
    for (let offset = 0; offset < existing + 5; offset += 2) {
      const page = await listProducts({ client: t.shopper, query: { limit: 2, offset } });
      expect(page.response?.status).toBe(200);
      expect(page.data).toMatchObject({ total: existing + 5, limit: 2, offset });
      pages.push(...page.data!.items);
    }
    expect(pages).toEqual(all.data!.items);

    const beyond = await listProducts({ client: t.shopper, query: { offset: existing + 5 } });
    expect(beyond.data).toMatchObject({ items: [], total: existing + 5 });
  });

  it('PATCH /products/{id} can restock, and the new stock can be sold', async () => {
    const product = await createProduct(t.baseUrl, { stock: 0 });
    const soldOut = await checkout({
      client: t.shopper,
      body: { productId: product.id, quantity: 1 },
    });
    expect(expectProblem(soldOut, 409, 'OUT_OF_STOCK')).toMatchObject({ available: 0 });

    const restock = await updateProduct({
      client: t.admin,
      path: { id: product.id },
      body: { version: product.version, stock: 2 },
    });
    expect(restock.response?.status).toBe(200);
    expect(restock.data).toMatchObject({ stock: 2, version: product.version + 1 });

    const sold = await checkout({
      client: t.shopper,
      body: { productId: product.id, quantity: 2 },
    });
    expect(sold.response?.status).toBe(201);
    const after = await getProduct({ client: t.shopper, path: { id: product.id } });
    expect(after.data).toMatchObject({ stock: 0 });
  });

  it('imageUrl takes an http(s) URL or a path on this service, nothing in between', async () => {
    const product = await createProduct(t.baseUrl);
    const document = JSON.parse(readFileSync('openapi/openapi.json', 'utf8'));
    const documented = ['CreateProductDto', 'UpdateProductDto'].map(
      (name) => new RegExp(document.components.schemas[name].properties.imageUrl.pattern, 'u'),
    );
    // Both would load from another host: a scheme-relative URL, and one browsers read as such.
    for (const imageUrl of [
      '//evil.example/t.gif',
      '/\\evil.example/t.gif',
      'https:///evil.example',
    ]) {
      const before = await fingerprint(t.db);
      const refused = await updateProduct({
        client: t.admin,
        path: { id: product.id },
        body: { version: product.version, imageUrl },
      });
      expectProblem(refused, 400, 'VALIDATION_FAILED');
      expect(await fingerprint(t.db)).toEqual(before);
      for (const pattern of documented)
        expect({ imageUrl, ok: pattern.test(imageUrl) }).toEqual({ imageUrl, ok: false });
    }
    let version = product.version;
    for (const imageUrl of [
      '/images/t.gif',
      'https://cdn.example/t.gif',
      'http://cdn.example/t.gif',
    ]) {
      const accepted = await updateProduct({
        client: t.admin,
        path: { id: product.id },
        body: { version, imageUrl },
      });
      expect(accepted.data).toMatchObject({ imageUrl });
      version = accepted.data!.version;
      for (const pattern of documented) expect(pattern.test(imageUrl)).toBe(true);
    }
  });
});
