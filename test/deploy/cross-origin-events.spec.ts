// Live stock from another origin: the SSE reply keeps the headers every other reply gets (CORS
// when CORS_ORIGINS allows the page's origin, the security headers, x-request-id), so a
// storefront served elsewhere can open an EventSource on the API. Checked over plain HTTP and in
// a real Chromium.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser } from 'playwright-core';
import { describeInBrowser, launchBrowser } from '../browser/support/browser';
import { api, createProduct, startTestApp, type TestApp } from '../support/app';
import { openEventStream } from '../support/sse';

/** A blank page on an origin of its own. */
async function servePage(): Promise<{ server: Server; origin: string }> {
  const server = createServer((_request, response) => {
    response.writeHead(200, { 'content-type': 'text/html' });
    response.end('<!doctype html><title>another origin</title>');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

describe('live stock stream headers', () => {
  let pages: { server: Server; origin: string }[];
  let t: TestApp;
  beforeAll(async () => {
    pages = [await servePage(), await servePage()];
    t = await startTestApp({ env: { CORS_ORIGINS: pages[0].origin } });
  });
  afterAll(async () => {
    await t.close();
    for (const page of pages) page.server.close();
  });

  it('keeps CORS, the security headers and x-request-id on the event stream', async () => {
    const stream = await openEventStream(`${t.baseUrl}/products/events`, {
      origin: pages[0].origin,
      'x-request-id': 'sse-trace-1',
    });
    try {
      expect(stream.status).toBe(200);
      expect(stream.headers.get('content-type')).toMatch(/^text\/event-stream/);
      expect(stream.headers.get('access-control-allow-origin')).toBe(pages[0].origin);
      expect(stream.headers.get('x-request-id')).toBe('sse-trace-1');
      expect(stream.headers.get('x-content-type-options')).toBe('nosniff');
      expect(stream.headers.get('content-security-policy')).toContain("default-src 'self'");
      expect(stream.headers.get('cache-control')).toMatch(/no-cache/);

      const product = await createProduct(t.baseUrl, { stock: 3 });
      await api(t.baseUrl, 'POST', '/checkout', { productId: product.id, quantity: 1 });
      const event = await stream.waitFor(
        (e) => e.event === 'stock' && e.data.productId === product.id && e.data.stock === 2,
        15_000,
        0,
      );
      expect(event.data.version).toBeGreaterThan(product.version);
    } finally {
      stream.close();
    }
  });

  it('gives no CORS grant to an origin CORS_ORIGINS does not list', async () => {
    const stream = await openEventStream(`${t.baseUrl}/products/events`, {
      origin: pages[1].origin,
    });
    stream.close();
    expect(stream.headers.get('access-control-allow-origin')).toBeNull();
  });
});

describeInBrowser('cross-origin EventSource (Chromium)', () => {
  let pages: { server: Server; origin: string }[];
  let t: TestApp;
  let browser: Browser;
  beforeAll(async () => {
    pages = [await servePage(), await servePage()];
    [t, browser] = await Promise.all([
      startTestApp({ env: { CORS_ORIGINS: pages[0].origin } }),
      launchBrowser(),
    ]);
  });
  afterAll(async () => {
    await browser?.close();
    await t?.close();
    for (const page of pages ?? []) page.server.close();
  });

  /** Opens an EventSource on the API from a page of `origin`; resolves with what happened. */
  async function listenFrom(origin: string, productId: string, buy: () => Promise<void>) {
    const page = await browser.newPage();
    try {
      await page.goto(origin);
      const opened = await page.evaluate(
        (url) =>
          new Promise<string>((resolve) => {
            const source = new EventSource(url);
            const heard: unknown[] = [];
            (window as unknown as { heard: unknown[] }).heard = heard;
            source.addEventListener('stock', (event) =>
              heard.push(JSON.parse((event as MessageEvent<string>).data)),
            );
            source.onopen = () => resolve('open');
            source.onerror = () => resolve(source.readyState === 2 ? 'refused' : 'retrying');
          }),
        `${t.baseUrl}/products/events`,
      );
      if (opened !== 'open') return { opened };
      await buy();
      const received = await page.waitForFunction(
        (id) =>
          (window as unknown as { heard: { productId: string; stock: number }[] }).heard.find(
            (data) => data.productId === id && data.stock === 3,
          ),
        productId,
        { timeout: 15_000 },
      );
      return { opened, event: await received.jsonValue() };
    } finally {
      await page.close();
    }
  }

  it('works from an origin CORS_ORIGINS allows', async () => {
    const product = await createProduct(t.baseUrl, { stock: 5 });
    const outcome = await listenFrom(pages[0].origin, product.id, async () => {
      const bought = await api(t.baseUrl, 'POST', '/checkout', {
        productId: product.id,
        quantity: 2,
      });
      expect(bought.status).toBe(201);
    });
    expect(outcome).toEqual({
      opened: 'open',
      event: expect.objectContaining({ productId: product.id, stock: 3 }),
    });
  });

  it('is refused to an origin it does not list', async () => {
    const product = await createProduct(t.baseUrl, { stock: 5 });
    const outcome = await listenFrom(pages[1].origin, product.id, async () => undefined);
    expect(outcome).toEqual({ opened: 'refused' });
  });
});
