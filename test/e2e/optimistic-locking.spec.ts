import {
  checkout,
  setCartItem,
  updateProduct,
  type UpdateProductDto,
} from '../../client/sdk/src/index';
import {
  countStatuses,
  createCart,
  createProduct,
  expectProblem,
  startTestApp,
  type TestApp,
} from '../support/app';
import { fingerprint, soldOf, storedProduct } from '../support/database';

describe('optimistic locking: a stale version is refused with 409 VERSION_CONFLICT', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  const patch = (id: string, body: UpdateProductDto) =>
    updateProduct({ client: t.admin, path: { id }, body });
  const buy = (body: { productId: string; quantity: number; expectedVersion?: number }) =>
    checkout({ client: t.shopper, body });

  it('PATCH /products/{id} applies an edit made on the current version and bumps it', async () => {
    const product = await createProduct(t.baseUrl, { stock: 7, priceCents: 1000 });
    expect(product.version).toBe(1);

    const response = await patch(product.id, { version: 1, name: 'Renamed', priceCents: 1200 });

    expect(response.response?.status).toBe(200);
    expect(response.data).toMatchObject({
      id: product.id,
      sku: product.sku,
      name: 'Renamed',
      priceCents: 1200,
      stock: 7,
      version: 2,
    });
    expect(await storedProduct(t.db, product.id)).toEqual({
      name: 'Renamed',
      priceCents: 1200,
      stock: 7,
      version: 2,
    });
  });

  it('PATCH /products/{id} with a stale version is refused with currentVersion, nothing changed', async () => {
    const product = await createProduct(t.baseUrl, { stock: 7 });
    const first = await patch(product.id, { version: 1, name: 'First edit' });
    expect(first.response?.status).toBe(200);
    const before = await fingerprint(t.db);

    const stale = await patch(product.id, { version: 1, name: 'Lost edit', stock: 1 });

    // currentVersion is added by OptimisticLockInterceptor from em.lock()'s version mismatch.
    expect(expectProblem(stale, 409, 'VERSION_CONFLICT')).toMatchObject({ currentVersion: 2 });
    expect(await fingerprint(t.db)).toEqual(before);
    expect(await storedProduct(t.db, product.id)).toMatchObject({
      name: 'First edit',
      stock: 7,
      version: 2,
    });
  });

  it('two concurrent PATCHes on the same version: exactly one 200 and one 409', async () => {
    // Several products race at once, each between two edits made on version 1.
    const products = await Promise.all(
      Array.from({ length: 5 }, () => createProduct(t.baseUrl, { stock: 3 })),
    );
    const races = await Promise.all(
      products.map((p) =>
        Promise.all([
          patch(p.id, { version: 1, name: 'Edit A', stock: 10 }),
          patch(p.id, { version: 1, name: 'Edit B', stock: 20 }),
        ]),
      ),
    );

    for (const [i, [a, b]] of races.entries()) {
      expect(countStatuses([a, b])).toEqual({ 200: 1, 409: 1 });
      const [winner, loser] = a.data ? [a.data, b] : [b.data!, a];
      expectProblem(loser, 409, 'VERSION_CONFLICT');
      expect(winner.version).toBe(2);
      // The stored row is the winner's edit, whole: no mix of the two.
      expect(await storedProduct(t.db, products[i].id)).toMatchObject({
        name: winner.name,
        stock: winner.stock,
        version: 2,
      });
    }
  });

  it('POST /checkout with a stale expectedVersion is refused at once and sells nothing', async () => {
    const product = await createProduct(t.baseUrl, { stock: 5 });
    expect((await patch(product.id, { version: 1, priceCents: 1500 })).response?.status).toBe(200);
    const before = await fingerprint(t.db);

    const stale = await buy({ productId: product.id, quantity: 1, expectedVersion: 1 });

    expect(expectProblem(stale, 409, 'VERSION_CONFLICT')).toMatchObject({ currentVersion: 2 });
    expect(await fingerprint(t.db)).toEqual(before);
    expect(await soldOf(t.db, product.id)).toEqual({ orders: 0, lines: 0, units: 0 });
  });

  it('POST /checkout with the current expectedVersion sells at that version and bumps it', async () => {
    const product = await createProduct(t.baseUrl, { stock: 5, priceCents: 700 });

    const response = await buy({ productId: product.id, quantity: 2, expectedVersion: 1 });

    expect(response.response?.status).toBe(201);
    expect(response.data).toMatchObject({
      items: [{ productId: product.id, quantity: 2, unitPriceCents: 700 }],
      totalCents: 1400,
    });
    expect(await storedProduct(t.db, product.id)).toMatchObject({ stock: 3, version: 2 });

    // The version the shopper saw is now stale.
    const again = await buy({ productId: product.id, quantity: 1, expectedVersion: 1 });
    expectProblem(again, 409, 'VERSION_CONFLICT');
    expect(await storedProduct(t.db, product.id)).toMatchObject({ stock: 3, version: 2 });
  });

  it('concurrent checkouts at the same expectedVersion: one wins, the others get 409, no oversell', async () => {
    const product = await createProduct(t.baseUrl, { stock: 100 });
    const responses = await Promise.all(
      Array.from({ length: 10 }, () =>
        buy({ productId: product.id, quantity: 1, expectedVersion: 1 }),
      ),
    );

    expect(countStatuses(responses)).toEqual({ 201: 1, 409: 9 });
    for (const r of responses.filter((r) => r.error)) {
      expectProblem(r, 409, 'VERSION_CONFLICT');
    }
    expect(await storedProduct(t.db, product.id)).toMatchObject({ stock: 99, version: 2 });
    expect(await soldOf(t.db, product.id)).toEqual({ orders: 1, lines: 1, units: 1 });
  });

  it('PUT /cart/{id}/items/{productId} with a stale cart version is refused, nothing changed', async () => {
    const product = await createProduct(t.baseUrl, { stock: 5 });
    const cart = await createCart(t.baseUrl, [{ productId: product.id, quantity: 1 }]);
    const put = (quantity: number, version: number) =>
      setCartItem({
        client: t.shopper,
        path: { id: cart.id, productId: product.id },
        body: { quantity, version },
      });
    expect((await put(2, cart.version)).response?.status).toBe(200);
    const before = await fingerprint(t.db);

    const stale = await put(3, cart.version);

    expect(expectProblem(stale, 409, 'VERSION_CONFLICT')).toMatchObject({
      currentVersion: cart.version + 1,
    });
    expect(await fingerprint(t.db)).toEqual(before);
  });
});
