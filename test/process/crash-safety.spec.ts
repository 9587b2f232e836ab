// The service as its own process, killed in the middle of a flash sale and restarted.
import { setTimeout as sleep } from 'node:timers/promises';
import { api, createProduct } from '../support/app';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { spawnService, type ServiceProcess } from '../support/service-process';

const PRODUCTS = 3;
const STOCK = 120;
const SHOPPERS = 40;
const PURCHASES_PER_SHOPPER = 12;
const KILLS = 2;

describe('crash safety', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(() => db.drop());

  it('loses and doubles no order and no unit of stock when SIGKILLed mid-sale', async () => {
    let service: ServiceProcess = await spawnService(db.url);
    const port = Number(new URL(service.baseUrl).port);
    const products = await Promise.all(
      Array.from({ length: PRODUCTS }, () => createProduct(service.baseUrl, { stock: STOCK })),
    );
    /** Idempotency key → order id, for every purchase the client saw answered 201. */
    const confirmed = new Map<string, string>();
    const unexpected: string[] = [];
    let requests = 0;

    /** One purchase, retried with its key until it has a definite answer. */
    const purchase = async (key: string, productId: string, quantity: number) => {
      for (const deadline = Date.now() + 60_000; Date.now() < deadline;) {
        requests++;
        const response = await api<{ id: string; code?: string }>(
          service.baseUrl,
          'POST',
          '/checkout',
          { productId, quantity },
          { 'idempotency-key': key },
        ).catch(() => undefined);
        if (response?.status === 201) return void confirmed.set(key, response.body.id);
        if (response?.status === 409 && response.body.code === 'OUT_OF_STOCK') return;
        // No answer (the process was killed) or a shutting-down 503: ask again with the same key.
        if (response && response.status !== 503) {
          unexpected.push(`${response.status} ${JSON.stringify(response.body)}`);
          return;
        }
        await sleep(50);
      }
      unexpected.push(`no definite answer for ${key}`);
    };

    const shoppers = Promise.all(
      Array.from({ length: SHOPPERS }, async (_, shopper) => {
        for (let i = 0; i < PURCHASES_PER_SHOPPER; i++) {
          const product = products[(shopper + i) % PRODUCTS];
          await purchase(`shopper-${shopper}-${i}`, product.id, 1 + (i % 2));
        }
      }),
    );

    for (let kill = 1; kill <= KILLS; kill++) {
      while (confirmed.size < kill * 60) await sleep(10);
      service.child.kill('SIGKILL');
      expect(await service.exited).toBe('SIGKILL');
      service = await spawnService(db.url, port);
    }
    await shoppers;

    service.child.kill('SIGTERM');
    expect(await service.exited).toBe(0);

    expect(unexpected).toEqual([]);
    for (const product of products) {
      const [{ stock, ordered }] = await db.query<{ stock: number; ordered: string }>(
        `select p.stock, coalesce(sum(i.quantity), 0) as ordered
           from products p left join order_items i on i.product_id = p.id
          where p.id = $1 group by p.stock`,
        [product.id],
      );
      expect(stock + Number(ordered)).toBe(STOCK);
    }
    const orders = await db.query<{ id: string }>('select id from orders');
    expect(orders.map((o) => o.id).sort()).toEqual([...confirmed.values()].sort());
    expect(requests).toBeGreaterThan(SHOPPERS * PURCHASES_PER_SHOPPER);
  });

  it('finishes in-flight requests on SIGTERM before exiting', async () => {
    const service = await spawnService(db.url);
    const product = await createProduct(service.baseUrl, { stock: 10_000 });
    const inFlight = Array.from({ length: 200 }, () =>
      api(service.baseUrl, 'POST', '/checkout', { productId: product.id, quantity: 1 }).then(
        (response) => response.status,
        (error: Error & { cause?: { code?: string } }) => error.cause?.code ?? error.message,
      ),
    );
    // Stop once the sale is under way, with most requests still queued or running.
    await Promise.race(inFlight);
    service.child.kill('SIGTERM');
    const outcomes = await Promise.all(inFlight);
    expect(await service.exited).toBe(0);

    // Every request gets an answer or a connection-level refusal that a client can safely
    // retry (with an Idempotency-Key): never a 500, and every 201 has its order.
    const created = outcomes.filter((o) => o === 201).length;
    const allowed = new Set<unknown>([201, 503, 'ECONNREFUSED', 'ECONNRESET', 'UND_ERR_SOCKET']);
    expect(outcomes.filter((o) => !allowed.has(o))).toEqual([]);
    const [{ n }] = await db.query<{ n: string }>(
      'select count(*) as n from order_items where product_id = $1',
      [product.id],
    );
    expect(Number(n)).toBe(created);
    expect(created).toBeGreaterThan(0);
  });
});
