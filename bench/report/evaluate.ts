/**
 * Evaluation of a run: the ratios against the raw ceiling, the targets (reported, never
 * enforced), and the failures that make the run exit non-zero.
 */
import type { RawResult } from '../lib/raw-sql.ts';
import { int, round } from '../lib/stats.ts';
import type {
  BenchResults,
  RatedSale,
  SaleDayResults,
  SaleRun,
  Target,
  TargetSection,
} from './results.ts';

/** Fills in the ratios, the targets and the failures that make the run exit non-zero. */
export function evaluate(results: BenchResults): void {
  // The best of the samples at 32 clients, pgbench's when it ran.
  const best = (tool: RawResult['tool']) =>
    results.raw
      .filter((r) => r.tool === tool && r.clients === 32)
      .sort((a, b) => b.transactionsPerSecond - a.transactionsPerSecond)[0];
  const base = best('pgbench') ?? best('node-pg');
  if (base) {
    results.baseline = {
      tool: base.tool,
      clients: base.clients,
      transactionsPerSecond: base.transactionsPerSecond,
    };
  }
  const ratio = (perSecond: number) =>
    base ? round(perSecond / base.transactionsPerSecond, 2) : undefined;
  const asSent = results.asSent;
  for (const sale of [
    results.flashSale,
    results.twoInstances,
    asSent.buyNow,
    asSent.drop,
    asSent.cart,
    asSent.zipf,
    asSent.twoInstances,
    ...results.sweep,
  ]) {
    if (sale) sale.ratio = ratio(sale.checkoutsPerSecond);
  }

  const baseName = base ? `${base.tool}@${base.clients}` : 'the raw ceiling';
  const targets: Target[] = [];
  const x = (sale: RatedSale | undefined) => (sale?.ratio === undefined ? 'n/a' : `${sale.ratio}×`);
  const atLeast = (
    section: TargetSection,
    name: string,
    sale: RatedSale | undefined,
    goal: number,
  ) => {
    if (!sale) return;
    targets.push({
      section,
      name: `${name}, ${sale.shoppers} shoppers, vs ${baseName}`,
      goal: `≥ ${goal}×`,
      measured: x(sale),
      met: (sale.ratio ?? 0) >= goal,
    });
  };
  atLeast('purchases', 'Buy now with key and limit', asSent.buyNow, 3);
  if (asSent.buyNow) {
    const p99 = asSent.buyNow.latency.p99Ms;
    targets.push({
      section: 'purchases',
      name: 'Buy now with key and limit, p99',
      goal: '< 150 ms',
      measured: `${p99} ms`,
      met: p99 < 150,
    });
  }
  atLeast('purchases', 'cart checkout with key', asSent.cart, 2);
  atLeast('purchases', `${asSent.zipf?.products ?? 100}-product catalogue`, asSent.zipf, 3);
  atLeast('purchases', 'two instances with keys', asSent.twoInstances, 3);
  atLeast('bare', 'bare path (flash sale, no key, no limit)', results.flashSale, 4);
  const main = results.flashSale;
  if (main) {
    targets.push(
      {
        section: 'bare',
        name: `flash sale, ${main.shoppers} shoppers, vs ${baseName}`,
        goal: '≥ 4× (stretch 6×)',
        measured: x(main),
        met: (main.ratio ?? 0) >= 4,
      },
      {
        section: 'bare',
        name: 'flash sale p99',
        goal: '< 100 ms',
        measured: `${main.latency.p99Ms} ms`,
        met: main.latency.p99Ms < 100,
      },
    );
  }
  atLeast('bare', 'two instances (bare path)', results.twoInstances, 3);
  if (results.browse) {
    targets.push({
      section: 'bare',
      name: `GET ${results.browse.path} vs bare Fastify + pg`,
      goal: '≥ 0.5×',
      measured: `${results.browse.ratio}×`,
      met: results.browse.ratio >= 0.5,
    });
  }
  const total = (pick: (s: SaleRun) => number) => results.sales.reduce((n, s) => n + pick(s), 0);
  const oversold = total((s) => s.database.oversold);
  const refused = total((s) => s.refusedWhileStockRemained);
  const serverErrors = total((s) => s.serverErrors) + (results.browse?.service.serverErrors ?? 0);
  const ordersOff = total((s) => Math.abs(s.database.ordersMissing));
  const keyed = results.sales.filter((s) => s.idempotency);
  const keyProblems = keyed.reduce((n, s) => n + keyFaults(s).length, 0);
  if (results.sales.length > 0) {
    targets.push(
      {
        section: 'correctness',
        name: 'oversold units, every sale',
        goal: '0',
        measured: int(oversold),
        met: !oversold,
      },
      {
        section: 'correctness',
        name: 'shoppers refused while stock remained, every sale',
        goal: '0',
        measured: int(refused),
        met: !refused,
      },
      {
        section: 'correctness',
        name: '5xx answers',
        goal: '0',
        measured: int(serverErrors),
        met: !serverErrors,
      },
      {
        section: 'correctness',
        name: 'orders that are not one per 201 (missing or extra), every sale',
        goal: '0',
        measured: int(ordersOff),
        met: !ordersOff,
      },
    );
  }
  if (keyed.length > 0) {
    targets.push({
      section: 'correctness',
      name: `Idempotency-Keys without exactly one order, or orders without a key (${keyed.length} keyed sales)`,
      goal: '0',
      measured: int(keyProblems),
      met: !keyProblems,
    });
  }
  const failures: string[] = [];
  if (results.saleDay) saleDayTargets(results.saleDay, targets, failures);
  results.targets = targets;

  for (const sale of results.sales) {
    const d = sale.database;
    if (d.oversold > 0) failures.push(`${sale.label}: ${d.oversold} units oversold`);
    if (d.stockMismatch !== 0) {
      failures.push(`${sale.label}: stock does not add up (off by ${d.stockMismatch})`);
    }
    if (d.ordersMissing !== 0) {
      failures.push(`${sale.label}: ${d.ordersMissing} checkouts answered 201 have no order`);
    }
    if (sale.serverErrors > 0) failures.push(`${sale.label}: ${sale.serverErrors} answers 5xx`);
    if (sale.refusedWhileStockRemained > 0) {
      failures.push(
        `${sale.label}: ${sale.refusedWhileStockRemained} shoppers refused while stock remained ` +
          `(${JSON.stringify(sale.refusals)})`,
      );
    }
    if (sale.rateLimited > 0) {
      failures.push(
        `${sale.label}: ${sale.rateLimited} answers 429 (each purchase has its own address: ` +
          'the limit must never be reached)',
      );
    }
    if (sale.otherErrors - sale.rateLimited > 0) {
      failures.push(
        `${sale.label}: ${sale.otherErrors - sale.rateLimited} unexpected answers or connection errors`,
      );
    }
    for (const fault of keyFaults(sale)) failures.push(`${sale.label}: ${fault}`);
    if (sale.timedOut) failures.push(`${sale.label}: did not sell out before the deadline`);
  }
  for (const probe of results.limits) {
    const shared = probe.instances === 1 || probe.storage === 'redis';
    const expected = shared ? probe.limit + 1 : undefined;
    if (probe.limitedAt !== expected || !probe.otherAddressPassed) {
      failures.push(
        `limit probe, ${probe.label}: expected ${
          expected ? `checkout ${expected} from one address to be answered 429` : 'no 429'
        } and another address let through; got ${
          probe.limitedAt ? `a 429 at checkout ${probe.limitedAt}` : 'no 429'
        }, another address ${probe.otherAddressPassed ? 'let through' : 'refused'}`,
      );
    }
  }
  if (results.browse && results.browse.service.serverErrors > 0) {
    failures.push(`GET ${results.browse.path}: ${results.browse.service.serverErrors} answers 5xx`);
  }
  results.failures = failures;
}

/**
 * The sale-day targets (reported, never enforced) and its failures: a drop that did not sell
 * exactly its units, gave a customer more than the limit, or answered any 5xx.
 */
function saleDayTargets(d: SaleDayResults, targets: Target[], failures: string[]): void {
  const add = (name: string, goal: string, measured: string, met: boolean) =>
    targets.push({ section: 'saleday', name, goal, measured, met });
  const summaries = [...(d.pagesOpen?.summary ?? []), ...(d.two?.pagesOpen?.summary ?? [])];
  for (const s of summaries) {
    const what =
      `${s.kind === 'bare' ? 'flash sale' : 'keyed flash sale'}, ${s.instances} ` +
      `instance${s.instances > 1 ? 's' : ''}, ${int(s.pages)} pages open`;
    add(`${what}: checkouts/s, pages / none`, '≥ 0.9×', `${s.ratio}×`, s.ratio >= 0.9);
    add(`${what}: p99, pages / none`, '≤ 1.25×', `${s.p99Ratio}×`, s.p99Ratio <= 1.25);
    add(
      `${what}: freshness, last sale to sold out on every page (p99 / max; pages that never saw it)`,
      '≤ 1 s, none missed',
      `${s.stalenessP99Ms} / ${s.stalenessMaxMs} ms; ${s.neverSaw} missed`,
      s.stalenessP99Ms <= 1000 && s.neverSaw === 0,
    );
  }
  if (d.idle?.rssGrowthMB !== undefined) {
    add(
      `${int(d.idle.pages)} idle pages on one instance: RSS growth (${int(d.idle.connected)} connected)`,
      '≤ 300 MB, all connected',
      `${d.idle.rssGrowthMB} MB`,
      d.idle.rssGrowthMB <= 300 && d.idle.connected === d.idle.pages,
    );
  }
  for (const run of d.herd?.runs.slice(1) ?? []) {
    add(
      `catalogue herd, GET ${run.path}, ${d.herd?.connections} connections, vs GET /health/live`,
      '≥ 0.5×',
      `${run.ratioToLive}× (${int(run.requestsPerSecond)} req/s)`,
      run.ratioToLive >= 0.5,
    );
  }
  for (const drop of d.drops ?? []) {
    const what = `drop start (${drop.label})`;
    const seen = drop.soldOutSeen;
    add(
      `${what}: units sold`,
      `exactly ${drop.units}`,
      int(drop.unitsSold),
      drop.unitsSold === drop.units,
    );
    add(
      `${what}: most units of one customer`,
      `≤ ${drop.maxPerCustomer}`,
      String(drop.mostUnitsOfOneCustomer),
      drop.mostUnitsOfOneCustomer <= drop.maxPerCustomer,
    );
    add(`${what}: 5xx answers`, '0', int(drop.serverErrors), drop.serverErrors === 0);
    const unanswered = drop.answers['0'] ?? 0;
    add(
      `${what}: clicks without an answer (connection refused, reset or timed out)`,
      '0',
      int(unanswered),
      unanswered === 0,
    );
    add(
      `${what}: purchase answers, p99`,
      '≤ 2 s',
      `${drop.purchaseLatency.p99Ms} ms`,
      drop.purchaseLatency.p99Ms <= 2000,
    );
    add(
      `${what}: every page shows sold out after the last sale (max after the last 201; first to last page; missed)`,
      '≤ 1 s, none missed',
      seen ? `${seen.maxMs} ms; ${seen.spreadMs} ms; ${seen.never} missed` : 'n/a',
      !!seen && seen.maxMs <= 1000 && seen.spreadMs <= 1000 && seen.never === 0,
    );
    add(
      `${what}: new visitors (GET / and GET /products) answered, p99`,
      '≤ 1 s, all answered',
      `${int(drop.visitorsAnswered)}/${int(drop.visitors)}, ${drop.visitorLatency.p99Ms} ms`,
      drop.visitorLatency.p99Ms <= 1000 && drop.visitorsAnswered === drop.visitors,
    );
    // Fewer pages than the drop needs (a small --pages) cannot sell it out; more units never.
    if (
      drop.unitsSold > drop.units ||
      (drop.unitsSold < drop.units && drop.unitsAsked >= drop.units)
    ) {
      failures.push(
        `${what}: sold ${drop.unitsSold} units of ${drop.units} (${drop.unitsAsked} asked for)`,
      );
    }
    if (drop.mostUnitsOfOneCustomer > drop.maxPerCustomer) {
      failures.push(
        `${what}: a customer got ${drop.mostUnitsOfOneCustomer} units (limit ${drop.maxPerCustomer})`,
      );
    }
    if (drop.serverErrors > 0) {
      failures.push(
        `${what}: ${drop.serverErrors} answers 5xx (${JSON.stringify(drop.answers)}): ` +
          drop.errorSamples.join(' | '),
      );
    }
  }
  for (const run of d.herd?.runs ?? []) {
    if (run.serverErrors > 0)
      failures.push(`herd GET ${run.path}: ${run.serverErrors} answers 5xx`);
  }
}

/** What is wrong with a keyed sale's keys and orders, read back from PostgreSQL. */
function keyFaults(sale: SaleRun): string[] {
  const k = sale.idempotency;
  if (!k) return [];
  const faults: string[] = [];
  if (k.created !== sale.checkouts) {
    faults.push(`${k.created} keys answered 201 in the database for ${sale.checkouts} answers 201`);
  }
  if (k.ordersOfKeys !== k.created) {
    faults.push(`${k.ordersOfKeys} orders under ${k.created} keys answered 201`);
  }
  if (k.createdWithoutOrder > 0)
    faults.push(`${k.createdWithoutOrder} keys answered 201 have no order`);
  if (k.orderWithoutCreated > 0) {
    faults.push(`${k.orderWithoutCreated} keys have an order but another stored answer`);
  }
  if (k.ordersWithoutKey > 0) faults.push(`${k.ordersWithoutKey} orders were made under no key`);
  if (k.unanswered > 0) faults.push(`${k.unanswered} keys have no stored answer`);
  if (k.keys > k.keysSent) faults.push(`${k.keys} keys stored for ${k.keysSent} sent`);
  if (k.replays && k.replays.sameOrder !== k.replays.sent) {
    faults.push(
      `${k.replays.sent - k.replays.sameOrder} of ${k.replays.sent} repeats of a key were not ` +
        `answered 201 with the same order: ${k.replays.samples.join(' | ')}`,
    );
  }
  return faults;
}
