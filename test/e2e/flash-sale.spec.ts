import { checkout, type Client } from '../../client/sdk/src/index';
import {
  countStatuses,
  createProduct,
  expectProblem,
  startTestApp,
  type TestApp,
} from '../support/app';
import { soldOf, storedProduct, type TestDatabase } from '../support/database';

/** Fires every purchase at once and waits for all of them. */
const buyAll = (shoppers: Client[], productId: string, quantities: number[]) =>
  Promise.all(
    quantities.map((quantity, i) =>
      checkout({ client: shoppers[i % shoppers.length], body: { productId, quantity } }),
    ),
  );

type Purchase = Awaited<ReturnType<typeof buyAll>>[number];
const served = (r: Purchase) => r.response?.status === 201;

/** The ids of the orders that the database holds for one product. */
async function storedOrderIds(db: TestDatabase, productId: string): Promise<string[]> {
  const rows = await db.query<{ order_id: string }>(
    'select order_id from order_items where product_id = $1 order by order_id',
    [productId],
  );
  return rows.map((row) => row.order_id);
}

/**
 * The flash-sale outcome: exactly `stock` single-unit orders, every other buyer refused with
 * OUT_OF_STOCK, nothing left, and the database agreeing with what the clients were told.
 */
async function expectExactSellOut(
  db: TestDatabase,
  productId: string,
  stock: number,
  responses: Purchase[],
): Promise<void> {
  expect(countStatuses(responses)).toEqual({ 201: stock, 409: responses.length - stock });
  const sold = responses.filter(served);
  for (const refusal of responses.filter((r) => !served(r))) {
    const body = expectProblem(refusal, 409, 'OUT_OF_STOCK');
    expect(body).toMatchObject({ productId, requested: 1, available: 0 });
  }
  for (const { data } of sold) {
    expect(data).toMatchObject({
      status: 'confirmed',
      items: [{ productId, quantity: 1, unitPriceCents: 500 }],
      totalCents: 500,
    });
  }

  expect(await storedProduct(db, productId)).toMatchObject({ stock: 0 });
  expect(await soldOf(db, productId)).toEqual({ orders: stock, lines: stock, units: stock });
  // Every order a client was told about is stored, and no order was stored behind its back.
  const told = sold.map((r) => r.data!.id).sort();
  expect(new Set(told).size).toBe(stock);
  expect(await storedOrderIds(db, productId)).toEqual(told);
}

describe('flash sale on one instance', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  it('sells exactly 100 of 100 units to 300 concurrent buyers and refuses the other 200', async () => {
    const product = await createProduct(t.baseUrl, { stock: 100, priceCents: 500 });
    const responses = await buyAll([t.shopper], product.id, Array(300).fill(1));
    await expectExactSellOut(t.db, product.id, 100, responses);
  });

  it('serves all 150 concurrent buyers when demand is under the stock', async () => {
    const product = await createProduct(t.baseUrl, { stock: 1000 });
    const responses = await buyAll([t.shopper], product.id, Array(150).fill(1));

    expect(countStatuses(responses)).toEqual({ 201: 150 });
    expect(await storedProduct(t.db, product.id)).toMatchObject({ stock: 850 });
    expect(await soldOf(t.db, product.id)).toEqual({ orders: 150, lines: 150, units: 150 });
  });

  it('refuses the order that no longer fits and still serves the ones that do (3, 3, 2 of 5)', async () => {
    // Served in arrival order while stock lasts, every arrival order of 3, 3 and 2 sells
    // exactly 5 units and refuses exactly one of the 3s.
    const product = await createProduct(t.baseUrl, { stock: 5 });
    const quantities = [3, 3, 2];
    const responses = await buyAll([t.shopper], product.id, quantities);
    const { stock: left } = await storedProduct(t.db, product.id);

    const sold = responses.flatMap((r, i) => (served(r) ? [quantities[i]] : []));
    const refused = responses.flatMap((r, i) => (served(r) ? [] : [{ r, i }]));
    expect(sold.reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(5);
    expect(left + sold.reduce((a, b) => a + b, 0)).toBe(5);
    expect((await soldOf(t.db, product.id)).units).toBe(5 - left);
    for (const { r, i } of refused) {
      const body = expectProblem(r, 409, 'OUT_OF_STOCK');
      expect(body.requested).toBe(quantities[i]);
      // What was left when it was refused: too little for it, and never less than what is left now.
      expect(body.available).toBeLessThan(quantities[i]);
      expect(body.available).toBeGreaterThanOrEqual(left);
    }
    expect(sold.sort()).toEqual([2, 3]);
    expect(left).toBe(0);
  });

  it('keeps stock + units sold equal to the starting stock for mixed quantities', async () => {
    const product = await createProduct(t.baseUrl, { stock: 50 });
    const quantities = Array.from({ length: 60 }, (_, i) => (i % 5) + 1); // 180 units wanted
    const responses = await buyAll([t.shopper], product.id, quantities);
    const { stock: left } = await storedProduct(t.db, product.id);

    const servedUnits = responses.reduce((sum, r, i) => sum + (served(r) ? quantities[i] : 0), 0);
    expect(left + servedUnits).toBe(50);
    expect(await soldOf(t.db, product.id)).toMatchObject({
      units: servedUnits,
      orders: responses.filter(served).length,
    });
    responses.forEach((r, i) => {
      if (served(r)) return;
      const body = expectProblem(r, 409, 'OUT_OF_STOCK');
      expect(body.available).toBeLessThan(quantities[i]);
      expect(body.available).toBeGreaterThanOrEqual(left);
    });
    // Nobody was refused who could still be served from what is left.
    const smallestRefused = Math.min(...quantities.filter((_, i) => !served(responses[i])));
    expect(left).toBeLessThan(smallestRefused);
  });
});

describe('flash sale across two instances sharing one database', () => {
  let first: TestApp;
  let second: TestApp;
  beforeAll(async () => {
    first = await startTestApp();
    second = await startTestApp({ db: first.db });
  });
  afterAll(async () => {
    await second?.close();
    await first?.close();
  });

  it('sells exactly 100 of 100 units when 300 buyers alternate between the instances', async () => {
    const product = await createProduct(first.baseUrl, { stock: 100, priceCents: 500 });
    const shoppers = [first.shopper, second.shopper];
    const responses = await buyAll(shoppers, product.id, Array(300).fill(1));
    await expectExactSellOut(first.db, product.id, 100, responses);
  });
});
