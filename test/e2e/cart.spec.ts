import {
  checkout,
  checkoutCart,
  createCart as postCart,
  getCart,
  getOrder,
  setCartItem,
  updateProduct,
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
import { CartService } from '../../src/cart/cart.service';
import { MAX_CART_LINES } from '../../src/cart/dto/cart.dto';

describe('cart', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  const storedCart = async (id: string) => {
    const [cart] = await t.db.query<{ status: string; version: number }>(
      'select status, version from carts where id = $1',
      [id],
    );
    return cart;
  };
  const ordersOfCart = async (id: string) =>
    Number(
      (
        await t.db.query<{ n: string }>('select count(*) as n from orders where cart_id = $1', [id])
      )[0].n,
    );
  const put = (cartId: string, productId: string, quantity: number, version: number) =>
    setCartItem({
      client: t.shopper,
      path: { id: cartId, productId },
      body: { quantity, version },
    });
  const checkOut = (cartId: string) => checkoutCart({ client: t.shopper, path: { id: cartId } });
  const readCart = async (id: string) => (await getCart({ client: t.shopper, path: { id } })).data;

  it('POST /cart returns the cart with live prices, stock and totals', async () => {
    const a = await createProduct(t.baseUrl, { name: 'Alpha', priceCents: 250, stock: 9 });
    const b = await createProduct(t.baseUrl, { name: 'Beta', priceCents: 1000, stock: 4 });

    const response = await postCart({
      client: t.shopper,
      body: {
        items: [
          { productId: a.id, quantity: 2 },
          { productId: b.id, quantity: 3 },
        ],
      },
    });

    expect(response.response?.status).toBe(201);
    expect(response.data).toEqual({
      id: expect.any(String),
      version: 1,
      status: 'open',
      items: [
        {
          productId: a.id,
          name: 'Alpha',
          priceCents: 250,
          quantity: 2,
          available: 9,
          lineTotalCents: 500,
          maxPerCustomer: null,
          saleStartsAt: null,
          saleEndsAt: null,
        },
        {
          productId: b.id,
          name: 'Beta',
          priceCents: 1000,
          quantity: 3,
          available: 4,
          lineTotalCents: 3000,
          maxPerCustomer: null,
          saleStartsAt: null,
          saleEndsAt: null,
        },
      ],
      subtotalCents: 3500,
      currency: 'USD',
    });
    // A cart reserves nothing.
    expect(await storedProduct(t.db, a.id)).toMatchObject({ stock: 9 });
    expect(await readCart(response.data!.id)).toEqual(response.data);
  });

  it('PUT adds, changes and removes lines, bumping the cart version each time', async () => {
    const a = await createProduct(t.baseUrl, { priceCents: 100 });
    const b = await createProduct(t.baseUrl, { priceCents: 200 });
    const cart = await createCart(t.baseUrl, []);
    expect(cart).toMatchObject({ version: 1, items: [], subtotalCents: 0, currency: null });

    const added = await put(cart.id, a.id, 2, 1);
    expect(added.response?.status).toBe(200);
    expect(added.data).toMatchObject({ version: 2, subtotalCents: 200, currency: 'USD' });

    const second = await put(cart.id, b.id, 1, 2);
    expect(second.data).toMatchObject({ version: 3, subtotalCents: 400 });
    expect(second.data!.items.map((line) => line.productId)).toEqual([a.id, b.id]);

    const changed = await put(cart.id, a.id, 5, 3);
    expect(changed.data).toMatchObject({ version: 4, subtotalCents: 700 });

    const removed = await put(cart.id, a.id, 0, 4);
    expect(removed.response?.status).toBe(200);
    expect(removed.data).toMatchObject({
      version: 5,
      items: [{ productId: b.id, quantity: 1 }],
      subtotalCents: 200,
    });

    expect(await storedCart(cart.id)).toEqual({ status: 'open', version: 5 });
    const lines = await t.db.query<{ product_id: string; quantity: number }>(
      'select product_id, quantity from cart_items where cart_id = $1',
      [cart.id],
    );
    expect(lines).toEqual([{ product_id: b.id, quantity: 1 }]);
  });

  it('checks out all or nothing: a short line sells nothing, and the cart stays open', async () => {
    const plenty = await createProduct(t.baseUrl, { stock: 5, priceCents: 300 });
    const scarce = await createProduct(t.baseUrl, { stock: 1, priceCents: 900 });
    const cart = await createCart(t.baseUrl, [
      { productId: plenty.id, quantity: 2 },
      { productId: scarce.id, quantity: 3 },
    ]);
    const before = await fingerprint(t.db);

    const short = await checkOut(cart.id);

    const problem = expectProblem(short, 409, 'OUT_OF_STOCK');
    expect(problem).toMatchObject({ productId: scarce.id, requested: 3, available: 1 });
    expect(problem.shortages).toEqual([{ productId: scarce.id, requested: 3, available: 1 }]);
    expect(await fingerprint(t.db)).toEqual(before);
    expect(await storedProduct(t.db, plenty.id)).toMatchObject({ stock: 5 });
    expect(await storedProduct(t.db, scarce.id)).toMatchObject({ stock: 1 });
    expect(await ordersOfCart(cart.id)).toBe(0);
    expect((await readCart(cart.id))?.status).toBe('open');

    // Take what is there, then check out.
    const fixed = await put(cart.id, scarce.id, 1, cart.version);
    expect(fixed.response?.status).toBe(200);
    const order = await checkOut(cart.id);

    expect(order.response?.status).toBe(201);
    expect(order.data).toMatchObject({
      status: 'confirmed',
      totalCents: 2 * 300 + 900,
      currency: 'USD',
    });
    expect(order.data!.items).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ productId: plenty.id, quantity: 2, unitPriceCents: 300 }),
        expect.objectContaining({ productId: scarce.id, quantity: 1, unitPriceCents: 900 }),
      ]),
    );
    expect(order.data!.items).toHaveLength(2);
    expect(await storedProduct(t.db, plenty.id)).toMatchObject({ stock: 3 });
    expect(await storedProduct(t.db, scarce.id)).toMatchObject({ stock: 0 });
    expect(await storedCart(cart.id)).toMatchObject({ status: 'checked_out' });
    expect(await ordersOfCart(cart.id)).toBe(1);

    // A cart is checked out once.
    const afterOrder = await fingerprint(t.db);
    const again = await checkOut(cart.id);
    expectProblem(again, 409, 'CART_CHECKED_OUT');
    const edit = await put(cart.id, plenty.id, 1, fixed.data!.version + 1);
    expectProblem(edit, 409, 'CART_CHECKED_OUT');
    expect(await fingerprint(t.db)).toEqual(afterOrder);
  });

  it('lists every short line in shortages', async () => {
    const a = await createProduct(t.baseUrl, { stock: 1 });
    const b = await createProduct(t.baseUrl, { stock: 0 });
    const c = await createProduct(t.baseUrl, { stock: 10 });
    const cart = await createCart(t.baseUrl, [
      { productId: a.id, quantity: 2 },
      { productId: b.id, quantity: 1 },
      { productId: c.id, quantity: 10 },
    ]);

    const problem = expectProblem(await checkOut(cart.id), 409, 'OUT_OF_STOCK');

    expect(problem.shortages).toHaveLength(2);
    expect(problem.shortages).toEqual(
      expect.arrayContaining([
        { productId: a.id, requested: 2, available: 1 },
        { productId: b.id, requested: 1, available: 0 },
      ]),
    );
    expect(await storedProduct(t.db, c.id)).toMatchObject({ stock: 10 });
  });

  it('concurrent checkouts of the same cart make exactly one order', async () => {
    const a = await createProduct(t.baseUrl, { stock: 50 });
    const b = await createProduct(t.baseUrl, { stock: 50 });
    const cart = await createCart(t.baseUrl, [
      { productId: a.id, quantity: 2 },
      { productId: b.id, quantity: 3 },
    ]);

    const responses = await Promise.all(Array.from({ length: 10 }, () => checkOut(cart.id)));

    expect(countStatuses(responses)).toEqual({ 201: 1, 409: 9 });
    for (const r of responses.filter((r) => r.error)) {
      expectProblem(r, 409, 'CART_CHECKED_OUT');
    }
    expect(await ordersOfCart(cart.id)).toBe(1);
    expect(await storedProduct(t.db, a.id)).toMatchObject({ stock: 48 });
    expect(await storedProduct(t.db, b.id)).toMatchObject({ stock: 47 });
    expect(await soldOf(t.db, a.id)).toEqual({ orders: 1, lines: 1, units: 2 });
  });

  it('cart checkouts racing single-item checkouts for the last units never oversell', async () => {
    const scarce = await createProduct(t.baseUrl, { stock: 10 });
    const other = await createProduct(t.baseUrl, { stock: 100 });
    const carts = await Promise.all(
      Array.from({ length: 5 }, () =>
        createCart(t.baseUrl, [
          { productId: scarce.id, quantity: 2 },
          { productId: other.id, quantity: 1 },
        ]),
      ),
    );

    const [cartResponses, singleResponses] = await Promise.all([
      Promise.all(carts.map((cart) => checkOut(cart.id))),
      Promise.all(
        Array.from({ length: 10 }, () =>
          checkout({ client: t.shopper, body: { productId: scarce.id, quantity: 1 } }),
        ),
      ),
    ]);

    for (const r of [...cartResponses, ...singleResponses]) {
      if (r.error) expectProblem(r, 409, 'OUT_OF_STOCK');
    }
    const cartsSold = cartResponses.filter((r) => r.response?.status === 201).length;
    const singlesSold = singleResponses.filter((r) => r.response?.status === 201).length;
    const { stock } = await storedProduct(t.db, scarce.id);
    expect(stock + 2 * cartsSold + singlesSold).toBe(10);
    expect(await soldOf(t.db, scarce.id)).toMatchObject({ units: 2 * cartsSold + singlesSold });
    // All or nothing: the other line was sold exactly once per cart order.
    expect(await storedProduct(t.db, other.id)).toMatchObject({ stock: 100 - cartsSold });
  });

  it('concurrent checkouts of different carts sharing two products sell each unit once', async () => {
    // Two changed products are written as one batch UPDATE, which is where lost updates hid.
    const a = await createProduct(t.baseUrl, { stock: 5 });
    const b = await createProduct(t.baseUrl, { stock: 5 });
    const carts = await Promise.all(
      Array.from({ length: 12 }, () =>
        createCart(t.baseUrl, [
          { productId: a.id, quantity: 1 },
          { productId: b.id, quantity: 1 },
        ]),
      ),
    );

    const responses = await Promise.all(carts.map((cart) => checkOut(cart.id)));

    expect(countStatuses(responses)).toEqual({ 201: 5, 409: 7 });
    for (const r of responses.filter((r) => r.error)) {
      expectProblem(r, 409, 'OUT_OF_STOCK');
    }
    expect(await storedProduct(t.db, a.id)).toMatchObject({ stock: 0 });
    expect(await storedProduct(t.db, b.id)).toMatchObject({ stock: 0 });
    expect(await soldOf(t.db, a.id)).toEqual({ orders: 5, lines: 5, units: 5 });
    expect(await soldOf(t.db, b.id)).toEqual({ orders: 5, lines: 5, units: 5 });
  });

  it('refuses to check out an empty cart with 422 CART_EMPTY', async () => {
    const cart = await createCart(t.baseUrl, []);
    const before = await fingerprint(t.db);
    expectProblem(await checkOut(cart.id), 422, 'CART_EMPTY');
    expect(await fingerprint(t.db)).toEqual(before);
  });

  it('refuses products of two currencies in one cart with 422 CURRENCY_MISMATCH', async () => {
    const usd = await createProduct(t.baseUrl, { currency: 'USD' });
    const eur = await createProduct(t.baseUrl, { currency: 'EUR' });
    const cart = await createCart(t.baseUrl, [{ productId: usd.id, quantity: 1 }]);
    const before = await fingerprint(t.db);

    const created = await postCart({
      client: t.shopper,
      body: {
        items: [
          { productId: usd.id, quantity: 1 },
          { productId: eur.id, quantity: 1 },
        ],
      },
    });
    expectProblem(created, 422, 'CURRENCY_MISMATCH');

    const added = await put(cart.id, eur.id, 1, cart.version);
    expectProblem(added, 422, 'CURRENCY_MISMATCH');

    expect(await fingerprint(t.db)).toEqual(before);
  });

  it('keeps the lines in the order given, in the cart and in its order, whatever their ids', async () => {
    const products = await Promise.all(
      Array.from({ length: 5 }, (_, i) => createProduct(t.baseUrl, { name: `Line ${i}` })),
    );
    // Ids descending: any order by id would show.
    const given = [...products].sort((a, b) => b.id.localeCompare(a.id));
    const cart = await createCart(
      t.baseUrl,
      given.map((p, i) => ({ productId: p.id, quantity: i + 1 })),
    );
    const ids = given.map((p) => p.id);
    expect(cart.items.map((line) => line.productId)).toEqual(ids);

    const read = await readCart(cart.id);
    expect(read?.items.map((line) => line.productId)).toEqual(ids);
    const order = await checkOut(cart.id);
    expect(order.response?.status).toBe(201);
    expect(order.data!.items).toEqual(
      given.map((p, i) => ({
        productId: p.id,
        name: p.name,
        quantity: i + 1,
        unitPriceCents: p.priceCents,
      })),
    );
  });

  it('GET /orders/{id} returns the order as the checkout returned it', async () => {
    const product = await createProduct(t.baseUrl, { name: 'Kept', priceCents: 450 });
    const cart = await createCart(t.baseUrl, [{ productId: product.id, quantity: 3 }]);
    const order = await checkOut(cart.id);
    expect(order.response?.status).toBe(201);

    // Later edits do not rewrite history: name and price are copied at purchase time.
    const edit = await updateProduct({
      client: t.admin,
      path: { id: product.id },
      body: { version: 2, name: 'Renamed', priceCents: 999 },
    });
    expect(edit.response?.status).toBe(200);

    const fetched = await getOrder({ client: t.shopper, path: { id: order.data!.id } });
    expect(fetched.response?.status).toBe(200);
    expect(fetched.data).toEqual({
      id: order.data!.id,
      status: 'confirmed',
      items: [{ productId: product.id, name: 'Kept', quantity: 3, unitPriceCents: 450 }],
      totalCents: 1350,
      currency: 'USD',
      email: null,
      createdAt: expect.any(String),
    });
    expect(fetched.data).toEqual(order.data);
    expect(new Date(fetched.data!.createdAt).getTime()).not.toBeNaN();
  });

  it('PUT refuses a line beyond the cart limit with 400 VALIDATION_FAILED, and changes nothing', async () => {
    const products = [];
    for (let i = 0; i <= MAX_CART_LINES; i++) products.push(await createProduct(t.baseUrl));
    const full = await createCart(
      t.baseUrl,
      products.slice(0, MAX_CART_LINES).map((product) => ({ productId: product.id, quantity: 1 })),
    );
    const before = await fingerprint(t.db);

    const refused = await put(full.id, products[MAX_CART_LINES].id, 1, full.version);
    expect(expectProblem(refused, 400, 'VALIDATION_FAILED').errors).toEqual([
      { field: 'productId', message: expect.stringContaining(`${MAX_CART_LINES} lines`) },
    ]);
    expect(await fingerprint(t.db)).toEqual(before);

    // A full cart's lines can still change.
    const changed = await put(full.id, products[0].id, 2, full.version);
    expect(changed.response?.status).toBe(200);
    expect(changed.data?.items).toHaveLength(MAX_CART_LINES);
  });

  it('the sweep deletes open carts unchanged past the retention, and keeps checked-out and fresh ones', async () => {
    const product = await createProduct(t.baseUrl, { stock: 5 });
    const line = [{ productId: product.id, quantity: 1 }];
    const abandoned = await createCart(t.baseUrl, line);
    const checkedOut = await createCart(t.baseUrl, line);
    expect((await checkOut(checkedOut.id)).response?.status).toBe(201);
    const fresh = await createCart(t.baseUrl, line);
    // Default retention: 72 hours.
    await t.db.query(
      `update carts set updated_at = now() - interval '73 hours' where id = any($1::uuid[])`,
      [[abandoned.id, checkedOut.id]],
    );

    await t.app.get(CartService).sweepAbandoned();

    expect(await storedCart(abandoned.id)).toBeUndefined();
    const [{ n }] = await t.db.query<{ n: string }>(
      'select count(*) as n from cart_items where cart_id = $1',
      [abandoned.id],
    );
    expect(Number(n)).toBe(0);
    expect(await storedCart(checkedOut.id)).toMatchObject({ status: 'checked_out' });
    expect(await ordersOfCart(checkedOut.id)).toBe(1);
    expect(await storedCart(fresh.id)).toMatchObject({ status: 'open' });
    expect((await readCart(fresh.id))?.items).toHaveLength(1);
  });
});
