/**
 * The flash sale through two service processes on one database, shoppers split between them:
 * the bare path, after a warm-up. The second process stops when the phase ends.
 */
import type { SaleRun } from '../report/results.ts';
import type { BenchContext } from './context.ts';
import { sale } from './sale.ts';

export async function two(ctx: BenchContext): Promise<SaleRun> {
  const second = await ctx.startService('service-2');
  const pair = [ctx.service, second];
  await sale(ctx, { label: 'warm-up (two)', services: pair, stocks: [3000] });
  const run = await sale(ctx, {
    label: 'two instances',
    services: pair,
    stocks: [ctx.options.stock],
  });
  await ctx.stopProcess(second);
  return run;
}
