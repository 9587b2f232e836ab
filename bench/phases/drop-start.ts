/**
 * Sale day, the drop: `--pages` open pages wait for a drop of 500 units limited to 2 per customer
 * that starts a few seconds ahead (saleStartsAt). At the start every page clicks Buy within 1 s,
 * as the storefront does: a fresh Idempotency-Key, its own email and address, 1 or 2 units, and
 * on 503 OVERLOADED (or a SALE_NOT_STARTED from a clock a hair early) it waits Retry-After and
 * sends again with the same key. Meanwhile as many new visitors load `/`, GET /products and open
 * the stream within 2 s. Read back from PostgreSQL: units sold, the most units of one customer.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { HttpConnection } from '../lib/http-client.ts';
import { listenOverflows, Pages, wallClock } from '../lib/pages.ts';
import { query } from '../lib/postgres.ts';
import type { RunningProcess } from '../lib/processes.ts';
import { round, summarise } from '../lib/stats.ts';
import type { DropStart } from '../report/results.ts';
import type { BenchContext } from './context.ts';
import { sampleMemory } from './pages.ts';

export const DROP_UNITS = 500;
export const DROP_PER_CUSTOMER = 2;
const LEAD_MS = 6000;
const CLICK_SPREAD_MS = 1000;
const VISITOR_SPREAD_MS = 2000;
const MAX_TRIES = 6;

const json = (body: Buffer): Record<string, unknown> => {
  try {
    return JSON.parse(body.toString()) as Record<string, unknown>;
  } catch {
    return {};
  }
};

/** The drop through `services` (pages and purchases over `urls`, e.g. a proxy, when given). */
export async function dropStart(
  ctx: BenchContext,
  services: RunningProcess[],
  options: { urls?: string[]; label: string; ownAddresses?: boolean },
): Promise<DropStart> {
  const urls = options.urls ?? services.map((s) => s.url);
  const count = ctx.options.pages;
  const pages = new Pages();
  try {
    const opened = await pages.open(urls, count, 250, 50);
    const startsAt = Date.now() + LEAD_MS;
    const productId = await ctx.createProduct(`Drop: ${options.label}`, DROP_UNITS, {
      maxPerCustomer: DROP_PER_CUSTOMER,
      saleStartsAt: new Date(startsAt).toISOString(),
    });
    await pages.watch(productId, 0);
    await sleep(Math.max(0, startsAt - Date.now()));
    const pagesCpuBefore = await pages.cpuMs();
    const overflowsBefore = await listenOverflows();
    const stopSampling = services.map((s) => sampleMemory(s.pid));
    const ownCpuBefore = process.cpuUsage();

    const answers: number[] = [];
    const statuses: Record<string, number> = {};
    const samples: string[] = [];
    let sold = 0;
    let lastSaleAt = 0;
    let overloaded = 0;
    let retried = 0;
    let unitsAsked = 0;
    const purchase = async (i: number) => {
      await sleep(Math.random() * CLICK_SPREAD_MS);
      const quantity = i % 3 === 0 ? 2 : 1;
      unitsAsked += quantity;
      const body = JSON.stringify({
        productId,
        quantity,
        email: `drop-${ctx.runId}-${options.label.length}-${i}@example.com`,
      });
      const headers =
        (options.ownAddresses === false ? '' : ctx.ownAddress()) +
        `Idempotency-Key: ${ctx.runId}-drop-${options.label.length}-${i}\r\n`;
      const connection = new HttpConnection(urls[i % urls.length], 20_000);
      try {
        for (let attempt = 1; attempt <= MAX_TRIES; attempt++) {
          const sentAt = wallClock();
          let status = 0;
          let answer: Buffer = Buffer.alloc(0);
          try {
            ({ status, body: answer } = await connection.request(
              'POST',
              '/checkout',
              body,
              headers,
            ));
          } catch (error) {
            if (samples.length < 5) samples.push(String(error));
          }
          const receivedAt = wallClock();
          answers.push(receivedAt - sentAt);
          const problem = status === 201 ? {} : json(answer);
          const key = status === 201 ? '201' : `${status} ${String(problem.code ?? '')}`.trim();
          statuses[key] = (statuses[key] ?? 0) + 1;
          if (status === 201) {
            sold += quantity;
            lastSaleAt = Math.max(lastSaleAt, receivedAt);
            return;
          }
          const again =
            (status === 503 && problem.code === 'OVERLOADED') ||
            (status === 409 && problem.code === 'SALE_NOT_STARTED');
          if (status === 503) overloaded++;
          if (!again) {
            if (status >= 500 && samples.length < 5) samples.push(`${status} ${answer.toString()}`);
            return;
          }
          retried++;
          const after = Number(problem.retryAfterSeconds ?? 1);
          await sleep(
            Math.min(5, Number.isFinite(after) ? after : 1) * 1000 * (0.5 + Math.random()),
          );
        }
      } finally {
        connection.close();
      }
    };

    const visitorTimes: number[] = [];
    let visitorsAnswered = 0;
    const visitor = async (i: number) => {
      await sleep(Math.random() * VISITOR_SPREAD_MS);
      const connection = new HttpConnection(urls[i % urls.length], 20_000);
      const startedAt = wallClock();
      try {
        const home = await connection.request('GET', '/');
        const list = await connection.request('GET', '/products');
        if (home.status === 200 && list.status === 200) visitorsAnswered++;
        else if (samples.length < 5) samples.push(`visitor ${home.status}/${list.status}`);
        visitorTimes.push(wallClock() - startedAt);
      } catch (error) {
        if (samples.length < 5) samples.push(`visitor ${String(error)}`);
      } finally {
        connection.close();
      }
    };

    const visitorStreams = pages.open(urls, count, Math.ceil(count / 40), 50, 'visitors');
    await Promise.all([
      ...Array.from({ length: count }, (_, i) => purchase(i)),
      ...Array.from({ length: count }, (_, i) => visitor(i)),
    ]);
    const own = process.cpuUsage(ownCpuBefore);
    const overflowsAfter = await listenOverflows();
    const peaks = await Promise.all(stopSampling.map((stop) => stop()));
    const durationMs = wallClock() - startsAt;
    const streams = await visitorStreams;
    const seen = await pages.stats(lastSaleAt || wallClock(), 5000, 'pages');
    const pagesCpu = (await pages.cpuMs()) - pagesCpuBefore;

    const [units] = await query<{ units: string | null; worst: string | null; stock: number }>(
      ctx.db.url,
      `SELECT (SELECT sum(quantity) FROM order_items WHERE product_id = $1) AS units,
              (SELECT max(u) FROM (SELECT sum(i.quantity) AS u FROM order_items i
                 JOIN orders o ON o.id = i.order_id WHERE i.product_id = $1
                 GROUP BY coalesce(o.customer, o.email, o.id::text)) per) AS worst,
              (SELECT stock FROM products WHERE id = $1) AS stock`,
      [productId],
    );
    const serverErrors = Object.entries(statuses)
      .filter(([key]) => key.startsWith('5'))
      .reduce((n, [, v]) => n + v, 0);
    const result: DropStart = {
      label: options.label,
      instances: services.length,
      pages: opened.connected,
      pagesRefused: opened.refused,
      units: DROP_UNITS,
      maxPerCustomer: DROP_PER_CUSTOMER,
      unitsSold: Number(units.units ?? 0),
      unitsAnswered: sold,
      unitsAsked,
      stockLeft: units.stock,
      mostUnitsOfOneCustomer: Number(units.worst ?? 0),
      answers: statuses,
      serverErrors,
      serverErrorsOtherThanOverloaded: serverErrors - overloaded,
      retried,
      purchaseLatency: summarise(answers),
      soldOutSeen: seen.staleness,
      visitors: count,
      visitorsAnswered,
      visitorLatency: summarise(visitorTimes),
      visitorStreams: { connected: streams.connected, refused: streams.refused },
      durationMs: round(durationMs),
      cpuPercent: {
        pages: round((pagesCpu / durationMs) * 100),
        buyersAndVisitors: round(((own.user + own.system) / 1000 / durationMs) * 100),
      },
      errorSamples: samples,
      servicePeak: peaks.filter((m) => m !== undefined),
      listenOverflows:
        overflowsBefore === undefined || overflowsAfter === undefined
          ? undefined
          : overflowsAfter - overflowsBefore,
    };
    const s = result.soldOutSeen;
    ctx.log(
      `drop (${options.label}): ${result.pages} pages; sold ${result.unitsSold}/${DROP_UNITS} ` +
        `(stock left ${result.stockLeft}), most per customer ${result.mostUnitsOfOneCustomer}, ` +
        `answers ${JSON.stringify(statuses)}, retried ${retried}, purchase p99 ` +
        `${result.purchaseLatency.p99Ms} ms; sold out seen p99 ${s?.p99Ms} ms max ${s?.maxMs} ms spread ${s?.spreadMs} ms ` +
        `never ${s?.never}; visitors ${visitorsAnswered}/${count} p99 ${result.visitorLatency.p99Ms} ms, ` +
        `streams ${streams.connected}/${count}; CPU pages ${result.cpuPercent.pages}% buyers+visitors ` +
        `${result.cpuPercent.buyersAndVisitors}%; listen queue overflows ${result.listenOverflows}; service peak ` +
        `${result.servicePeak.map((m) => `${m.rssMB} MB / ${m.descriptors} fds`).join(', ')}` +
        (samples.length ? `; samples: ${samples.join(' | ').slice(0, 400)}` : ''),
    );
    return result;
  } finally {
    await pages.closeAll().catch(() => undefined);
    pages.stop();
  }
}
