/**
 * Sale day, pages open: the flash sale (bare, and keyed with the limit on) with `--pages` live
 * stock streams held open by one lean child process, and with none, alternating in one run
 * (none, pages, pages, none) so that a noisy machine disturbs both alike. Reports each round's
 * checkouts/s and p99, the ratios pages/none, what the pages saw (staleness of the final stock,
 * events and bytes per page), the service's RSS and descriptors before and during, and the CPU
 * of the load generators.
 */
import {
  type PagesSeen,
  type PagesOpened,
  Pages,
  processMemory,
  type ProcessMemory,
} from '../lib/pages.ts';
import type { RunningProcess } from '../lib/processes.ts';
import { round } from '../lib/stats.ts';
import type { PagesRound, PagesSummary } from '../report/results.ts';
import type { BenchContext } from './context.ts';
import { sale } from './sale.ts';

/** Room for every page the sale-day phases open, whatever cap the build defaults to. */
export const STREAMS_ROOM = { EVENT_STREAMS_MAX: '40000' };
/** How long after the last sale a page may take to show sold out before it counts as never. */
const DEADLINE_MS = 5000;

/** Polls a process's RSS and descriptors until stopped; returns the highest seen. */
export function sampleMemory(pid: number, everyMs = 250): () => Promise<ProcessMemory | undefined> {
  let peak: ProcessMemory | undefined;
  let stopped = false;
  const loop = (async () => {
    while (!stopped) {
      const m = await processMemory(pid);
      if (m && (!peak || m.rssMB > peak.rssMB)) peak = { ...m };
      if (m && peak) peak.descriptors = Math.max(peak.descriptors, m.descriptors);
      await new Promise((r) => setTimeout(r, everyMs));
    }
  })();
  return async () => {
    stopped = true;
    await loop;
    return peak;
  };
}

/**
 * One round: a flash sale of `stock` units with the pages open (or none); the pages watch the
 * product for stock 0.
 */
async function round1(
  ctx: BenchContext,
  kind: 'bare' | 'keyed',
  services: RunningProcess[],
  pages: Pages | undefined,
  opened: PagesOpened | undefined,
  label: string,
): Promise<PagesRound> {
  const stock = ctx.options.saleDayStock;
  let before: ProcessMemory[] = [];
  let stopSampling: (() => Promise<ProcessMemory | undefined>)[] = [];
  let pagesCpuBefore = 0;
  const run = await sale(ctx, {
    label,
    services,
    stocks: [stock],
    ...(kind === 'keyed' ? { keyed: true, ownAddresses: true } : {}),
    beforeStart: async ([productId]) => {
      await pages?.watch(productId, 0);
      before = (await Promise.all(services.map((s) => processMemory(s.pid)))).filter(
        (m): m is ProcessMemory => m !== undefined,
      );
      stopSampling = services.map((s) => sampleMemory(s.pid));
      pagesCpuBefore = (await pages?.cpuMs()) ?? 0;
    },
  });
  const during = (await Promise.all(stopSampling.map((stop) => stop()))).filter(
    (m): m is ProcessMemory => m !== undefined,
  );
  let seen: PagesSeen | undefined;
  let pagesCpuPercent: number | undefined;
  if (pages) {
    const cpu = (await pages.cpuMs()) - pagesCpuBefore;
    pagesCpuPercent = round((cpu / Math.max(1, run.durationMs)) * 100);
    seen = await pages.stats(run.lastSaleAt ?? Date.now(), DEADLINE_MS);
  }
  const result: PagesRound = {
    label,
    kind,
    instances: services.length,
    pages: opened?.connected ?? 0,
    opened,
    checkoutsPerSecond: run.checkoutsPerSecond,
    p99Ms: run.latency.p99Ms,
    seen,
    serviceBefore: before,
    serviceDuring: during,
    pagesCpuPercent,
    saleGeneratorCpuPercent: run.cpuPercent.loadGenerator,
  };
  const s = seen?.staleness;
  ctx.log(
    `  ${label}: ${result.pages} pages, ${run.checkoutsPerSecond}/s, p99 ${run.latency.p99Ms} ms` +
      (seen && s
        ? `; pages saw sold out p50 ${s.p50Ms} ms, p99 ${s.p99Ms} ms, max ${s.maxMs} ms, ` +
          `never ${s.never}; ${seen.eventsPerPage.mean} events, ${seen.bytesPerPage} B per page; ` +
          `pages CPU ${pagesCpuPercent}%`
        : '') +
      `; service RSS ${before.map((m) => m.rssMB).join('+')} -> ${during.map((m) => m.rssMB).join('+')} MB, ` +
      `fds ${before.map((m) => m.descriptors).join('+')} -> ${during.map((m) => m.descriptors).join('+')}`,
  );
  return result;
}

/**
 * Both sales with and without pages, on `services` (one, or two behind `urls` when a proxy is in
 * front: pages then connect through it). Rounds: none, pages, pages, none.
 */
export async function pagesOpen(
  ctx: BenchContext,
  options: { bare: RunningProcess[]; keyed: RunningProcess[]; pageUrls?: string[]; tag?: string },
): Promise<{ rounds: PagesRound[]; summary: PagesSummary[] }> {
  const rounds: PagesRound[] = [];
  const count = ctx.options.pages;
  const tag = options.tag ?? '';
  for (const kind of ['bare', 'keyed'] as const) {
    const services = options[kind];
    await sale(ctx, {
      label: `warm-up (pages, ${kind}${tag})`,
      services,
      stocks: [3000],
      ...(kind === 'keyed' ? { keyed: true, ownAddresses: true } : {}),
    });
    const name = (n: number, with_: boolean) =>
      `${kind === 'bare' ? 'flash sale' : 'keyed flash sale'}${tag}, ${with_ ? `${count} pages` : 'no pages'} (${n})`;
    rounds.push(await round1(ctx, kind, services, undefined, undefined, name(1, false)));
    const pages = new Pages();
    try {
      const opened = await pages.open(options.pageUrls ?? services.map((s) => s.url), count);
      ctx.log(
        `  opened ${opened.connected}/${opened.opened} pages in ${opened.ms} ms` +
          (Object.keys(opened.refused).length ? `, refused ${JSON.stringify(opened.refused)}` : ''),
      );
      rounds.push(await round1(ctx, kind, services, pages, opened, name(2, true)));
      rounds.push(await round1(ctx, kind, services, pages, opened, name(3, true)));
    } finally {
      await pages.closeAll().catch(() => undefined);
      pages.stop();
    }
    await settle(services);
    rounds.push(await round1(ctx, kind, services, undefined, undefined, name(4, false)));
  }
  return { rounds, summary: summarise(rounds) };
}

/** Waits (up to 10 s) until the services have let go of the closed pages' sockets. */
async function settle(services: RunningProcess[]): Promise<void> {
  for (let i = 0; i < 100; i++) {
    const open = await Promise.all(services.map((s) => processMemory(s.pid)));
    if (open.every((m) => !m || m.descriptors < 500)) return;
    await new Promise((r) => setTimeout(r, 100));
  }
}

function summarise(rounds: PagesRound[]): PagesSummary[] {
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
  return (['bare', 'keyed'] as const).flatMap((kind) => {
    const withPages = rounds.filter((r) => r.kind === kind && r.pages > 0);
    const none = rounds.filter((r) => r.kind === kind && r.pages === 0);
    if (withPages.length === 0 || none.length === 0) return [];
    const cps = mean(withPages.map((r) => r.checkoutsPerSecond));
    const cpsNone = mean(none.map((r) => r.checkoutsPerSecond));
    const p99 = mean(withPages.map((r) => r.p99Ms));
    const p99None = mean(none.map((r) => r.p99Ms));
    const worst = (pick: (s: NonNullable<PagesSeen['staleness']>) => number) =>
      Math.max(...withPages.map((r) => (r.seen?.staleness ? pick(r.seen.staleness) : 0)));
    return [
      {
        kind,
        instances: withPages[0].instances,
        pages: withPages[0].pages,
        checkoutsPerSecond: round(cps),
        checkoutsPerSecondNone: round(cpsNone),
        ratio: round(cps / Math.max(1, cpsNone), 2),
        p99Ms: round(p99, 1),
        p99MsNone: round(p99None, 1),
        p99Ratio: round(p99 / Math.max(0.1, p99None), 2),
        stalenessP50Ms: worst((s) => s.p50Ms),
        stalenessP99Ms: worst((s) => s.p99Ms),
        stalenessMaxMs: worst((s) => s.maxMs),
        neverSaw: worst((s) => s.never),
        eventsPerPage: round(mean(withPages.map((r) => r.seen?.eventsPerPage.mean ?? 0))),
        bytesPerPage: round(mean(withPages.map((r) => r.seen?.bytesPerPage ?? 0))),
      },
    ];
  });
}
