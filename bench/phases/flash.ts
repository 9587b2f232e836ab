/**
 * The flash sale through the service, on the bare path: one product, `--stock` units,
 * `--shoppers` shoppers buying one at a time, no Idempotency-Key, the rate limit off; after a
 * warm-up sale.
 */
import type { SaleRun } from '../report/results.ts';
import type { BenchContext } from './context.ts';
import { sale } from './sale.ts';

export async function flash(ctx: BenchContext): Promise<SaleRun> {
  const services = [ctx.service];
  await sale(ctx, { label: 'warm-up', services, stocks: [3000] });
  return sale(ctx, { label: 'flash sale', services, stocks: [ctx.options.stock] });
}
