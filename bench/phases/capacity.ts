/**
 * Sale day, capacity: idle pages on one fresh service process (its RSS and descriptors before
 * and with them open), the cap past which the service refuses a stream (EVENT_STREAMS_MAX set
 * below the pages opened), and the herd on the catalogue (GET /products?limit=20, GET
 * /products/{id}, GET /health/live, each at 200 connections in the same minute).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { steadyLoad } from '../lib/load.ts';
import { Pages, processMemory } from '../lib/pages.ts';
import type { RunningProcess } from '../lib/processes.ts';
import { round } from '../lib/stats.ts';
import type { SaleDayResults } from '../report/results.ts';
import type { BenchContext } from './context.ts';
import { STREAMS_ROOM } from './pages.ts';

const HERD_CONNECTIONS = 200;
const HERD_MS = 4000;
/** The cap of the sub-step, and the pages it opens past it. */
const CAP = 500;
const CAP_PAGES = 700;

/** `count` idle pages on a fresh process: what they cost it. */
export async function idlePages(ctx: BenchContext): Promise<SaleDayResults['idle']> {
  const count = ctx.options.idlePages;
  const service = await ctx.startService('saleday-idle', STREAMS_ROOM);
  const pages = new Pages();
  try {
    // A few requests first, so that the baseline is a process that has served, not a cold one.
    await steadyLoad({ baseUrl: service.url, path: '/products', connections: 10, durationMs: 500 });
    const before = await processMemory(service.pid);
    const opened = await pages.open([service.url], count, 200, 50);
    await sleep(2000);
    const cpuBefore = (await service.cpuMs()) ?? 0;
    await sleep(3000);
    const idleCpu = round((((await service.cpuMs()) ?? 0) - cpuBefore) / 30, 1);
    const after = await processMemory(service.pid);
    const pagesCpuMs = await pages.cpuMs();
    const result = {
      pages: count,
      connected: opened.connected,
      refused: opened.refused,
      openMs: opened.ms,
      before,
      after,
      rssGrowthMB: before && after ? round(after.rssMB - before.rssMB, 1) : undefined,
      kBPerPage:
        before && after && opened.connected
          ? round(((after.rssMB - before.rssMB) * 1024) / opened.connected, 1)
          : undefined,
      serviceIdleCpuPercent: idleCpu,
      pagesCpuMs,
    };
    ctx.log(
      `idle pages: ${opened.connected}/${count} connected in ${opened.ms} ms ` +
        `(refused ${JSON.stringify(opened.refused)}); service RSS ${before?.rssMB} -> ` +
        `${after?.rssMB} MB (${result.kBPerPage} kB/page), fds ${before?.descriptors} -> ` +
        `${after?.descriptors}, idle CPU ${idleCpu}%; pages process CPU ${pagesCpuMs} ms`,
    );
    return result;
  } finally {
    await pages.closeAll().catch(() => undefined);
    pages.stop();
    await ctx.stopProcess(service);
  }
}

/** More pages than EVENT_STREAMS_MAX on a short-lived process: how many were refused, and how. */
export async function streamCap(ctx: BenchContext): Promise<SaleDayResults['cap']> {
  const service = await ctx.startService('saleday-cap', { EVENT_STREAMS_MAX: String(CAP) });
  const pages = new Pages();
  try {
    const opened = await pages.open([service.url], CAP_PAGES, 100, 50);
    // Refused pages are answered at once; accepted ones stay open. Read the status of a refusal.
    const refusal = await fetch(`${service.url}/products/events`, {
      signal: AbortSignal.timeout(3000),
    }).then(
      async (r) => {
        const text = r.status === 200 ? '' : (await r.text()).slice(0, 300);
        if (r.status === 200) await r.body?.cancel();
        return { status: r.status, retryAfter: r.headers.get('retry-after'), body: text };
      },
      (error: unknown) => ({ status: 0, retryAfter: null, body: String(error) }),
    );
    const result = {
      cap: CAP,
      opened: opened.opened,
      connected: opened.connected,
      refused: opened.refused,
      oneMore: refusal,
    };
    ctx.log(
      `stream cap ${CAP}: ${opened.connected}/${opened.opened} connected, refused ` +
        `${JSON.stringify(opened.refused)}; one more: ${refusal.status} ` +
        `(Retry-After ${refusal.retryAfter}) ${refusal.body.slice(0, 120)}`,
    );
    return result;
  } finally {
    await pages.closeAll().catch(() => undefined);
    pages.stop();
    await ctx.stopProcess(service);
  }
}

/** The catalogue under a herd: three paths, each after a short warm-up, at 200 connections. */
export async function catalogueHerd(
  ctx: BenchContext,
  service: RunningProcess,
  productId: string,
): Promise<SaleDayResults['herd']> {
  const paths = ['/health/live', '/products?limit=20', `/products/${productId}`];
  const runs = [];
  for (const path of paths) {
    const load = { baseUrl: service.url, path, connections: HERD_CONNECTIONS };
    await steadyLoad({ ...load, durationMs: 1000 });
    const cpuBefore = (await service.cpuMs()) ?? 0;
    const result = await steadyLoad({ ...load, durationMs: HERD_MS });
    const cpu = round(((((await service.cpuMs()) ?? 0) - cpuBefore) / result.durationMs) * 100);
    runs.push({
      path: path.replace(productId, '{id}'),
      requestsPerSecond: result.requestsPerSecond,
      p50Ms: result.latency.p50Ms,
      p99Ms: result.latency.p99Ms,
      serverErrors: result.serverErrors,
      otherErrors: result.otherErrors,
      errorSamples: result.otherErrorSamples,
      cpuPercent: cpu,
    });
  }
  const live = runs[0].requestsPerSecond;
  const herd = {
    connections: HERD_CONNECTIONS,
    seconds: HERD_MS / 1000,
    runs: runs.map((r) => ({
      ...r,
      ratioToLive: round(r.requestsPerSecond / Math.max(1, live), 2),
    })),
  };
  for (const r of herd.runs) {
    ctx.log(
      `herd GET ${r.path}: ${r.requestsPerSecond} req/s (${r.ratioToLive}× /health/live), ` +
        `p99 ${r.p99Ms} ms, 5xx ${r.serverErrors}, other ${r.otherErrors}, CPU ${r.cpuPercent}%`,
    );
  }
  return herd;
}
