// The checkout rate limit: @nestjs/throttler, in Redis when REDIS_URL is set (as CI sets it), so
// that every instance shares the count, and in memory otherwise.
import { randomUUID } from 'node:crypto';
import { checkout, createCart, listProducts } from '../../client/sdk/src/index';
import { api, createProduct, expectProblem, startTestApp, type TestApp } from '../support/app';

const redisUrl = process.env.REDIS_URL;

describe(`checkout rate limit (${redisUrl ? 'Redis, two instances' : 'memory, one instance'})`, () => {
  let first: TestApp;
  let second: TestApp;
  beforeAll(async () => {
    // A prefix of its own, so that no other run sharing the Redis server counts with this one.
    const env = {
      RATE_LIMIT_CHECKOUT_PER_MINUTE: '5',
      REDIS_KEY_PREFIX: `test-${randomUUID()}:`,
      ...(redisUrl ? { REDIS_URL: redisUrl } : {}),
    };
    first = await startTestApp({ env });
    second = redisUrl ? await startTestApp({ env, db: first.db }) : first;
  });
  afterAll(async () => {
    if (second !== first) await second.close();
    await first.close();
  });

  const stockOf = async (id: string) =>
    (await first.db.query<{ stock: number }>('select stock from products where id = $1', [id]))[0]
      .stock;

  it('answers 429 with Retry-After past the limit, counting every instance, and replays free', async () => {
    const product = await createProduct(first.baseUrl, { stock: 100 });
    const body = { productId: product.id, quantity: 1 };
    const keys = Array.from({ length: 5 }, () => ({ 'idempotency-key': randomUUID() }));
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) {
      const target = i % 2 === 0 ? first : second;
      const { response } = await checkout({ client: target.shopper, body, headers: keys[i] });
      statuses.push(response!.status);
    }
    const limited = await fetch(`${second.baseUrl}/checkout`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    const problem = await limited.json();
    // A shopper retrying a purchase that went through is answered, not limited.
    const replay = await checkout({ client: second.shopper, body, headers: keys[0] });

    expect(statuses).toEqual([201, 201, 201, 201, 201]);
    expect(limited.status).toBe(429);
    expect(problem.code).toBe('RATE_LIMITED');
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(replay.response?.status).toBe(201);
    expect(await stockOf(product.id)).toBe(95);
  });

  it('limits cart checkout in the same count', async () => {
    const product = await createProduct(first.baseUrl, { stock: 10 });
    const cart = await createCart({
      client: first.shopper,
      body: { items: [{ productId: product.id, quantity: 1 }] },
    });
    // Raw, to check the problem's media type as well.
    const response = await api(first.baseUrl, 'POST', `/cart/${cart.data!.id}/checkout`);
    expectProblem(response, 429, 'RATE_LIMITED');
    expect(await stockOf(product.id)).toBe(10);
  });

  it('leaves browsing alone', async () => {
    const responses = await Promise.all(
      Array.from({ length: 20 }, () => listProducts({ client: first.shopper })),
    );
    expect(responses.every((r) => r.response?.status === 200)).toBe(true);
  });
});

describe('checkout rate limit with its Redis unreachable', () => {
  let t: TestApp;
  beforeAll(async () => {
    // Nothing listens on port 9 (discard) here: every Redis command fails at once.
    t = await startTestApp({
      env: { RATE_LIMIT_CHECKOUT_PER_MINUTE: '1', REDIS_URL: 'redis://127.0.0.1:9' },
    });
  });
  afterAll(() => t.close());

  it('lets shoppers buy rather than refuse them', async () => {
    const product = await createProduct(t.baseUrl, { stock: 10 });
    const body = { productId: product.id, quantity: 1 };
    const statuses: number[] = [];
    for (let i = 0; i < 3; i++) {
      statuses.push((await checkout({ client: t.shopper, body })).response!.status);
    }
    expect(statuses).toEqual([201, 201, 201]);
  });
});
