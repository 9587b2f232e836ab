/**
 * Browsing: the service's GET /products (a full page of the 40-product catalogue) beside a bare
 * Fastify + pg route serving the same queries (bench/bare-server.ts), each after a warm-up.
 */
import { join } from 'node:path';
import { steadyLoad } from '../lib/load.ts';
import { freePort, type RunningProcess, startNodeProcess } from '../lib/processes.ts';
import { round } from '../lib/stats.ts';
import type { BenchResults, BrowseRun } from '../report/results.ts';
import type { BenchContext } from './context.ts';

export async function browse(ctx: BenchContext): Promise<NonNullable<BenchResults['browse']>> {
  const { options, db } = ctx;
  const path = '/products';
  const measure = async (target: RunningProcess): Promise<BrowseRun> => {
    await steadyLoad({
      baseUrl: target.url,
      path,
      connections: options.browseConnections,
      durationMs: 2000,
    });
    const cpuBefore = await target.cpuMs();
    const result = await steadyLoad({
      baseUrl: target.url,
      path,
      connections: options.browseConnections,
      durationMs: options.durationS * 1000,
    });
    const cpuAfter = await target.cpuMs();
    const cpuPercent =
      cpuBefore === undefined || cpuAfter === undefined
        ? undefined
        : round(((cpuAfter - cpuBefore) / result.durationMs) * 100);
    ctx.log(
      `GET ${path} on ${target.name}: ${result.requestsPerSecond} req/s, ` +
        `p99 ${result.latency.p99Ms} ms, CPU ${cpuPercent}%`,
    );
    return { ...result, cpuPercent };
  };
  const serviceResult = await measure(ctx.service);
  const port = await freePort();
  const bare = await startNodeProcess({
    name: 'bare-fastify-pg',
    script: 'bench/bare-server.ts',
    cwd: ctx.root,
    port,
    logFile: join(ctx.tmpDir, 'bare-fastify-pg.log'),
    readyPath: '/health',
    env: {
      DATABASE_URL: db.url,
      PORT: String(port),
      DB_POOL_SIZE: String(options.poolSize ?? 10),
    },
  });
  ctx.adopt(bare);
  const bareResult = await measure(bare);
  await ctx.stopProcess(bare);
  return {
    path,
    service: serviceResult,
    bare: bareResult,
    ratio: round(serviceResult.requestsPerSecond / bareResult.requestsPerSecond, 2),
  };
}
