/**
 * The purchases as shoppers send them, on service processes with the per-client limit at its
 * default, behind a trusted proxy, every purchase from its own address and with a fresh
 * Idempotency-Key: Buy now, a drop limited per customer, cart checkout, a sale over 100 products
 * with Zipf popularity (phases keyed, drop, cart, zipf, on one process), and Buy now through two
 * processes (phase two-keyed, which the run sequences after the bare two-instance sale). The
 * limit is probed on each set of processes before its sales.
 */
import { probeRateLimit } from '../lib/load.ts';
import type { RunningProcess } from '../lib/processes.ts';
import type { BenchResults, SaleRun } from '../report/results.ts';
import type { BenchContext } from './context.ts';
import { sale } from './sale.ts';

/** The service's default RATE_LIMIT_CHECKOUT_PER_MINUTE. */
const RATE_LIMIT_PER_MINUTE = 60;
/** The catalogue sale: this many products, popularity Zipf with this exponent. */
const ZIPF_PRODUCTS = 100;
const ZIPF_S = 1.1;
/** Products of which each 2-line cart takes one beside the sale's product. */
const CART_COMPANIONS = 20;

/** The sub-phases run on the one process with the limit on. */
export const ONE_INSTANCE_PHASES = ['keyed', 'drop', 'cart', 'zipf'] as const;

export const limitedEnv = (ctx: BenchContext) => ({
  RATE_LIMIT_CHECKOUT_PER_MINUTE: String(RATE_LIMIT_PER_MINUTE),
  TRUST_PROXY: '127.0.0.1',
  REDIS_URL: ctx.options.redisUrl ?? '',
  REDIS_KEY_PREFIX: ctx.redisPrefix,
});

/** Checks the limit on `targets` from two addresses of its own, and adds the probe to the sink. */
async function probe(ctx: BenchContext, label: string, targets: RunningProcess[]) {
  const n = ctx.limits.length + 1;
  const result = await probeRateLimit(
    targets.map((t) => t.url),
    RATE_LIMIT_PER_MINUTE,
    `192.0.2.${2 * n - 1}`,
    `192.0.2.${2 * n}`,
  );
  ctx.limits.push({
    label,
    instances: targets.length,
    storage: ctx.options.redisUrl ? 'redis' : 'memory',
    limit: RATE_LIMIT_PER_MINUTE,
    ...result,
  });
  ctx.log(
    `limit probe, ${label}: ${result.passedBeforeLimit} checkouts from one address let through, ` +
      `${result.limitedAt ? `checkout ${result.limitedAt} answered 429` : 'none answered 429'}, ` +
      `another address ${result.otherAddressPassed ? 'let through' : 'refused'}`,
  );
}

/** The purchases on one process with the limit on: those of keyed, drop, cart, zipf asked for. */
export async function purchases(ctx: BenchContext): Promise<BenchResults['asSent']> {
  const { options } = ctx;
  const asSent: BenchResults['asSent'] = {};
  const limited = await ctx.startService('service-limited', limitedEnv(ctx));
  await probe(ctx, 'one instance', [limited]);
  const keyedSale = { services: [limited], keyed: true, ownAddresses: true };
  await sale(ctx, { label: 'warm-up (key and limit)', ...keyedSale, stocks: [3000] });
  const stock = options.scenarioStock;
  if (options.phases.has('keyed')) {
    asSent.buyNow = await sale(ctx, {
      label: 'Buy now, key and limit',
      ...keyedSale,
      stocks: [stock],
    });
  }
  if (options.phases.has('drop')) {
    asSent.drop = await sale(ctx, {
      label: 'drop: Buy now, 2 per customer, email, key and limit',
      ...keyedSale,
      stocks: [stock],
      maxPerCustomer: 2,
    });
  }
  if (options.phases.has('cart')) {
    const cart = {
      ...keyedSale,
      path: 'cart' as const,
      companions: options.cartLines === 2 ? CART_COMPANIONS : 0,
    };
    await sale(ctx, { label: 'warm-up (cart)', ...cart, stocks: [1000], companionStock: 1000 });
    asSent.cart = await sale(ctx, {
      label: `cart checkout (${options.cartLines} line${options.cartLines === 2 ? 's' : ''}), key and limit`,
      ...cart,
      stocks: [stock],
      companionStock: stock,
    });
  }
  if (options.phases.has('zipf')) {
    // Rank k is picked with probability k^-s / sum(j^-s); its stock is in proportion to that
    // popularity, as a merchant would stock a sale (at least 1 unit; rank 1 takes what
    // rounding leaves, so the sale has exactly `stock` units).
    const weights = Array.from({ length: ZIPF_PRODUCTS }, (_, i) => (i + 1) ** -ZIPF_S);
    const total = weights.reduce((a, b) => a + b, 0);
    const stocks = weights.map((w) => Math.max(1, Math.round((stock * w) / total)));
    stocks[0] += stock - stocks.reduce((a, b) => a + b, 0);
    asSent.zipf = await sale(ctx, {
      label: `${ZIPF_PRODUCTS} products, Zipf ${ZIPF_S}, key and limit`,
      ...keyedSale,
      weights,
      stocks,
    });
  }
  await ctx.stopProcess(limited);
  return asSent;
}

/**
 * Buy now with keys and the limit through two processes on one database, shoppers split between
 * them; the limit is shared in Redis when the run has one.
 */
export async function purchasesThroughTwo(ctx: BenchContext): Promise<SaleRun> {
  const pair = [
    await ctx.startService('service-limited-1', limitedEnv(ctx)),
    await ctx.startService('service-limited-2', limitedEnv(ctx)),
  ];
  await probe(ctx, 'two instances', pair);
  const keyedPair = { services: pair, keyed: true, ownAddresses: true };
  await sale(ctx, { label: 'warm-up (two, key and limit)', ...keyedPair, stocks: [3000] });
  const run = await sale(ctx, {
    label: 'two instances, key and limit',
    ...keyedPair,
    stocks: [ctx.options.scenarioStock],
  });
  for (const process of pair) await ctx.stopProcess(process);
  return run;
}
