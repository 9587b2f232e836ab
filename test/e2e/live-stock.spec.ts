// The live-stock stream on the real service and database: many changes of many products reach a
// page as each product's last value, the stream cap refuses past its bound with a documented 503
// and frees slots as pages leave, and a page that stops reading gets the latest values on resuming.
import { connect } from 'node:net';
import { StockEventsService } from '../../src/products/stock-events.service';
import { api, createProduct, startTestApp, type TestApp } from '../support/app';
import { openEventStream, type EventStream } from '../support/sse';

const STREAMS_MAX = 3;

describe('live stock', () => {
  let t: TestApp;
  let streams: StockEventsService;

  beforeAll(async () => {
    t = await startTestApp({ env: { EVENT_STREAMS_MAX: String(STREAMS_MAX) } });
    streams = t.app.get(StockEventsService);
  });
  afterAll(() => t.close());

  /** Waits until this instance holds exactly `open` streams (pages leave asynchronously). */
  async function openStreams(open: number): Promise<void> {
    for (let waited = 0; streams.streams().open !== open; waited += 20) {
      if (waited > 15_000) throw new Error(`${streams.streams().open} streams open, not ${open}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  /** Changes every product's stock `times` times, one transaction per round, back to back. */
  async function churn(ids: string[], times: number): Promise<Map<string, number>> {
    for (let i = 0; i < times; i++) {
      await t.db.query(
        'update products set stock = stock - 1, version = version + 1 where id = any($1)',
        [ids],
      );
    }
    const rows = await t.db.query<{ id: string; stock: number }>(
      'select id, stock from products where id = any($1)',
      [ids],
    );
    return new Map(rows.map((row) => [row.id, row.stock]));
  }

  /** The last `stock` value each product had in the events so far. */
  function lastValues(events: EventStream['events']): Map<string, number> {
    const last = new Map<string, number>();
    for (const { event, data } of events) {
      if (event === 'stock') last.set(data.productId, data.stock);
    }
    return last;
  }

  it('sends every product its last value, however many changes land at once', async () => {
    const ids = (
      await Promise.all(Array.from({ length: 20 }, () => createProduct(t.baseUrl, { stock: 1000 })))
    ).map((product) => product.id);
    const stream = await openEventStream(`${t.baseUrl}/products/events`);
    try {
      expect(stream.status).toBe(200);
      const truth = await churn(ids, 15);
      for (const [id, stock] of truth) {
        await stream.waitFor(
          (e) => e.event === 'stock' && e.data.productId === id && e.data.stock === stock,
          15_000,
          0,
        );
      }
      // No older value came after the last one: each product ends at the database's stock.
      const last = lastValues(stream.events);
      for (const [id, stock] of truth) expect(last.get(id)).toBe(stock);
      for (const { data } of stream.events.filter((e) => e.event === 'stock')) {
        expect(Object.keys(data).sort()).toEqual(['productId', 'stock', 'version']);
      }
    } finally {
      stream.close();
    }
  });

  it('refuses streams past EVENT_STREAMS_MAX with 503 problem+json and Retry-After, and frees slots', async () => {
    await openStreams(0);
    const pages = await Promise.all(
      Array.from({ length: STREAMS_MAX }, () => openEventStream(`${t.baseUrl}/products/events`)),
    );
    try {
      for (const page of pages) expect(page.status).toBe(200);
      const refused = await api<{ code: string; retryAfterSeconds: number }>(
        t.baseUrl,
        'GET',
        '/products/events',
        undefined,
        { accept: 'text/event-stream' },
      );
      expect(refused.status).toBe(503);
      expect(refused.contentType).toMatch(/^application\/problem\+json/);
      expect(refused.body.code).toBe('OVERLOADED');
      const retryAfter = Number(refused.headers.get('retry-after'));
      expect(retryAfter).toBeGreaterThanOrEqual(1);
      expect(refused.body.retryAfterSeconds).toBe(retryAfter);

      // A page leaves: its slot is free again.
      pages.shift()!.close();
      await openStreams(STREAMS_MAX - 1);
      const again = await openEventStream(`${t.baseUrl}/products/events`);
      pages.push(again);
      expect(again.status).toBe(200);
      const product = await createProduct(t.baseUrl, { stock: 7 });
      await churn([product.id], 1);
      // The new page is live like the others.
      for (const page of pages) {
        await page.waitFor(
          (e) => e.event === 'stock' && e.data.productId === product.id,
          15_000,
          0,
        );
      }
    } finally {
      for (const page of pages) page.close();
    }
    await openStreams(0);
  });

  it('gives a page that stopped reading the latest values when it reads again', async () => {
    const ids = (
      await Promise.all(Array.from({ length: 10 }, () => createProduct(t.baseUrl, { stock: 500 })))
    ).map((product) => product.id);
    const socket = connect(new URL(t.baseUrl).port as unknown as number, '127.0.0.1');
    let received = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => (received += chunk));
    socket.write('GET /products/events HTTP/1.1\r\nhost: x\r\naccept: text/event-stream\r\n\r\n');
    try {
      await openStreams(1);
      socket.pause(); // stops reading
      const truth = await churn(ids, 20);
      // Whatever it could not take is owed as a set of products, never as a queue of events.
      expect(streams.streams().productsOwed).toBeLessThanOrEqual(ids.length);
      socket.resume();
      const stocks = () => {
        const last = new Map<string, number>();
        for (const [, id, stock] of received.matchAll(
          /event: stock\ndata: \{"productId":"([^"]+)","stock":(\d+)/g,
        )) {
          last.set(id, Number(stock));
        }
        return last;
      };
      for (
        let waited = 0;
        [...truth].some(([id, stock]) => stocks().get(id) !== stock);
        waited += 20
      ) {
        if (waited > 15_000) throw new Error(`stale after resuming: ${received.slice(-2000)}`);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      expect(received).toMatch(/^HTTP\/1\.1 200/);
    } finally {
      socket.destroy();
    }
    await openStreams(0);
  });
});
