/**
 * The NOTIFY question: the stock trigger NOTIFYs inside every sale batch's transaction while the
 * product's row is locked, and PostgreSQL serialises notifying commits cluster-wide. The bare
 * flash sale with the trigger on and with it disabled (ALTER TABLE ... DISABLE TRIGGER), in
 * alternating rounds (on, off, off, on, on, off) on the first service process; the trigger is
 * enabled again whatever happens. Opt-in: `--only notify`.
 */
import { query } from '../lib/postgres.ts';
import { round } from '../lib/stats.ts';
import type { SaleDayResults } from '../report/results.ts';
import type { BenchContext } from './context.ts';
import { sale } from './sale.ts';

const TRIGGER = 'products_notify_stock_changed';
const ORDER = [true, false, false, true, true, false];

export async function notifyAB(ctx: BenchContext): Promise<NonNullable<SaleDayResults['notify']>> {
  const services = [ctx.service];
  const stock = ctx.options.saleDayStock * 2;
  const setTrigger = (on: boolean) =>
    query(ctx.db.url, `ALTER TABLE products ${on ? 'ENABLE' : 'DISABLE'} TRIGGER ${TRIGGER}`);
  await sale(ctx, { label: 'warm-up (NOTIFY A/B)', services, stocks: [3000] });
  const rounds: NonNullable<SaleDayResults['notify']>['rounds'] = [];
  try {
    for (const [i, on] of ORDER.entries()) {
      await setTrigger(on);
      const run = await sale(ctx, {
        label: `NOTIFY A/B round ${i + 1}, trigger ${on ? 'on' : 'off'}`,
        services,
        stocks: [stock],
      });
      rounds.push({
        trigger: on,
        checkoutsPerSecond: run.checkoutsPerSecond,
        p50Ms: run.latency.p50Ms,
        p99Ms: run.latency.p99Ms,
        postgresCpuPercent: run.cpuPercent.postgres,
      });
    }
  } finally {
    await setTrigger(true);
  }
  const mean = (on: boolean, pick: (r: (typeof rounds)[number]) => number) => {
    const xs = rounds.filter((r) => r.trigger === on).map(pick);
    return round(xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length), 1);
  };
  const result = {
    stock,
    rounds,
    on: {
      checkoutsPerSecond: mean(true, (r) => r.checkoutsPerSecond),
      p99Ms: mean(true, (r) => r.p99Ms),
    },
    off: {
      checkoutsPerSecond: mean(false, (r) => r.checkoutsPerSecond),
      p99Ms: mean(false, (r) => r.p99Ms),
    },
    ratio: 0,
  };
  result.ratio = round(
    result.on.checkoutsPerSecond / Math.max(1, result.off.checkoutsPerSecond),
    3,
  );
  ctx.log(
    `NOTIFY A/B: trigger on ${result.on.checkoutsPerSecond}/s p99 ${result.on.p99Ms} ms, off ` +
      `${result.off.checkoutsPerSecond}/s p99 ${result.off.p99Ms} ms: on/off ${result.ratio}`,
  );
  return result;
}
