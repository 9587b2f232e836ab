// Cart creation is limited per client (RATE_LIMIT_CARTS_PER_MINUTE), in its own count: checkouts
// neither spend it nor are spent by it.
import { randomUUID } from 'node:crypto';
import { checkout, createCart } from '../../client/sdk/src/index';
import { createProduct, expectProblem, startTestApp, type TestApp } from '../support/app';

const redisUrl = process.env.REDIS_URL;

describe('cart creation limit', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({
      env: {
        RATE_LIMIT_CARTS_PER_MINUTE: '3',
        RATE_LIMIT_CHECKOUT_PER_MINUTE: '3',
        REDIS_KEY_PREFIX: `test-${randomUUID()}:`,
        ...(redisUrl ? { REDIS_URL: redisUrl } : {}),
      },
    });
  });
  afterAll(() => t.close());

  const cartCount = async () =>
    Number((await t.db.query<{ n: string }>('select count(*) as n from carts'))[0].n);

  it('answers 429 RATE_LIMITED with Retry-After past the limit, and creates no cart', async () => {
    const product = await createProduct(t.baseUrl, { stock: 10 });
    const body = { items: [{ productId: product.id, quantity: 1 }] };
    const statuses: number[] = [];
    for (let i = 0; i < 3; i++) {
      statuses.push((await createCart({ client: t.shopper, body })).response!.status);
    }
    expect(statuses).toEqual([201, 201, 201]);
    const before = await cartCount();

    const limited = await createCart({ client: t.shopper, body });
    const problem = expectProblem(limited, 429, 'RATE_LIMITED');
    expect(problem.retryAfterSeconds).toBeGreaterThan(0);
    expect(Number(limited.response!.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(await cartCount()).toBe(before);

    // The checkout limit keeps its own budget.
    const bought = await checkout({
      client: t.shopper,
      body: { productId: product.id, quantity: 1 },
    });
    expect(bought.response?.status).toBe(201);
  });
});
