// The shipped topology, run for real: Debian's nginx with the project's deploy/nginx.conf in front
// of two service processes on one PostgreSQL, with the settings docker-compose.yml ships
// (TRUST_PROXY=1, 60 checkouts a minute per client). Shoppers come from distinct loopback
// addresses (127.0.0.0/8 is all loopback on Linux), so nginx sees each as its own client.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort } from '../../src/app/embedded-postgres';
import { adminHeaders } from '../support/app';
import { createTestDatabase, soldOf, storedProduct, type TestDatabase } from '../support/database';
import { spawnService, type ServiceProcess } from '../support/service-process';
import { type EventStream, openEventStream } from '../support/sse';

const NGINX = process.env.NGINX_PATH ?? '/usr/sbin/nginx';
const TEMPLATE = join(__dirname, '../../deploy/nginx.conf');
/** The service settings docker-compose.yml ships for the replicas behind nginx. */
const SHIPPED_ENV = { TRUST_PROXY: '1', RATE_LIMIT_CHECKOUT_PER_MINUTE: '60' };
const LIMIT_PER_MINUTE = 60;

/** Fills in the template's variables as envsubst (or the nginx image) does; nothing else. */
function renderNginxTemplate(template: string, values: Record<string, string>): string {
  const rendered = template.replace(/\$\{(\w+)\}/g, (whole, name: string) => {
    if (!(name in values)) throw new Error(`deploy/nginx.conf: no value for ${whole}`);
    return values[name];
  });
  return rendered;
}

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: any;
}

/** One HTTP request from a chosen local address. */
function send(
  url: string,
  options: { method?: string; body?: unknown; headers?: Record<string, string>; from: string },
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const payload = options.body === undefined ? undefined : JSON.stringify(options.body);
    const req = httpRequest(
      url,
      {
        method: options.method ?? 'GET',
        localAddress: options.from,
        agent: false,
        headers: {
          ...(payload ? { 'content-type': 'application/json' } : {}),
          ...options.headers,
        },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () => {
          let body: unknown = text;
          try {
            body = JSON.parse(text);
          } catch {
            // not JSON
          }
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body });
        });
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

/** Checkouts served by one instance, from its own /metrics. */
async function checkoutsServed(instance: ServiceProcess): Promise<number> {
  const text = await (await fetch(`${instance.baseUrl}/metrics`)).text();
  return text
    .split('\n')
    .filter((line) => /^http_request_duration_seconds_count\{.*route="\/checkout"/.test(line))
    .reduce((sum, line) => sum + Number(line.split(' ').pop()), 0);
}

const describeWithNginx =
  existsSync(NGINX) || process.env.CI
    ? describe
    : (name: string, body: () => void) => {
        process.stderr.write(`\n[deploy specs] skipping "${name}": no nginx at ${NGINX}\n`);
        describe.skip(name, body);
      };

describeWithNginx('nginx in front of two instances (deploy/nginx.conf)', () => {
  let db: TestDatabase;
  const instances: ServiceProcess[] = [];
  let scratch: string;
  let nginx: ChildProcess | undefined;
  let nginxLog = '';
  let lb: string;

  beforeAll(async () => {
    if (!existsSync(NGINX)) {
      throw new Error(`No nginx at ${NGINX}: install it with "apt-get install -y nginx" (.ci/run)`);
    }
    db = await createTestDatabase();
    instances.push(
      ...(await Promise.all([0, 1].map(() => spawnService(db.url, undefined, SHIPPED_ENV)))),
    );

    scratch = await mkdtemp(join(tmpdir(), 'store-nginx-'));
    // nginx's workers run as an unprivileged user: they must reach their temp folders.
    chmodSync(scratch, 0o755);
    const port = await freePort();
    lb = `http://127.0.0.1:${port}`;
    const site = renderNginxTemplate(readFileSync(TEMPLATE, 'utf8'), {
      FLASH_STORE_LISTEN: `127.0.0.1:${port}`,
      FLASH_STORE_UPSTREAM: instances
        .map((instance) => `server ${new URL(instance.baseUrl).host};`)
        .join(' '),
    });
    writeFileSync(join(scratch, 'flash-store.conf'), site);
    const main = join(scratch, 'nginx.conf');
    writeFileSync(
      main,
      [
        'daemon off;',
        'worker_processes 1;',
        `pid ${join(scratch, 'nginx.pid')};`,
        `error_log ${join(scratch, 'error.log')} warn;`,
        'events { worker_connections 1024; }',
        'http {',
        '  access_log off;',
        ...['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map(
          (kind) => `  ${kind}_temp_path ${join(scratch, `${kind}_temp`)};`,
        ),
        `  include ${join(scratch, 'flash-store.conf')};`,
        '}',
      ].join('\n'),
    );
    const check = spawnSync(NGINX, ['-t', '-c', main, '-p', scratch], { encoding: 'utf8' });
    if (check.status !== 0)
      throw new Error(`nginx -t refused the config:\n${check.stderr}\n${site}`);

    nginx = spawn(NGINX, ['-c', main, '-p', scratch], { stdio: ['ignore', 'pipe', 'pipe'] });
    nginx.stderr?.on('data', (chunk: Buffer) => (nginxLog += chunk.toString()));
    for (let attempt = 0; ; attempt++) {
      const up = await fetch(`${lb}/health/ready`).then(
        (r) => r.ok,
        () => false,
      );
      if (up) break;
      if (attempt > 100 || nginx.exitCode !== null) {
        throw new Error(`nginx did not come up:\n${nginxLog}`);
      }
      await sleep(100);
    }
  }, 120_000);

  afterAll(async () => {
    if (nginx && nginx.exitCode === null) {
      const exited = new Promise((resolve) => nginx!.once('exit', resolve));
      nginx.kill('SIGQUIT'); // graceful: workers finish, then the master exits
      await exited;
    }
    for (const instance of instances) {
      if (instance.child.exitCode === null) {
        instance.child.kill('SIGTERM');
        await instance.exited;
      }
    }
    if (scratch) await rm(scratch, { recursive: true, force: true });
    await db?.drop();
  }, 60_000);

  /** A product created through the balancer, as staff would. */
  const createProduct = async (skuPrefix: string, name: string, stock: number) =>
    (
      await send(`${lb}/products`, {
        method: 'POST',
        from: '127.0.0.1',
        headers: adminHeaders,
        body: { sku: `${skuPrefix}-${Date.now()}`, name, priceCents: 500, currency: 'USD', stock },
      })
    ).body;

  it('sells exactly min(N, K) in a flash sale through it, with no 5xx', async () => {
    const stock = 40;
    const shoppers = 150;
    const product = await createProduct('LB', 'Balanced', stock);
    const before = await Promise.all(instances.map(checkoutsServed));
    const answers = await Promise.all(
      Array.from({ length: shoppers }, (_, i) =>
        send(`${lb}/checkout`, {
          method: 'POST',
          from: `127.0.1.${i + 1}`,
          body: { productId: product.id, quantity: 1 },
        }),
      ),
    );
    const statuses = answers.map((a) => `${a.status} ${a.body?.code ?? ''}`.trim());
    expect(statuses.filter((s) => s === '201')).toHaveLength(Math.min(shoppers, stock));
    expect(statuses.filter((s) => s === '409 OUT_OF_STOCK')).toHaveLength(shoppers - stock);
    expect(answers.filter((a) => a.status >= 500)).toEqual([]);
    for (const answer of answers) expect(answer.headers['x-request-id']).toBeTruthy();
    expect((await storedProduct(db, product.id)).stock).toBe(0);
    expect(await soldOf(db, product.id)).toEqual({ orders: stock, lines: stock, units: stock });
    // Both instances took part.
    const after = await Promise.all(instances.map(checkoutsServed));
    for (const [i, count] of after.entries()) expect(count).toBeGreaterThan(before[i]);
  });

  it('carries live stock through it, from whichever instance sold', async () => {
    const product = await createProduct('LB-SSE', 'Live', 5);
    // Round robin: the two streams are held by different instances.
    const streams: EventStream[] = [
      await openEventStream(`${lb}/products/events`),
      await openEventStream(`${lb}/products/events`),
    ];
    try {
      for (const stream of streams) {
        expect(stream.status).toBe(200);
        expect(stream.headers.get('content-type')).toMatch(/^text\/event-stream/);
        expect(stream.headers.get('x-request-id')).toBeTruthy();
        expect(stream.headers.get('x-content-type-options')).toBe('nosniff');
      }
      for (let left = 4; left >= 3; left--) {
        const bought = await send(`${lb}/checkout`, {
          method: 'POST',
          from: `127.0.3.${left}`,
          body: { productId: product.id, quantity: 1 },
        });
        expect(bought.status).toBe(201);
        for (const stream of streams) {
          const event = await stream.waitFor(
            (e) => e.event === 'stock' && e.data.productId === product.id && e.data.stock === left,
            15_000,
            0,
          );
          expect(event.data.version).toBeGreaterThan(0);
        }
      }
    } finally {
      for (const stream of streams) stream.close();
    }
  });

  it('passes compressed answers and their cache headers through, and the stream as it is', async () => {
    const from = '127.0.5.1';
    const picture = await send(`${lb}/images/products/mug-enamel.svg`, {
      from,
      headers: { 'accept-encoding': 'br' },
    });
    expect(picture.status).toBe(200);
    expect(picture.headers['content-type']).toMatch(/^image\/svg\+xml/);
    expect(picture.headers['content-encoding']).toBe('br');
    expect(picture.headers.vary).toMatch(/accept-encoding/i);
    expect(picture.headers['cache-control']).toBe('public, max-age=86400');
    // Revalidated by ETag (the same file, so the same tag, on either instance).
    const etag = String(picture.headers.etag);
    expect(etag).toMatch(/^W\/"/);
    const revalidated = await send(`${lb}/images/products/mug-enamel.svg`, {
      from,
      headers: { 'accept-encoding': 'br', 'if-none-match': etag },
    });
    expect(revalidated.status).toBe(304);

    for (let i = 0; i < 8; i++) await createProduct('LB-GZ', `Compressed ${i}`, 5);
    const page = await send(`${lb}/products?limit=20`, {
      from,
      headers: { 'accept-encoding': 'gzip' },
    });
    expect(page.status).toBe(200);
    expect(page.headers['content-encoding']).toBe('gzip');

    // The stream: uncompressed although the client takes gzip and br, its first frame at once.
    const first = await new Promise<{ headers: Record<string, unknown>; chunk: string }>(
      (resolve, reject) => {
        const req = httpRequest(`${lb}/products/events`, {
          localAddress: from,
          agent: false,
          headers: { accept: 'text/event-stream', 'accept-encoding': 'gzip, br' },
        });
        req.on('response', (res) => {
          res.once('data', (chunk: Buffer) => {
            resolve({ headers: res.headers, chunk: chunk.toString('latin1') });
            req.destroy();
          });
        });
        req.on('error', reject);
        req.end();
      },
    );
    expect(first.headers['content-type']).toMatch(/^text\/event-stream/);
    expect(first.headers['content-encoding']).toBeUndefined();
    expect(first.chunk).toMatch(/^retry: \d+\n: ok\n/);
  });

  it('still limits a client that forges X-Forwarded-For', async () => {
    const product = await createProduct('LB-XFF', 'Forged', 1000);
    // Every attempt claims to come from somewhere else. The limit's fixed one-minute window may
    // roll over once during the test, so at most two windows' worth can get through.
    const attempts = 2 * LIMIT_PER_MINUTE + 10;
    const statuses: number[] = [];
    for (let i = 0; i < attempts; i++) {
      const answer = await send(`${lb}/checkout`, {
        method: 'POST',
        from: '127.0.4.1',
        headers: { 'x-forwarded-for': `203.0.113.${i % 250}, 198.51.100.${i % 250}` },
        body: { productId: product.id, quantity: 1 },
      });
      statuses.push(answer.status);
      if (answer.status === 429) expect(Number(answer.headers['retry-after'])).toBeGreaterThan(0);
    }
    expect(statuses.filter((s) => s !== 201 && s !== 429)).toEqual([]);
    expect(statuses.filter((s) => s === 201).length).toBeLessThanOrEqual(2 * LIMIT_PER_MINUTE);
    expect(statuses.filter((s) => s === 429).length).toBeGreaterThanOrEqual(10);
    // Someone else (another address) is not limited by it.
    const other = await send(`${lb}/checkout`, {
      method: 'POST',
      from: '127.0.4.2',
      body: { productId: product.id, quantity: 1 },
    });
    expect(other.status).toBe(201);
  });
});
