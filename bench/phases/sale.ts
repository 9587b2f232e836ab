/**
 * One sale through the service, the step the flash sale, the purchases as sent, the sweep and the
 * two-instance phases are made of: creates its products, runs the shoppers, reads the sale back
 * from PostgreSQL (stock, orders, and the keys of a keyed sale), logs it and adds it to the sink.
 */
import { type FlashSaleResult, flashSale, replayIdempotentCheckouts } from '../lib/load.ts';
import { query } from '../lib/postgres.ts';
import type { RunningProcess } from '../lib/processes.ts';
import { round } from '../lib/stats.ts';
import type { SaleRun } from '../report/results.ts';
import type { BenchContext } from './context.ts';

export interface SaleSpec {
  label: string;
  services: RunningProcess[];
  shoppers?: number;
  /** Units of each product on sale: one entry is a flash sale. */
  stocks: number[];
  /** Popularity of each product, as a share of the picks. */
  weights?: number[];
  path?: 'buy' | 'cart';
  /** 2-line carts: this many companion products, each with `companionStock` units. */
  companions?: number;
  companionStock?: number;
  /** A fresh Idempotency-Key on every checkout. */
  keyed?: boolean;
  /** Every purchase from its own address (X-Forwarded-For), for services with the limit on. */
  ownAddresses?: boolean;
  /** A drop: the products limited per customer, every purchase by a new customer's email. */
  maxPerCustomer?: number;
  /** Called with the products once they exist, right before the shoppers start. */
  beforeStart?: (productIds: string[]) => Promise<void>;
}

export async function sale(ctx: BenchContext, spec: SaleSpec): Promise<SaleRun> {
  const { options, db, runId, ownAddress, log } = ctx;
  const { label, services } = spec;
  const shoppers = spec.shoppers ?? options.shoppers;
  const productIds: string[] = [];
  for (const [i, stock] of spec.stocks.entries()) {
    const name = spec.stocks.length === 1 ? `Flash sale: ${label}` : `${label}: rank ${i + 1}`;
    productIds.push(await ctx.createProduct(name, stock, { maxPerCustomer: spec.maxPerCustomer }));
  }
  const companionIds: string[] = [];
  for (let i = 1; i <= (spec.companions ?? 0); i++) {
    companionIds.push(
      await ctx.createProduct(`${label}: cart companion ${i}`, spec.companionStock ?? 0),
    );
  }
  const allIds = [...productIds, ...companionIds];
  const initial = new Map(allIds.map((id, i) => [id, spec.stocks[i] ?? spec.companionStock ?? 0]));
  const keyPrefix = spec.keyed ? ctx.nextKeyPrefix() : undefined;
  await ctx.checkpoint();
  await spec.beforeStart?.(productIds);
  const cpuBefore = await Promise.all(services.map((s) => s.cpuMs()));
  const dbCpuBefore = await ctx.cpuOfDatabase();
  const ownCpuBefore = process.cpuUsage();
  const { keyedSamples, ...result }: FlashSaleResult = await flashSale({
    baseUrls: services.map((s) => s.url),
    products: productIds.map((id, i) => ({ id, weight: spec.weights?.[i] })),
    shoppers,
    deadlineMs: options.deadlineS * 1000,
    path: spec.path,
    cartCompanions: companionIds,
    headers: spec.ownAddresses ? ownAddress : undefined,
    idempotencyKeyPrefix: keyPrefix,
    customerEmailPrefix: spec.maxPerCustomer ? `bench-${runId}-` : undefined,
  });
  const ownCpu = process.cpuUsage(ownCpuBefore);
  const cpuAfter = await Promise.all(services.map((s) => s.cpuMs()));
  const dbCpuAfter = await ctx.cpuOfDatabase();
  const percent = (before?: number, after?: number) =>
    before === undefined || after === undefined
      ? undefined
      : round(((after - before) / result.durationMs) * 100);
  // A retry of a purchase answered 201, with the same key, from another address: the same
  // order again, and no new one (the read-back below would count it).
  const replays =
    keyedSamples && keyedSamples.length > 0
      ? await replayIdempotentCheckouts(keyedSamples, spec.ownAddresses ? ownAddress : undefined)
      : undefined;
  const [rows, sold, [orders]] = await Promise.all([
    query<{ id: string; stock: number; version: number }>(
      db.url,
      'SELECT id, stock, version FROM products WHERE id = ANY($1)',
      [allIds],
    ),
    query<{ product_id: string; units: string }>(
      db.url,
      `SELECT product_id, sum(quantity) AS units FROM order_items
       WHERE product_id = ANY($1) GROUP BY product_id`,
      [allIds],
    ),
    query<{ orders: string }>(
      db.url,
      'SELECT count(DISTINCT order_id) AS orders FROM order_items WHERE product_id = ANY($1)',
      [allIds],
    ),
  ]);
  const unitsOf = new Map(sold.map((row) => [row.product_id, Number(row.units)]));
  let oversold = 0;
  let stockMismatch = 0;
  for (const row of rows) {
    const stock = initial.get(row.id) ?? 0;
    const units = unitsOf.get(row.id) ?? 0;
    oversold += Math.max(0, units - stock) + Math.max(0, -row.stock);
    stockMismatch += Math.abs(stock - units - row.stock);
  }
  const mainRows = rows.filter((row) => productIds.includes(row.id));
  const run: SaleRun = {
    label,
    productId: productIds.length === 1 ? productIds[0] : `${productIds.length} products`,
    initialStock: spec.stocks.reduce((a, b) => a + b, 0),
    ...result,
    database: {
      stockLeft: mainRows.reduce((n, row) => n + row.stock, 0),
      version: mainRows.length === 1 ? mainRows[0].version : 0,
      orders: Number(orders.orders),
      unitsSold: productIds.reduce((n, id) => n + (unitsOf.get(id) ?? 0), 0),
      oversold,
      stockMismatch,
      ordersMissing: result.checkouts - Number(orders.orders),
    },
    ...(keyPrefix
      ? { idempotency: await readKeys(db.url, keyPrefix, allIds, result.keysSent, replays) }
      : {}),
    cpuPercent: {
      services: services.map((s, i) => percent(cpuBefore[i], cpuAfter[i])),
      postgres: percent(dbCpuBefore, dbCpuAfter),
      loadGenerator: percent(0, (ownCpu.user + ownCpu.system) / 1000),
    },
    serviceCpuMsPerCheckout: round(
      services.reduce((sum, _, i) => sum + ((cpuAfter[i] ?? 0) - (cpuBefore[i] ?? 0)), 0) /
        Math.max(1, result.checkouts),
      3,
    ),
  };
  ctx.sales.push(run);
  const keys = run.idempotency;
  log(
    `${label}: ${result.checkouts} checkouts in ${round(result.durationMs / 1000, 2)} s = ` +
      `${round(result.checkoutsPerSecond)}/s, p99 ${result.latency.p99Ms} ms, ` +
      `refused while stock remained ${result.refusedWhileStockRemained}, ` +
      `5xx ${result.serverErrors}, oversold ${run.database.oversold}, ` +
      (keys
        ? `keys ${keys.keys} (${keys.created} created, orders ${keys.ordersOfKeys}, ` +
          `orders without key ${keys.ordersWithoutKey}, replays ${keys.replays?.sameOrder ?? 0}/` +
          `${keys.replays?.sent ?? 0}), `
        : '') +
      `CPU service ${run.cpuPercent.services.join('+')}%` +
      (run.cpuPercent.postgres === undefined ? '' : ` postgres ${run.cpuPercent.postgres}%`) +
      ` bench ${run.cpuPercent.loadGenerator}%, ` +
      `service CPU ${run.serviceCpuMsPerCheckout} ms/checkout`,
  );
  if (result.otherErrors > 0 || result.serverErrors > 0) {
    log(`  errors: ${result.otherErrorSamples.join(' | ')}`);
  }
  return run;
}

/**
 * Every key and its order for the sale's Idempotency-Keys (those starting with `prefix`), read
 * back: each key answered 201 has exactly one order (orders.idempotency_claim =
 * idempotency_keys.claim_id), no other key has one, and every order of the sale's products came
 * from one of the sale's keys.
 */
async function readKeys(
  url: string,
  prefix: string,
  productIds: string[],
  keysSent: number,
  replays?: { sent: number; sameOrder: number; samples: string[] },
): Promise<NonNullable<SaleRun['idempotency']>> {
  const [[keys], [orphans]] = await Promise.all([
    query<Record<string, string>>(
      url,
      // A key's created order is its answer: the order carries the key's claim id, and the key
      // stores a response only for a refusal (or 201, for keys written before that change).
      `SELECT count(*) AS keys,
              count(*) FILTER (WHERE o.id IS NOT NULL
                               AND (k.response_status IS NULL OR k.response_status = 201)) AS created,
              count(*) FILTER (WHERE k.response_status IS NULL AND o.id IS NULL) AS unanswered,
              count(o.id) AS orders,
              count(*) FILTER (WHERE k.response_status = 201 AND o.id IS NULL) AS created_no_order,
              count(*) FILTER (WHERE k.response_status <> 201 AND o.id IS NOT NULL)
                AS order_not_created
       FROM idempotency_keys k LEFT JOIN orders o ON o.idempotency_claim = k.claim_id
       WHERE starts_with(k.key, $1)`,
      [prefix],
    ),
    query<{ orders: string }>(
      url,
      `SELECT count(DISTINCT o.id) AS orders
       FROM order_items i JOIN orders o ON o.id = i.order_id
       WHERE i.product_id = ANY($1) AND NOT EXISTS (
         SELECT 1 FROM idempotency_keys k
         WHERE k.claim_id = o.idempotency_claim AND starts_with(k.key, $2))`,
      [productIds, prefix],
    ),
  ]);
  return {
    keysSent,
    keys: Number(keys.keys),
    created: Number(keys.created),
    unanswered: Number(keys.unanswered),
    ordersOfKeys: Number(keys.orders),
    createdWithoutOrder: Number(keys.created_no_order),
    orderWithoutCreated: Number(keys.order_not_created),
    ordersWithoutKey: Number(orphans.orders),
    replays,
  };
}
