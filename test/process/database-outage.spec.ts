// The database goes away in the middle of a flash sale while shoppers hold the live-stock stream
// open: the service runs as its own process on a PostgreSQL server this test starts, stops and
// starts again (its own data folder and port; never the machine's shared server).
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { adminHeaders } from '../support/app';
import { type OwnPostgres, startOwnPostgres } from '../support/postgres-server';
import { spawnService, type ServiceProcess } from '../support/service-process';
import { type EventStream, openEventStream } from '../support/sse';
import { Client } from 'pg';

const STOCK = 500;
const SHOPPERS = 40;
const PURCHASES_PER_SHOPPER = 15; // 600 wanted, 500 there: the sale sells out
const STREAMS = 3;
const OUTAGE_MS = 10_000;

interface Answer {
  status: number | 'no answer';
  code?: string;
  retryAfter?: string | null;
  requestId?: string | null;
}

interface SaleReport {
  answers: Record<string, number>;
  confirmed: number;
  retriedKeys: number;
}

/** A checkout as a careful client sends it: with an Idempotency-Key, retried until definite. */
async function purchase(
  baseUrl: string,
  key: string,
  productId: string,
  answers: Answer[],
  confirmed: Map<string, string>,
  attempts: Map<string, number>,
): Promise<void> {
  for (const deadline = Date.now() + 120_000; Date.now() < deadline;) {
    attempts.set(key, (attempts.get(key) ?? 0) + 1);
    let answer: Answer;
    let body: any;
    try {
      const response = await fetch(`${baseUrl}/checkout`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'idempotency-key': key },
        body: JSON.stringify({ productId, quantity: 1 }),
      });
      body = await response.json().catch(() => undefined);
      answer = {
        status: response.status,
        code: body?.code,
        retryAfter: response.headers.get('retry-after'),
        requestId: response.headers.get('x-request-id'),
      };
    } catch {
      answer = { status: 'no answer' };
    }
    answers.push(answer);
    if (answer.status === 201) return void confirmed.set(key, body.id);
    if (answer.status === 409 && answer.code === 'OUT_OF_STOCK') return;
    if (answer.status === 'no answer') return;
    // 503 (honouring its Retry-After, with jitter), or a lost race: ask again with the same key.
    const waitSeconds = Number(answer.retryAfter ?? 0.2) || 0.2;
    await sleep(waitSeconds * 1000 * (0.25 + Math.random() * 0.75));
  }
  answers.push({ status: 'no answer', code: `gave up on ${key}` });
}

async function readiness(baseUrl: string): Promise<{ status: number; retryAfter: string | null }> {
  const response = await fetch(`${baseUrl}/health/ready`);
  await response.arrayBuffer();
  return { status: response.status, retryAfter: response.headers.get('retry-after') };
}

async function createProduct(baseUrl: string, stock: number): Promise<{ id: string }> {
  const response = await fetch(`${baseUrl}/products`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...adminHeaders },
    body: JSON.stringify({
      sku: `OUTAGE-${Date.now()}-${Math.random().toString(36).slice(2, 8)}`,
      name: 'Outage sneaker',
      priceCents: 9900,
      currency: 'USD',
      stock,
    }),
  });
  if (response.status !== 201) throw new Error(`create product: ${await response.text()}`);
  return (await response.json()) as { id: string };
}

async function query<Row>(url: string, sql: string, params: unknown[] = []): Promise<Row[]> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(sql, params)).rows as Row[];
  } finally {
    await client.end();
  }
}

/**
 * Runs a sale on a fresh product, applies `fault` to the database once a fifth of the stock
 * is sold, and checks everything the issue asks of the outcome.
 */
async function saleThroughFault(
  pg: OwnPostgres,
  service: ServiceProcess,
  fault: (during: () => Promise<void>) => Promise<void>,
): Promise<SaleReport> {
  const { baseUrl } = service;
  const product = await createProduct(baseUrl, STOCK);
  const probe = await createProduct(baseUrl, 10);
  const streams: EventStream[] = await Promise.all(
    Array.from({ length: STREAMS }, () => openEventStream(`${baseUrl}/products/events`)),
  );
  try {
    for (const stream of streams) expect(stream.status).toBe(200);

    const answers: Answer[] = [];
    const confirmed = new Map<string, string>();
    const attempts = new Map<string, number>();
    const tag = Math.random().toString(36).slice(2, 8);
    const shoppers = Promise.all(
      Array.from({ length: SHOPPERS }, async (_, shopper) => {
        for (let i = 0; i < PURCHASES_PER_SHOPPER; i++) {
          await purchase(
            baseUrl,
            `${tag}-${shopper}-${i}`,
            product.id,
            answers,
            confirmed,
            attempts,
          );
        }
      }),
    );

    while (confirmed.size < STOCK / 5) await sleep(5);
    const marks = streams.map((stream) => stream.events.length);
    const during: { status: number; retryAfter: string | null }[] = [];
    await fault(async () => {
      during.push(await readiness(baseUrl));
    });
    // Readiness said 503 while the database was down ...
    expect(during.length).toBeGreaterThan(0);
    for (const probeAnswer of during) {
      expect(probeAnswer.status).toBe(503);
      expect(probeAnswer.retryAfter).toMatch(/^\d+$/);
    }
    // ... and 200 within 10 s of its return, without a restart of the service.
    let ready = false;
    for (const deadline = Date.now() + 10_000; !ready && Date.now() < deadline;) {
      ready = (await readiness(baseUrl)).status === 200;
      if (!ready) await sleep(100);
    }
    expect(ready).toBe(true);

    // Every shopper stream heard that the feed went stale, then that it was back.
    for (const [i, stream] of streams.entries()) {
      await stream.waitFor((e) => e.event === 'stale', 15_000, marks[i]);
      await stream.waitFor((e) => e.event === 'resync', 15_000, marks[i]);
    }
    await shoppers;

    // A shopper arriving now is not told the feed is stale.
    streams.push(await openEventStream(`${baseUrl}/products/events`));
    // Live stock flows again: a purchase now reaches every open stream.
    const sinceProbe = streams.map((stream) => stream.events.length);
    const bought = await fetch(`${baseUrl}/checkout`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ productId: probe.id, quantity: 1 }),
    });
    expect(bought.status).toBe(201);
    for (const [i, stream] of streams.entries()) {
      const event = await stream.waitFor(
        (e) => e.event === 'stock' && e.data.productId === probe.id,
        15_000,
        sinceProbe[i],
      );
      expect(event.data.stock).toBe(9);
    }
    expect(streams.at(-1)!.events.filter((e) => e.event !== 'stock')).toEqual([]);

    // The process never exited, nothing went unhandled.
    expect(service.child.exitCode).toBeNull();
    expect(service.output()).not.toMatch(/Unhandled promise rejection/);

    // Every answer was 201, 409 or 503 with Retry-After; never a 500, never silence.
    const counts: Record<string, number> = {};
    for (const answer of answers) {
      const label = `${answer.status}${answer.code ? ` ${answer.code}` : ''}`;
      counts[label] = (counts[label] ?? 0) + 1;
    }
    const wrong = answers.filter(
      (a) =>
        !(
          a.status === 201 ||
          (a.status === 409 && ['OUT_OF_STOCK', 'VERSION_CONFLICT'].includes(a.code!)) ||
          (a.status === 503 &&
            a.code === 'DATABASE_UNAVAILABLE' &&
            /^\d+$/.test(a.retryAfter ?? ''))
        ),
    );
    expect({ wrong: wrong.slice(0, 5), counts }).toEqual({ wrong: [], counts });
    expect(counts['503 DATABASE_UNAVAILABLE'] ?? 0).toBeGreaterThan(0);
    // Each 503 is logged with the request id the client got.
    const unavailable = answers.find((a) => a.status === 503)!;
    const logLine = service
      .output()
      .split('\n')
      .find((line) => line.includes(`"reqId":"${unavailable.requestId}"`));
    expect(logLine).toMatch(/database unavailable/);

    // Stock + units sold = initial stock; every 201's order is stored; one order per key.
    const [{ stock, sold }] = await query<{ stock: number; sold: string }>(
      pg.url,
      `select p.stock, coalesce(sum(i.quantity), 0) as sold
         from products p left join order_items i on i.product_id = p.id
        where p.id = $1 group by p.stock`,
      [product.id],
    );
    expect(stock + Number(sold)).toBe(STOCK);
    expect(stock).toBe(0); // demand exceeded stock: sold out
    const orders = await query<{ id: string }>(
      pg.url,
      `select distinct o.id from orders o join order_items i on i.order_id = o.id
        where i.product_id = $1`,
      [product.id],
    );
    expect(orders.map((o) => o.id).sort()).toEqual([...confirmed.values()].sort());
    expect(new Set(confirmed.values()).size).toBe(confirmed.size);
    expect(confirmed.size).toBe(STOCK);
    const retriedKeys = [...attempts.values()].filter((n) => n > 1).length;
    expect(retriedKeys).toBeGreaterThan(0);
    return { answers: counts, confirmed: confirmed.size, retriedKeys };
  } finally {
    for (const stream of streams) stream.close();
  }
}

function record(name: string, report: SaleReport): void {
  const dir = join(__dirname, '../../test-output');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, `${name}.json`), JSON.stringify(report, null, 2));
  console.log(`${name}: ${JSON.stringify(report)}`);
}

describe('the database goes away mid-sale', () => {
  let pg: OwnPostgres;
  let service: ServiceProcess;

  beforeAll(async () => {
    pg = await startOwnPostgres();
    service = await spawnService(pg.url, undefined, { LOG_LEVEL: 'info' });
  }, 120_000);

  afterAll(async () => {
    if (service && service.child.exitCode === null) {
      service.child.kill('SIGTERM');
      await service.exited;
    }
    await pg?.destroy();
  });

  it('survives a 10 s stop: 201, 409 or 503 with Retry-After; nothing lost or doubled', async () => {
    const report = await saleThroughFault(pg, service, async (during) => {
      await pg.stop();
      const started = Date.now();
      await sleep(500);
      await during();
      await sleep(OUTAGE_MS / 2);
      await during();
      await sleep(Math.max(0, OUTAGE_MS - (Date.now() - started) - 500));
      await during();
      await pg.start();
    });
    record('database-outage-10s', report);
  }, 180_000);

  it('survives a fast restart the same way', async () => {
    const report = await saleThroughFault(pg, service, async (during) => {
      await pg.stop();
      await during();
      await pg.start();
    });
    record('database-fast-restart', report);
  }, 180_000);

  it('stops with exit code 0 on SIGTERM afterwards', async () => {
    service.child.kill('SIGTERM');
    const code = await service.exited;
    const log = service
      .output()
      .split('\n')
      .filter((line) => !/request completed|database unavailable/.test(line))
      .slice(-30)
      .join('\n');
    expect({ code, log: code === 0 ? '' : log }).toEqual({
      code: 0,
      log: '',
    });
  }, 60_000);
});
