/**
 * The raw single-row ceiling: the sale in plain SQL on the same PostgreSQL (pgbench when on
 * PATH, and always the same transaction from Node + pg), at 32 clients and at the sale's
 * concurrency. Its best figure at 32 clients is the denominator of every ratio.
 */
import type { BenchOptions } from '../lib/options.ts';
import { createRawProduct, nodePgSale, pgbenchSale, type RawResult } from '../lib/raw-sql.ts';
import type { BenchContext } from './context.ts';

/** The client counts of the raw runs; the database is started with room for the largest. */
export const rawClients = (options: BenchOptions): number[] => [32, options.shoppers];

async function rawSale(
  ctx: BenchContext,
  tool: RawResult['tool'],
  clients: number,
  sample: number,
): Promise<RawResult> {
  const { db, options } = ctx;
  await ctx.checkpoint();
  const productId = await createRawProduct(db.url, `RAW-${ctx.runId}-${tool}-${clients}-${sample}`);
  const result =
    tool === 'pgbench'
      ? await pgbenchSale({
          url: db.url,
          productId,
          clients,
          durationS: options.durationS,
          workDir: ctx.tmpDir,
        })
      : await nodePgSale({ url: db.url, productId, clients, durationS: options.durationS });
  ctx.log(
    `${tool}@${clients}${sample > 1 ? ` (sample ${sample})` : ''}: ` +
      `${result.transactionsPerSecond} tps`,
  );
  return { ...result, sample };
}

/** The first samples: each tool at each client count. */
export async function rawCeiling(ctx: BenchContext): Promise<RawResult[]> {
  const { db } = ctx;
  const raw: RawResult[] = [];
  // Room for the service's pool and the bench's own queries on a server we did not start.
  const room = db.maxConnections - 30;
  const clientCounts = rawClients(ctx.options);
  if (Math.max(...clientCounts) > room) {
    ctx.log(`max_connections is ${db.maxConnections}: the raw runs use ${room} clients at most`);
  }
  for (const clients of new Set(clientCounts.map((wanted) => Math.min(wanted, room)))) {
    if (ctx.pgbench) raw.push(await rawSale(ctx, 'pgbench', clients, 1));
    raw.push(await rawSale(ctx, 'node-pg', clients, 1));
  }
  return raw;
}

/**
 * The baseline at 32 clients again, after the flash sale: the report uses the higher of the two
 * samples, so that a burst of other work on the machine during one cannot inflate the ratios.
 */
export async function rawBaselineAgain(ctx: BenchContext): Promise<RawResult> {
  return rawSale(ctx, ctx.pgbench ? 'pgbench' : 'node-pg', 32, 2);
}
