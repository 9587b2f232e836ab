// Three instances of the service on one database, as `docker compose up --scale api=3` runs it.
import { checkout } from '../../client/sdk/src/index';
import { createProduct, startTestApp, type TestApp } from '../support/app';

describe('three instances on one database', () => {
  const instances: TestApp[] = [];
  beforeAll(async () => {
    instances.push(await startTestApp());
    for (let i = 0; i < 2; i++) instances.push(await startTestApp({ db: instances[0].db }));
  });
  afterAll(async () => {
    for (const instance of instances.reverse()) await instance.close();
  });
  const at = (i: number) => instances[i % instances.length].baseUrl;
  const shopperAt = (i: number) => instances[i % instances.length].shopper;

  it('sells exactly the stock in a flash sale spread across them', async () => {
    const product = await createProduct(at(0), { stock: 100 });
    const responses = await Promise.all(
      Array.from({ length: 300 }, (_, i) =>
        checkout({ client: shopperAt(i), body: { productId: product.id, quantity: 1 } }),
      ),
    );

    const statuses = responses.map((r) => r.response?.status);
    expect(statuses.filter((s) => s === 201)).toHaveLength(100);
    expect(
      responses.filter((r) => r.response?.status === 409 && r.error?.code === 'OUT_OF_STOCK'),
    ).toHaveLength(200);
    const [{ stock, ordered }] = await instances[0].db.query<{ stock: number; ordered: string }>(
      `select p.stock, (select coalesce(sum(quantity), 0) from order_items where product_id = p.id) as ordered
         from products p where p.id = $1`,
      [product.id],
    );
    expect(stock).toBe(0);
    expect(Number(ordered)).toBe(100);
  });

  it('holds an idempotency key across instances', async () => {
    const product = await createProduct(at(0), { stock: 50 });
    const headers = { 'idempotency-key': `across-${product.id}` };
    const body = { productId: product.id, quantity: 1 };
    const first = await checkout({ client: shopperAt(0), body, headers });
    const replays = await Promise.all(
      [1, 2, 1, 2].map((i) => checkout({ client: shopperAt(i), body, headers })),
    );

    expect(first.response?.status).toBe(201);
    for (const replay of replays) expect(replay.data?.id).toBe(first.data!.id);
    const [{ n }] = await instances[0].db.query<{ n: string }>(
      'select count(*) as n from order_items where product_id = $1',
      [product.id],
    );
    expect(Number(n)).toBe(1);
  });

  it('answers one key sent to every instance at once with one order', async () => {
    const product = await createProduct(at(0), { stock: 50 });
    const headers = { 'idempotency-key': `at-once-${product.id}` };
    const body = { productId: product.id, quantity: 1 };
    // The instances that claim the key after the first wait on it until that request commits,
    // then answer with its order.
    const responses = await Promise.all(
      Array.from({ length: 12 }, (_, i) => checkout({ client: shopperAt(i), body, headers })),
    );

    expect(responses.map((r) => r.response?.status)).toEqual(Array(12).fill(201));
    expect(new Set(responses.map((r) => r.data?.id)).size).toBe(1);
    const [{ n, stock }] = await instances[0].db.query<{ n: string; stock: number }>(
      `select (select count(*) from order_items where product_id = p.id) as n, p.stock
         from products p where p.id = $1`,
      [product.id],
    );
    expect(Number(n)).toBe(1);
    expect(stock).toBe(49);
  });
});
