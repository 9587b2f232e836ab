/** The concurrency sweep: the flash sale at each of `--sweep` shopper counts, drawn as an SVG. */
import type { SaleRun } from '../report/results.ts';
import type { BenchContext } from './context.ts';
import { sale } from './sale.ts';

export async function sweep(ctx: BenchContext): Promise<SaleRun[]> {
  const points: SaleRun[] = [];
  for (const shoppers of ctx.options.sweep) {
    points.push(
      await sale(ctx, {
        label: `sweep ${shoppers}`,
        services: [ctx.service],
        shoppers,
        stocks: [ctx.options.sweepStock],
      }),
    );
  }
  return points;
}
