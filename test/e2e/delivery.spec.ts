// Delivery: compression and cache headers, as a client on the wire sees them. The real app on a
// real PostgreSQL serves a real storefront build (Vite, then scripts/precompress.mts, as
// `npm run build` does) and the product pictures from src/products/images. Requests go out
// through node:http, so that the bytes are seen as sent (fetch would decode them); each answer
// is still checked against openapi/openapi.json, decoded. Nothing is faked.
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { type IncomingHttpHeaders, request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { buildStorefront } from '../browser/support/vite';
import { createProduct, startTestApp, type TestApp } from '../support/app';
import { assertConforms } from '../support/contract';

const ROOT = join(__dirname, '..', '..');
const IMAGES = join(ROOT, 'src', 'products', 'images');
const YEAR_IMMUTABLE = 'public, max-age=31536000, immutable';

interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
  /** The body as sent. */
  raw: Buffer;
  /** The body decoded from its Content-Encoding. */
  body: Buffer;
}

function decode(raw: Buffer, encoding: string | undefined): Buffer {
  // A 304 or a HEAD answer names the encoding of a body it does not carry.
  if (raw.length === 0) return raw;
  if (encoding === 'br') return brotliDecompressSync(raw);
  if (encoding === 'gzip') return gunzipSync(raw);
  if (encoding === undefined || encoding === 'identity') return raw;
  throw new Error(`unexpected content-encoding ${encoding}`);
}

/** One request over node:http; the decoded answer is checked against the contract. */
function send(
  baseUrl: string,
  path: string,
  options: { method?: string; headers?: Record<string, string>; body?: unknown } = {},
): Promise<Answer> {
  const method = options.method ?? 'GET';
  const payload = options.body === undefined ? undefined : JSON.stringify(options.body);
  return new Promise((resolve, reject) => {
    const outgoing = httpRequest(
      `${baseUrl}${path}`,
      {
        method,
        agent: false,
        headers: { ...(payload ? { 'content-type': 'application/json' } : {}), ...options.headers },
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('error', reject);
        response.on('end', () => {
          const raw = Buffer.concat(chunks);
          const headers = response.headers;
          let body: Buffer;
          try {
            body = decode(raw, headers['content-encoding']);
          } catch (error) {
            reject(error as Error);
            return;
          }
          const answer: Answer = { status: response.statusCode ?? 0, headers, raw, body };
          assertConforms({
            method,
            url: path,
            status: answer.status,
            headers: Object.fromEntries(
              Object.entries(headers).map(([name, value]) => [name, String(value)]),
            ),
            text: method === 'HEAD' ? undefined : answer.body.toString('utf8'),
          }).then(() => resolve(answer), reject);
        });
      },
    );
    outgoing.on('error', reject);
    outgoing.end(payload);
  });
}

const varies = (answer: Answer) =>
  String(answer.headers.vary ?? '')
    .toLowerCase()
    .split(/\s*,\s*/)
    .includes('accept-encoding');

describe('delivery: compression and caching', () => {
  let outDir: string;
  let bundle: string;
  let t: TestApp;

  beforeAll(async () => {
    outDir = await mkdtemp(join(tmpdir(), 'storefront-delivery-'));
    await buildStorefront(outDir);
    const precompress = spawnSync(
      process.execPath,
      [join(ROOT, 'scripts', 'precompress.mts'), outDir],
      { encoding: 'utf8', env: { ...process.env, NODE_OPTIONS: '' } },
    );
    if (precompress.status !== 0) throw new Error(`precompress failed:\n${precompress.stderr}`);
    bundle = readdirSync(join(outDir, 'assets')).find((file) => /^index-.+\.js$/.test(file))!;
    t = await startTestApp({ env: { STOREFRONT_DIR: outDir } });
  }, 120_000);

  afterAll(async () => {
    await t?.close();
    if (outDir) await rm(outDir, { recursive: true, force: true });
  });

  it('serves the hashed bundle precompressed, br or gzip as asked, cached for a year', async () => {
    const file = readFileSync(join(outDir, 'assets', bundle));
    for (const [accept, encoding] of [
      ['br', 'br'],
      ['gzip', 'gzip'],
      ['gzip, deflate, br', 'br'],
      ['identity', undefined],
      ['', undefined],
    ] as const) {
      const answer = await send(t.baseUrl, `/assets/${bundle}`, {
        headers: accept ? { 'accept-encoding': accept } : {},
      });
      expect({
        accept,
        status: answer.status,
        encoding: answer.headers['content-encoding'],
      }).toEqual({ accept, status: 200, encoding });
      expect(answer.body.equals(file)).toBe(true);
      expect(answer.headers['content-type']).toMatch(/^(?:application|text)\/javascript/);
      expect(answer.headers['cache-control']).toBe(YEAR_IMMUTABLE);
      expect(varies(answer)).toBe(true);
      if (encoding) {
        // The stored copy, as written at build time: sent with its length, not streamed.
        expect(
          answer.raw.equals(
            readFileSync(join(outDir, 'assets', `${bundle}.${encoding === 'br' ? 'br' : 'gz'}`)),
          ),
        ).toBe(true);
        expect(Number(answer.headers['content-length'])).toBe(answer.raw.length);
        expect(answer.raw.length).toBeLessThan(file.length / 2);
      }
    }
    // The compressed copies are found through Accept-Encoding, not served under their own names.
    expect((await send(t.baseUrl, `/assets/${bundle}.br`)).status).toBe(404);
  });

  it('revalidates the page on every use: no-cache, and a 304 while it is unchanged', async () => {
    const page = await send(t.baseUrl, '/', { headers: { 'accept-encoding': 'br, gzip' } });
    expect(page.status).toBe(200);
    expect(page.headers['content-encoding']).toBe('br');
    expect(page.headers['cache-control']).toBe('no-cache');
    expect(page.body.toString()).toContain(`assets/${bundle}`);
    expect(page.headers['content-security-policy']).toContain("img-src 'self' data: https:");
    const etag = String(page.headers.etag);
    expect(etag).toBeTruthy();
    expect(page.headers['last-modified']).toBeTruthy();

    const again = await send(t.baseUrl, '/', {
      headers: { 'accept-encoding': 'br, gzip', 'if-none-match': etag },
    });
    expect(again.status).toBe(304);
    expect(again.raw.length).toBe(0);
    expect(again.headers['cache-control']).toBe('no-cache');

    const byDate = await send(t.baseUrl, '/index.html', {
      headers: { 'if-modified-since': String(page.headers['last-modified']) },
    });
    expect(byDate.status).toBe(304);

    const head = await send(t.baseUrl, '/', {
      method: 'HEAD',
      headers: { 'accept-encoding': 'gzip' },
    });
    expect(head.status).toBe(200);
    expect(head.raw.length).toBe(0);
    expect(head.headers['content-encoding']).toBe('gzip');
    expect(head.headers['cache-control']).toBe('no-cache');
  });

  it('serves the product pictures as SVG for a day, compressed, with a CSP of their own', async () => {
    const file = readFileSync(join(IMAGES, 'sneaker-1212.svg'));
    for (const encoding of ['br', 'gzip']) {
      const answer = await send(t.baseUrl, '/images/products/sneaker-1212.svg', {
        headers: { 'accept-encoding': encoding },
      });
      expect(answer.status).toBe(200);
      expect(answer.headers['content-type']).toMatch(/^image\/svg\+xml/);
      expect(answer.headers['content-encoding']).toBe(encoding);
      expect(answer.body.equals(file)).toBe(true);
      expect(answer.headers['cache-control']).toBe('public, max-age=86400');
      expect(answer.headers['content-security-policy']).toBe(
        "default-src 'none'; style-src 'unsafe-inline'",
      );
      expect(answer.headers['x-content-type-options']).toBe('nosniff');
      expect(varies(answer)).toBe(true);
      const revalidated = await send(t.baseUrl, '/images/products/sneaker-1212.svg', {
        headers: { 'accept-encoding': encoding, 'if-none-match': String(answer.headers.etag) },
      });
      expect(revalidated.status).toBe(304);
    }
    const missing = await send(t.baseUrl, '/images/products/unicorn.svg');
    expect(missing.status).toBe(404);
    expect(missing.headers['content-type']).toMatch(/^application\/problem\+json/);
  });

  it('has a small, self-contained picture for every demo product', () => {
    const files = readdirSync(IMAGES).filter((name) => name.endsWith('.svg'));
    expect(files.sort()).toEqual(
      [
        'bottle-steel',
        'cap-wool',
        'hoodie-zip',
        'jacket-1212',
        'mug-enamel',
        'sneaker-1212',
        'socks-3pk',
        'tee-classic',
        'tote-canvas',
      ].map((name) => `${name}.svg`),
    );
    for (const name of files) {
      const svg = readFileSync(join(IMAGES, name), 'utf8');
      expect({ name, small: svg.length < 3 * 1024 }).toEqual({ name, small: true });
      expect(svg).toMatch(/^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg" viewBox="0 0 400 300">/);
      // No scripts, no event handlers, nothing fetched from elsewhere, no text.
      expect(svg).not.toMatch(/<script|\son\w+=|href=|url\(|<text|<foreignObject|<image/i);
    }
  });

  it('compresses a large API answer when asked, and leaves a checkout 201 as it is', async () => {
    const products = [];
    for (let i = 0; i < 12; i++) {
      products.push(await createProduct(t.baseUrl, { name: `Delivery product ${i}`, stock: 50 }));
    }
    const path = '/products?limit=12';
    const plain = await send(t.baseUrl, path);
    expect(plain.status).toBe(200);
    expect(plain.raw.length).toBeGreaterThan(1024);
    expect(plain.headers['content-encoding']).toBeUndefined();
    // The answer depends on Accept-Encoding even when this client asked for none.
    expect(varies(plain)).toBe(true);
    // The catalogue is revalidated by its ETag, never served from a cache unasked.
    expect(plain.headers['cache-control']).toBe('no-cache');

    for (const encoding of ['br', 'gzip']) {
      const answer = await send(t.baseUrl, path, { headers: { 'accept-encoding': encoding } });
      expect(answer.status).toBe(200);
      expect(answer.headers['content-encoding']).toBe(encoding);
      expect(varies(answer)).toBe(true);
      expect(answer.headers['content-type']).toMatch(/^application\/json/);
      expect(answer.raw.length).toBeLessThan(plain.raw.length / 2);
      expect(JSON.parse(answer.body.toString()).items).toHaveLength(12);
    }

    const bought = await send(t.baseUrl, '/checkout', {
      method: 'POST',
      headers: { 'accept-encoding': 'br, gzip' },
      body: { productId: products[0].id, quantity: 1 },
    });
    expect(bought.status).toBe(201);
    expect(bought.headers['content-encoding']).toBeUndefined();
    expect(JSON.parse(bought.raw.toString()).status).toBe('confirmed');

    // A problem is a problem, whatever the client accepts.
    const problem = await send(t.baseUrl, '/products/not-a-uuid', {
      headers: { 'accept-encoding': 'br, gzip' },
    });
    expect(problem.status).toBe(400);
    expect(problem.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(JSON.parse(problem.body.toString()).code).toBe('VALIDATION_FAILED');
  });

  it('never compresses the live stock stream: an event arrives while it is open', async () => {
    const product = await createProduct(t.baseUrl, { stock: 5 });
    let received = '';
    const { headers, close, next } = await new Promise<{
      headers: IncomingHttpHeaders;
      close: () => void;
      next: (text: string) => Promise<void>;
    }>((resolve, reject) => {
      const waiters: (() => void)[] = [];
      const outgoing = httpRequest(`${t.baseUrl}/products/events`, {
        agent: false,
        headers: { accept: 'text/event-stream', 'accept-encoding': 'gzip, deflate, br' },
      });
      outgoing.on('response', (response) => {
        response.on('data', (chunk: Buffer) => {
          received += chunk.toString('latin1');
          for (const wake of waiters.splice(0)) wake();
        });
        resolve({
          headers: response.headers,
          close: () => outgoing.destroy(),
          next: (text) =>
            new Promise<void>((found, failed) => {
              const timer = setTimeout(
                () => failed(new Error(`no ${JSON.stringify(text)} in 10 s; got ${received}`)),
                10_000,
              );
              const check = () => {
                if (received.includes(text)) {
                  clearTimeout(timer);
                  found();
                } else waiters.push(check);
              };
              check();
            }),
        });
      });
      outgoing.on('error', reject);
      outgoing.end();
    });
    try {
      await assertConforms({
        method: 'GET',
        url: '/products/events',
        status: 200,
        headers: Object.fromEntries(
          Object.entries(headers).map(([name, value]) => [name, String(value)]),
        ),
      });
      expect(headers['content-type']).toMatch(/^text\/event-stream/);
      expect(headers['content-encoding']).toBeUndefined();
      // The first frame arrives as plain text at once, before any event.
      await next(': ok\n\n');
      const bought = await send(t.baseUrl, '/checkout', {
        method: 'POST',
        body: { productId: product.id, quantity: 1 },
      });
      expect(bought.status).toBe(201);
      await next(`"productId":"${product.id}","stock":4`);
      expect(received).toMatch(/event: stock\ndata: \{/);
    } finally {
      close();
    }
  });
});
