/** The run's results as Markdown: bench/results/latest.md, and the table the run prints. */
import { int, round } from '../lib/stats.ts';
import type { BenchResults, BrowseRun, RatedSale, SaleRun } from './results.ts';
import { renderSaleDay } from './saleday-markdown.ts';

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
      `## Purchases as shoppers send them, ${shoppers} shoppers`,
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

  if (r.saleDay) lines.push(...renderSaleDay(r.saleDay));

  for (const [section, title] of [
    ['saleday', '## Targets: sale day'],
    ['purchases', '## Targets: the purchases as shoppers send them'],
    ['bare', '## Targets: the bare path and browsing'],
    ['correctness', '## Correctness, every sale'],
  ] as const) {
    const targets = r.targets.filter((t) => t.section === section);
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
