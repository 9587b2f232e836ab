/**
 * `npm run bench`: builds the service, starts PostgreSQL (embedded unless DATABASE_URL is set)
 * and the built service, and runs the phases of bench/phases/ in this order:
 *   - raw: the raw single-row ceiling, the sale in plain SQL (raw.ts);
 *   - flash: the flash sale through the service, on the bare path (flash.ts);
 *   - keyed, drop, cart, zipf: the purchases as shoppers send them, on a service with the
 *     per-client limit at its default (purchases.ts);
 *   - browse: GET /products beside a bare Fastify + pg route (browse.ts);
 *   - sweep: the concurrency sweep of the flash sale, drawn as an SVG chart (sweep.ts);
 *   - two: the flash sale through two service processes on one database (two.ts);
 *   - two-keyed: Buy now with keys and the limit through two processes (purchases.ts);
 *   - pages, idle, herd, dropstart, saleday-two: sale day at real scale, thousands of live stock
 *     pages open during the sales and at a drop's start, and the herd on the catalogue
 *     (saleday.ts; `--only saleday` names the five);
 *   - notify: the flash sale with the stock trigger on and off (notify.ts; only with --only).
 * `--only LIST` runs some of them alone (`--only flash,browse`; `purchases` names its five) and
 * `--skip LIST` leaves some out; `--help` lists every option.
 * Writes bench/results/latest.{json,md} and concurrency.svg (bench/report/), prints the table,
 * and exits non-zero when anything was oversold, a shopper was refused while stock remained, an
 * order went missing or was doubled, an Idempotency-Key does not have exactly its one order, or
 * the service answered 5xx. See NOTES.md.
 */
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { cp, mkdir, rm, writeFile } from 'node:fs/promises';
import { loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { collectMachine } from './lib/machine.ts';
import { type Phase, readOptions } from './lib/options.ts';
import { type BenchDatabase, startDatabase } from './lib/postgres.ts';
import type { RunningProcess } from './lib/processes.ts';
import { pgbenchVersion } from './lib/raw-sql.ts';
import { deleteRedisKeys } from './lib/redis.ts';
import { round } from './lib/stats.ts';
import { browse } from './phases/browse.ts';
import { createContext } from './phases/context.ts';
import { flash } from './phases/flash.ts';
import { ONE_INSTANCE_PHASES, purchases, purchasesThroughTwo } from './phases/purchases.ts';
import { rawBaselineAgain, rawCeiling, rawClients } from './phases/raw.ts';
import { SALE_DAY_PHASES, saleDay } from './phases/saleday.ts';
import { sweep } from './phases/sweep.ts';
import { two } from './phases/two.ts';
import { evaluate } from './report/evaluate.ts';
import type { BenchResults } from './report/results.ts';
import { writeReport } from './report/write.ts';

const root = resolve(import.meta.dirname, '..');
const log = (line: string) => console.log(`[bench] ${line}`);

async function main(): Promise<number> {
  const options = readOptions();
  if (!options) return 0;
  if (!existsSync(resolve(root, options.dist, 'main.js'))) {
    console.error(
      `${options.dist}/main.js is missing: \`npm run bench\` builds the service first.`,
    );
    return 2;
  }
  const startedAt = performance.now();
  const loadBefore = loadavg()[0];
  const outDir = resolve(root, options.outDir);
  const tmpDir = join(root, 'bench/results/tmp');
  await mkdir(outDir, { recursive: true });
  await mkdir(tmpDir, { recursive: true });
  // The run uses its own copy of the build, so that a rebuild of dist while it runs (nest build
  // empties dist first) cannot pull the service from under it. Copies under bench/ are CommonJS,
  // unlike the bench itself (bench/package.json).
  await writeFile(join(tmpDir, 'package.json'), '{ "type": "commonjs" }\n');
  const build = join(tmpDir, `build-${process.pid}`);
  await cp(resolve(root, options.dist), build, { recursive: true });
  const runId = `${Date.now().toString(36)}${randomBytes(2).toString('hex')}`;
  const redisPrefix = `bench-${runId}:`;
  const pgbench = await pgbenchVersion();

  const running: RunningProcess[] = [];
  let database: BenchDatabase | undefined;
  const cleanUp = async () => {
    for (const process of running.splice(0)) await process.stop().catch(() => undefined);
    await database?.stop().catch(() => undefined);
    await rm(build, { recursive: true, force: true });
    if (options.redisUrl) {
      const deleted = await deleteRedisKeys(options.redisUrl, redisPrefix).catch(
        (error: unknown) => `none (${String(error)})`,
      );
      log(`deleted ${deleted} keys of this run (${redisPrefix}*) from Redis`);
    }
  };
  process.once('SIGINT', () => void cleanUp().finally(() => process.exit(130)));

  try {
    const dataDir = join(tmpDir, 'postgres');
    database = await startDatabase({
      dist: build,
      dataDir,
      databaseUrl: options.databaseUrl,
      maxConnections: Math.max(...rawClients(options)) + 100,
      log,
    });
    const db = database;
    log(`PostgreSQL ${db.serverVersion} (${db.source}), max_connections ${db.maxConnections}`);
    const ctx = await createContext({
      root,
      options,
      db,
      dataDir,
      tmpDir,
      serviceScript: join(build, 'main.js'),
      runId,
      adminToken: randomBytes(24).toString('hex'),
      redisPrefix,
      pgbench,
      log,
      running,
    });

    const has = (phase: Phase) => options.phases.has(phase);
    const raw = has('raw') ? await rawCeiling(ctx) : [];
    const flashSale = has('flash') ? await flash(ctx) : undefined;
    if (has('raw')) raw.push(await rawBaselineAgain(ctx));
    const asSent = ONE_INSTANCE_PHASES.some(has) ? await purchases(ctx) : {};
    const browsing = has('browse') ? await browse(ctx) : undefined;
    const sweepPoints = has('sweep') ? await sweep(ctx) : [];
    const twoInstances = has('two') ? await two(ctx) : undefined;
    if (has('two-keyed')) asSent.twoInstances = await purchasesThroughTwo(ctx);
    const saleDayResults = SALE_DAY_PHASES.some(has) ? await saleDay(ctx) : undefined;

    const results: BenchResults = {
      date: new Date().toISOString(),
      runSeconds: 0,
      machine: {
        ...(await collectMachine(root, db, pgbench)),
        loadAverage: { atStart: round(loadBefore, 2), atEnd: round(loadavg()[0], 2) },
      },
      options: {
        stock: options.stock,
        shoppers: options.shoppers,
        durationS: options.durationS,
        browseConnections: options.browseConnections,
        sweep: options.sweep,
        sweepStock: options.sweepStock,
        scenarioStock: options.scenarioStock,
        cartLines: options.cartLines,
        rateLimitStorage: options.redisUrl ? 'redis' : 'memory',
        poolSize: options.poolSize ?? 'service default (10)',
        pages: options.pages,
        idlePages: options.idlePages,
        saleDayStock: options.saleDayStock,
      },
      raw,
      flashSale,
      twoInstances,
      asSent,
      limits: ctx.limits,
      sweep: sweepPoints,
      browse: browsing,
      sales: ctx.sales,
      saleDay: saleDayResults,
      targets: [],
      failures: [],
    };
    evaluate(results);
    results.runSeconds = round((performance.now() - startedAt) / 1000);
    const markdown = await writeReport(outDir, results);
    console.log(`\n${markdown}`);
    log(
      `results in ${outDir} (latest.json, latest.md${sweepPoints.length ? ', concurrency.svg' : ''})`,
    );
    if (results.failures.length > 0) {
      console.error(`[bench] FAILED:\n  ${results.failures.join('\n  ')}`);
      return 1;
    }
    return 0;
  } finally {
    await cleanUp();
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
