// The catalogue is answered from memory (src/products/catalogue-snapshot.ts): its answers must be
// the database's, byte for byte, on every instance, after edits, new products and sales.
import { Client } from 'pg';
import { checkout, updateProduct } from '../../client/sdk/src/index';
import { api, createProduct, startTestApp, type TestApp } from '../support/app';

/** A page as the database says it should read, with the answer's own serverTime. */
async function truthPage(t: TestApp, limit: number, offset: number, serverTime: string) {
  const ts = (column: string) =>
    `to_char(${column} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;
  const items = await t.db.query(
    `select id, sku, name, description, price_cents as "priceCents", currency, stock, version,
            ${ts('sale_starts_at')} as "saleStartsAt", ${ts('sale_ends_at')} as "saleEndsAt",
            max_per_customer as "maxPerCustomer", compare_at_price_cents as "compareAtPriceCents",
            image_url as "imageUrl"
       from products order by name, id limit $1 offset $2`,
    [limit, offset],
  );
  const [{ total }] = await t.db.query<{ total: string }>('select count(*) as total from products');
  return JSON.stringify({ items, serverTime, total: Number(total), limit, offset });
}

async function text(baseUrl: string, path: string, headers: Record<string, string> = {}) {
  const response = await fetch(baseUrl + path, { headers });
  return { status: response.status, headers: response.headers, body: await response.text() };
}

/** Whether every page shape and every product read from `at` equals the database now. */
async function matchesDatabase(at: TestApp, truth: TestApp): Promise<string | true> {
  for (const [limit, offset] of [
    [100, 0],
    [2, 1],
    [3, 4],
  ]) {
    // Plain, and gzipped from parts compressed once (fetch inflates it).
    for (const encoding of ['identity', 'gzip']) {
      const page = await text(at.baseUrl, `/products?limit=${limit}&offset=${offset}`, {
        'accept-encoding': encoding,
      });
      const { serverTime } = JSON.parse(page.body) as { serverTime: string };
      const expected = await truthPage(truth, limit, offset, serverTime);
      if (page.body !== expected) return `page ${limit},${offset}:\n${page.body}\n${expected}`;
      const gzipped = page.headers.get('content-encoding') === 'gzip';
      if (gzipped !== (encoding === 'gzip' && page.body.length >= 1024)) {
        return `page ${limit},${offset} as ${encoding}: content-encoding ${gzipped}`;
      }
    }
    const expected = await truthPage(truth, limit, offset, '');
    const { items } = JSON.parse(expected) as { items: { id: string }[] };
    for (const item of items) {
      const one = await text(at.baseUrl, `/products/${item.id}`);
      if (one.body !== JSON.stringify(item)) return `product ${item.id}:\n${one.body}`;
    }
  }
  return true;
}

/** Polls (bounded) until `at` answers as the database does. */
async function eventuallyMatches(at: TestApp, truth: TestApp): Promise<void> {
  let last: string | true = 'never read';
  for (let i = 0; i < 100 && last !== true; i++) {
    last = await matchesDatabase(at, truth);
    if (last !== true) await new Promise((resolve) => setTimeout(resolve, 50));
  }
  expect(last).toBe(true);
}

describe('catalogue from memory, on two instances', () => {
  let a: TestApp;
  let b: TestApp;
  beforeAll(async () => {
    a = await startTestApp();
    b = await startTestApp({ db: a.db });
  });
  afterAll(async () => {
    await b.close();
    await a.close();
  });

  it('answers as the database after new products, an edit and a sale', async () => {
    // Names whose order is the database's collation's to decide; timestamps with microseconds.
    await createProduct(a.baseUrl, { name: 'banana' });
    await createProduct(a.baseUrl, { name: 'Banana' });
    await createProduct(a.baseUrl, { name: 'apple pie' });
    const drop = await createProduct(a.baseUrl, {
      name: 'Zebra drop',
      saleStartsAt: '2031-01-02T03:04:05.123456789+08:00',
      maxPerCustomer: 2,
      compareAtPriceCents: 5000,
      imageUrl: '/images/products/tee-classic.svg',
    });
    const sold = await createProduct(a.baseUrl, { name: 'Échelle', stock: 50 });
    await eventuallyMatches(a, a);
    await eventuallyMatches(b, a);

    // An edit through A: A's own next read shows it, B's soon after.
    const edited = await updateProduct({
      client: a.admin,
      path: { id: drop.id },
      body: { version: drop.version, name: 'Aardvark drop', description: 'Moved to the top.' },
    });
    expect(edited.response?.status).toBe(200);
    expect(await matchesDatabase(a, a)).toBe(true);
    await eventuallyMatches(b, a);

    // A new product through B: seen by A.
    await createProduct(b.baseUrl, { name: 'Middle', stock: 7 });
    expect(await matchesDatabase(b, a)).toBe(true);
    await eventuallyMatches(a, a);

    // A sale through both.
    const answers = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        checkout({
          client: (i % 2 ? a : b).shopper,
          body: { productId: sold.id, quantity: 1 },
        }),
      ),
    );
    expect(answers.every((answer) => answer.response?.status === 201)).toBe(true);
    await eventuallyMatches(a, a);
    await eventuallyMatches(b, a);
    const page = await text(b.baseUrl, `/products/${sold.id}`);
    expect(JSON.parse(page.body)).toMatchObject({ stock: 30 });
  });

  it('answers a view without the database: products locked against every reader', async () => {
    const product = await createProduct(a.baseUrl, { name: 'Locked away' });
    await eventuallyMatches(b, a);
    const locker = new Client({ connectionString: a.db.url });
    await locker.connect();
    try {
      await locker.query('begin');
      await locker.query('lock table products in access exclusive mode');
      // A read of the table would wait for the lock; the bound only keeps a failure from hanging.
      for (const at of [a, b]) {
        for (const path of ['/products?limit=5', `/products/${product.id}`]) {
          const response = await fetch(at.baseUrl + path, { signal: AbortSignal.timeout(10_000) });
          expect(response.status).toBe(200);
          await response.arrayBuffer();
        }
      }
    } finally {
      await locker.query('rollback');
      await locker.end();
    }
  });

  it('answers 304 to a matching If-None-Match, and 200 with a new ETag after a change', async () => {
    const product = await createProduct(a.baseUrl, { name: 'Revalidated', stock: 5 });
    for (const path of ['/products?limit=100', `/products/${product.id}`]) {
      await eventuallyMatches(b, a);
      const first = await api(b.baseUrl, 'GET', path);
      expect(first.status).toBe(200);
      expect(first.headers.get('cache-control')).toBe('no-cache');
      const etag = first.headers.get('etag')!;
      expect(etag).toMatch(/^W\/".+"$/);
      // The same state gives the same tag on the other instance.
      expect((await api(a.baseUrl, 'GET', path)).headers.get('etag')).toBe(etag);

      const again = await api(b.baseUrl, 'GET', path, undefined, { 'if-none-match': etag });
      expect(again.status).toBe(304);
      expect(again.body).toBeUndefined();
      expect(again.headers.get('etag')).toBe(etag);
      const other = await api(b.baseUrl, 'GET', path, undefined, { 'if-none-match': 'W/"x"' });
      expect(other.status).toBe(200);
    }

    const before = {
      page: (await api(b.baseUrl, 'GET', '/products?limit=100')).headers.get('etag')!,
      one: (await api(b.baseUrl, 'GET', `/products/${product.id}`)).headers.get('etag')!,
    };
    const sale = await checkout({
      client: a.shopper,
      body: { productId: product.id, quantity: 1 },
    });
    expect(sale.response?.status).toBe(201);
    await eventuallyMatches(b, a);
    for (const [path, etag] of [
      ['/products?limit=100', before.page],
      [`/products/${product.id}`, before.one],
    ]) {
      const changed = await api(b.baseUrl, 'GET', path, undefined, { 'if-none-match': etag });
      expect(changed.status).toBe(200);
      expect(changed.headers.get('etag')).not.toBe(etag);
    }
  });

  it('shows a page consistent with the database while a sale runs, and its end after', async () => {
    const stock = 300;
    const product = await createProduct(a.baseUrl, { name: 'Hot item', stock });
    await eventuallyMatches(b, a);
    let selling = true;
    const sale = Promise.all(
      Array.from({ length: 30 }, async (_, shopper) => {
        for (let i = 0; i < 12; i++) {
          await checkout({
            client: (shopper % 2 ? a : b).shopper,
            body: { productId: product.id, quantity: 1 },
          });
        }
      }),
    ).finally(() => (selling = false));

    const seen: number[] = [];
    while (selling) {
      const page = await api<{ items: { id: string; stock: number }[] }>(
        b.baseUrl,
        'GET',
        '/products?limit=100',
      );
      const [{ stock: now }] = await a.db.query<{ stock: number }>(
        'select stock from products where id = $1',
        [product.id],
      );
      const shown = page.body.items.find((item) => item.id === product.id)!.stock;
      // Never below what the database holds (it only falls), never rising.
      expect(shown).toBeGreaterThanOrEqual(now);
      if (seen.length > 0) expect(shown).toBeLessThanOrEqual(seen[seen.length - 1]);
      seen.push(shown);
    }
    await sale;
    expect(seen.length).toBeGreaterThan(0);
    await eventuallyMatches(a, a);
    await eventuallyMatches(b, a);
    const [{ stock: left }] = await a.db.query<{ stock: number }>(
      'select stock from products where id = $1',
      [product.id],
    );
    expect(left).toBe(0);
  });
});
