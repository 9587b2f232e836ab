// The generated SDK, as a partner uses it, against the real app and a real database.
import {
  checkout,
  checkoutCart,
  createCart,
  createProduct,
  createStoreClient,
  getOrder,
  getProduct,
  isProblem,
  listProducts,
  setCartItem,
  updateProduct,
  type Client,
  type CurrencyCode,
} from '../../client/sdk/src/index';
import { ADMIN_TOKEN, startTestApp, type TestApp } from '../support/app';

describe('SDK against the real API', () => {
  let t: TestApp;
  let shopper: Client;
  let admin: Client;

  beforeAll(async () => {
    t = await startTestApp();
    shopper = createStoreClient({ baseUrl: t.baseUrl });
    admin = createStoreClient({ baseUrl: t.baseUrl, adminToken: ADMIN_TOKEN });
  });
  afterAll(() => t.close());

  async function newProduct(stock: number, priceCents = 500, currency: CurrencyCode = 'EUR') {
    const { data, error } = await createProduct({
      client: admin,
      body: {
        sku: `SDK-${Math.random().toString(36).slice(2, 10)}`,
        name: 'Sdk item',
        priceCents,
        currency,
        stock,
      },
    });
    expect(error).toBeUndefined();
    return data!;
  }

  it('browses the catalogue and reads one product', async () => {
    const product = await newProduct(7);
    const page = await listProducts({ client: shopper, query: { limit: 100 } });
    expect(page.response?.status).toBe(200);
    expect(page.data!.items.map((p) => p.id)).toContain(product.id);

    const one = await getProduct({ client: shopper, path: { id: product.id } });
    expect(one.data).toMatchObject({ id: product.id, stock: 7, version: 1 });
  });

  it('buys one product, then reads the order back', async () => {
    const product = await newProduct(2, 1250);
    const { data: order, response } = await checkout({
      client: shopper,
      body: { productId: product.id, quantity: 2 },
    });
    expect(response?.status).toBe(201);
    expect(order).toMatchObject({ status: 'confirmed', totalCents: 2500, currency: 'EUR' });

    const read = await getOrder({ client: shopper, path: { id: order!.id } });
    expect(read.data!.items).toEqual([
      { productId: product.id, name: 'Sdk item', quantity: 2, unitPriceCents: 1250 },
    ]);
  });

  it('builds a cart, changes it, and checks it out', async () => {
    const a = await newProduct(5, 300);
    const b = await newProduct(5, 200);
    const cart = await createCart({
      client: shopper,
      body: { items: [{ productId: a.id, quantity: 1 }] },
    });
    expect(cart.data).toMatchObject({ subtotalCents: 300, currency: 'EUR', version: 1 });

    const changed = await setCartItem({
      client: shopper,
      path: { id: cart.data!.id, productId: b.id },
      body: { quantity: 2, version: cart.data!.version },
    });
    expect(changed.data).toMatchObject({ subtotalCents: 700, version: 2 });

    const order = await checkoutCart({ client: shopper, path: { id: cart.data!.id } });
    expect(order.response?.status).toBe(201);
    expect(order.data!.totalCents).toBe(700);

    const again = await checkoutCart({ client: shopper, path: { id: cart.data!.id } });
    expect(again.response?.status).toBe(409);
    expect(again.error?.code).toBe('CART_CHECKED_OUT');
  });

  it('reports OUT_OF_STOCK as a typed error with what is left', async () => {
    const product = await newProduct(1);
    const { error, response } = await checkout({
      client: shopper,
      body: { productId: product.id, quantity: 3 },
    });
    expect(response?.status).toBe(409);
    expect(isProblem(error, 'OUT_OF_STOCK')).toBe(true);
    if (error?.code === 'OUT_OF_STOCK') expect(error.available).toBe(1);
  });

  it('reports VERSION_CONFLICT for a stale expectedVersion and a stale edit', async () => {
    const product = await newProduct(3);
    await checkout({ client: shopper, body: { productId: product.id, quantity: 1 } });

    const stale = await checkout({
      client: shopper,
      body: { productId: product.id, quantity: 1, expectedVersion: product.version },
    });
    expect(stale.response?.status).toBe(409);
    expect(stale.error?.code).toBe('VERSION_CONFLICT');
    expect(stale.error?.currentVersion).toBe(product.version + 1);

    const edit = await updateProduct({
      client: admin,
      path: { id: product.id },
      body: { version: product.version, priceCents: 1 },
    });
    expect(edit.error?.code).toBe('VERSION_CONFLICT');
  });

  it('reports validation, not-found and auth problems typed', async () => {
    const invalid = await checkout({ client: shopper, body: { productId: 'nope', quantity: 0 } });
    expect(invalid.response?.status).toBe(400);
    expect(invalid.error?.code).toBe('VALIDATION_FAILED');
    expect(invalid.error?.errors?.map((e) => e.field)).toEqual(['productId', 'quantity']);

    const missing = await getProduct({
      client: shopper,
      path: { id: '00000000-0000-4000-8000-000000000000' },
    });
    expect(missing.error?.code).toBe('NOT_FOUND');

    const unauthorised = await createProduct({
      client: shopper,
      body: { sku: 'NO-TOKEN', name: 'x', priceCents: 1, currency: 'USD', stock: 1 },
    });
    expect(unauthorised.response?.status).toBe(401);
    expect(unauthorised.error?.code).toBe('UNAUTHORIZED');
  });
});
