// Request ids, health probes, metrics and HTTP hardening, over real HTTP.
import { checkout, getHealth, getLiveness, getReadiness } from '../../client/sdk/src/index';
import { createProduct, startTestApp, type TestApp } from '../support/app';

describe('observability and hardening', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ env: { CORS_ORIGINS: 'https://shop.example' } });
  });
  afterAll(() => t.close());

  it('gives every response a request id, echoed in error bodies', async () => {
    const ok = await fetch(`${t.baseUrl}/products`);
    expect(ok.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);

    const failed = await fetch(`${t.baseUrl}/products/not-a-uuid`, {
      headers: { 'x-request-id': 'trace-abc.123' },
    });
    expect(failed.headers.get('x-request-id')).toBe('trace-abc.123');
    expect((await failed.json()).requestId).toBe('trace-abc.123');
  });

  it('answers the liveness and readiness probes', async () => {
    expect((await getLiveness({ client: t.shopper })).data).toEqual({ status: 'ok' });
    expect((await getReadiness({ client: t.shopper })).data).toEqual({ status: 'ok' });
    expect((await getHealth({ client: t.shopper })).response?.status).toBe(200);
  });

  it('counts checkout outcomes and request latency in /metrics', async () => {
    const product = await createProduct(t.baseUrl, { stock: 1 });
    const body = { productId: product.id, quantity: 1 };
    expect((await checkout({ client: t.shopper, body })).response?.status).toBe(201);
    expect((await checkout({ client: t.shopper, body })).error?.code).toBe('OUT_OF_STOCK');

    const response = await fetch(`${t.baseUrl}/metrics`);
    const text = await response.text();

    expect(response.headers.get('content-type')).toContain('text/plain');
    expect(text).toMatch(/checkout_outcomes_total\{kind="single",outcome="ok"\} [1-9]/);
    expect(text).toMatch(/checkout_outcomes_total\{kind="single",outcome="out_of_stock"\} [1-9]/);
    expect(text).toContain(
      'http_request_duration_seconds_bucket{le="0.005",method="POST",route="/checkout"',
    );
    expect(text).toContain('db_pool_connections');
  });

  it('sends security headers', async () => {
    const response = await fetch(`${t.baseUrl}/products`);
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    expect(response.headers.get('content-security-policy')).toContain("default-src 'self'");
  });

  it('allows configured origins only', async () => {
    const preflight = (origin: string) =>
      fetch(`${t.baseUrl}/checkout`, {
        method: 'OPTIONS',
        headers: {
          origin,
          'access-control-request-method': 'POST',
          'access-control-request-headers': 'content-type,idempotency-key',
        },
      });
    const allowed = await preflight('https://shop.example');
    const refused = await preflight('https://evil.example');
    expect(allowed.headers.get('access-control-allow-origin')).toBe('https://shop.example');
    expect(refused.headers.get('access-control-allow-origin')).toBeNull();
  });
});
