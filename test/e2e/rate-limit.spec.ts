// The checkout rate limit, counted in PostgreSQL so that every instance shares it.
import { api, createProduct, startTestApp, type TestApp } from '../support/app';

describe('checkout rate limit', () => {
  let first: TestApp;
  let second: TestApp;
  beforeAll(async () => {
    const env = { RATE_LIMIT_CHECKOUT_PER_MINUTE: '5' };
    first = await startTestApp({ env });
    second = await startTestApp({ env, db: first.db });
  });
  afterAll(async () => {
    await second.close();
    await first.close();
  });

  it('answers 429 with Retry-After past the limit, counting across instances', async () => {
    const product = await createProduct(first.baseUrl, { stock: 100 });
    const body = { productId: product.id, quantity: 1 };
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) {
      const target = i % 2 === 0 ? first : second;
      statuses.push((await api(target.baseUrl, 'POST', '/checkout', body)).status);
    }
    const response = await fetch(`${second.baseUrl}/checkout`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    const problem = await response.json();

    expect(statuses).toEqual([201, 201, 201, 201, 201]);
    expect(response.status).toBe(429);
    expect(problem.code).toBe('RATE_LIMITED');
    expect(Number(response.headers.get('retry-after'))).toBeGreaterThan(0);
    const [{ stock }] = await first.db.query<{ stock: number }>(
      'select stock from products where id = $1',
      [product.id],
    );
    expect(stock).toBe(95);
  });

  it('leaves browsing alone', async () => {
    const responses = await Promise.all(
      Array.from({ length: 20 }, () => api(first.baseUrl, 'GET', '/products')),
    );
    expect(responses.every((r) => r.status === 200)).toBe(true);
  });
});
