import { api, createProduct, startTestApp, type TestApp } from '../support/app';

describe('smoke', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  it('sells', async () => {
    const p = await createProduct(t.baseUrl, { stock: 2 });
    const res = await api(t.baseUrl, 'POST', '/checkout', { productId: p.id, quantity: 1 });
    expect(res.status).toBe(201);
  });
});
