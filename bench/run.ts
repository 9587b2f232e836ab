/**
 * `npm run bench`: builds the service, starts PostgreSQL (embedded unless DATABASE_URL is set)
 * and the built service, and measures in one run
 *   - the raw single-row ceiling: the sale in plain SQL (pgbench when on PATH, and always the
 *     same transaction from Node + pg) at 32 clients and at the sale's concurrency;
 *   - the flash sale through the service: one product, S units, C shoppers buying one at a time;
 *   - the same sale with an Idempotency-Key on every checkout, and with the per-client rate limit;
 *   - browsing: GET /products on the service beside a bare Fastify + pg route;
 *   - a concurrency sweep of the flash sale, drawn as an SVG chart;
 *   - the flash sale through two service processes on one database.
 * Writes bench/results/latest.{json,md} and concurrency.svg, prints the table, and exits non-zero
 * when anything was oversold, an order went missing, or the service answered 5xx. See NOTES.md.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { cp, mkdir, rm, writeFile } from 'node:fs/promises';
import { loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { type FlashSaleResult, flashSale, steadyLoad } from './lib/load.ts';
import { readOptions } from './lib/options.ts';
import { type BenchDatabase, query, startDatabase } from './lib/postgres.ts';
import { clusterCpuMs, freePort, type RunningProcess, startNodeProcess } from './lib/processes.ts';
import {
  createRawProduct,
  nodePgSale,
  pgbenchSale,
  pgbenchVersion,
  type RawResult,
} from './lib/raw-sql.ts';
import {
  type BenchResults,
  collectMachine,
  evaluate,
  renderMarkdown,
  renderSvg,
  type SaleRun,
} from './lib/report.ts';
import { round } from './lib/stats.ts';

const root = resolve(import.meta.dirname, '..');
/** The service's default RATE_LIMIT_CHECKOUT_PER_MINUTE, used in the `costs` phase. */
const RATE_LIMIT_PER_MINUTE = 60;
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
  const serviceScript = join(build, 'main.js');
  const runId = `${Date.now().toString(36)}${randomBytes(2).toString('hex')}`;
  const adminToken = randomBytes(24).toString('hex');
  const pgbench = await pgbenchVersion();
  const rawClients = [32, options.shoppers];

  const running: RunningProcess[] = [];
  let database: BenchDatabase | undefined;
  const cleanUp = async () => {
    for (const process of running.splice(0)) await process.stop().catch(() => undefined);
    await database?.stop().catch(() => undefined);
    await rm(build, { recursive: true, force: true });
  };
  process.once('SIGINT', () => void cleanUp().finally(() => process.exit(130)));

  try {
    const dataDir = join(tmpDir, 'postgres');
    database = await startDatabase({
      dist: build,
      dataDir,
      databaseUrl: options.databaseUrl,
      maxConnections: Math.max(...rawClients) + 100,
      log,
    });
    const db = database;
    log(`PostgreSQL ${db.serverVersion} (${db.source}), max_connections ${db.maxConnections}`);
    const cpuOfDatabase = () =>
      db.source === 'embedded' ? clusterCpuMs(dataDir) : Promise.resolve(undefined);

    const startService = async (name: string, env: Record<string, string> = {}) => {
      const port = await freePort();
      const service = await startNodeProcess({
        name,
        script: serviceScript,
        cwd: root,
        port,
        logFile: join(tmpDir, `${name}.log`),
        readyPath: '/health',
        env: {
          DATABASE_URL: db.url,
          PORT: String(port),
          HOST: '127.0.0.1',
          ADMIN_TOKEN: adminToken,
          SEED_DEMO_DATA: 'false',
          // Every shopper of the bench comes from 127.0.0.1, so the per-client checkout limit
          // would stop the sale; its cost is measured on its own (the `costs` phase).
          RATE_LIMIT_CHECKOUT_PER_MINUTE: '0',
          ...(options.poolSize ? { DB_POOL_SIZE: String(options.poolSize) } : {}),
          // For profiling, e.g. BENCH_SERVICE_NODE_OPTIONS="--cpu-prof --cpu-prof-dir=/tmp/prof".
          ...(process.env.BENCH_SERVICE_NODE_OPTIONS
            ? { NODE_OPTIONS: process.env.BENCH_SERVICE_NODE_OPTIONS }
            : {}),
          ...env,
        },
      });
      running.push(service);
      log(`${name} (pid ${service.pid}) listening on ${service.url}`);
      return service;
    };
    const stopProcess = async (process: RunningProcess) => {
      running.splice(running.indexOf(process), 1);
      await process.stop();
    };

    const service = await startService('service-1');
    let products = 0;
    const createProduct = async (name: string, stock: number): Promise<string> => {
      const response = await fetch(`${service.url}/products`, {
        method: 'POST',
        headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
        body: JSON.stringify({
          sku: `BENCH-${runId}-${++products}`,
          name,
          priceCents: 1999,
          currency: 'USD',
          stock,
        }),
      });
      const body = (await response.json()) as { id?: string };
      if (response.status !== 201 || !body.id) {
        throw new Error(`POST /products answered ${response.status}: ${JSON.stringify(body)}`);
      }
      return body.id;
    };
    // A catalogue for browsing, so that a page of GET /products is full (20 of 40).
    for (let i = 1; i <= 40; i++) {
      await createProduct(`Catalogue item ${String(i).padStart(2, '0')}`, 1000);
    }
    const checkpoint = () => query(db.url, 'CHECKPOINT').catch(() => undefined);

    const sales: SaleRun[] = [];
    const sale = async (
      label: string,
      urls: string[],
      shoppers: number,
      stock: number,
      services: RunningProcess[],
      headers?: () => string,
    ): Promise<SaleRun> => {
      const productId = await createProduct(`Flash sale: ${label}`, stock);
      await checkpoint();
      const cpuBefore = await Promise.all(services.map((s) => s.cpuMs()));
      const dbCpuBefore = await cpuOfDatabase();
      const ownCpuBefore = process.cpuUsage();
      const result: FlashSaleResult = await flashSale({
        baseUrls: urls,
        productId,
        shoppers,
        deadlineMs: options.deadlineS * 1000,
        headers,
      });
      const ownCpu = process.cpuUsage(ownCpuBefore);
      const cpuAfter = await Promise.all(services.map((s) => s.cpuMs()));
      const dbCpuAfter = await cpuOfDatabase();
      const percent = (before?: number, after?: number) =>
        before === undefined || after === undefined
          ? undefined
          : round(((after - before) / result.durationMs) * 100);
      const [[row], [sold]] = await Promise.all([
        query<{ stock: number; version: number }>(
          db.url,
          'SELECT stock, version FROM products WHERE id = $1',
          [productId],
        ),
        query<{ orders: string; units: string }>(
          db.url,
          `SELECT count(DISTINCT order_id) AS orders, coalesce(sum(quantity), 0) AS units
           FROM order_items WHERE product_id = $1`,
          [productId],
        ),
      ]);
      const unitsSold = Number(sold.units);
      const run: SaleRun = {
        label,
        productId,
        initialStock: stock,
        ...result,
        database: {
          stockLeft: row.stock,
          version: row.version,
          orders: Number(sold.orders),
          unitsSold,
          oversold: Math.max(0, unitsSold - stock) + Math.max(0, -row.stock),
          stockMismatch: stock - unitsSold - row.stock,
          ordersMissing: result.checkouts - Number(sold.orders),
        },
        cpuPercent: {
          services: services.map((s, i) => percent(cpuBefore[i], cpuAfter[i])),
          postgres: percent(dbCpuBefore, dbCpuAfter),
          loadGenerator: percent(0, (ownCpu.user + ownCpu.system) / 1000),
        },
        serviceCpuMsPerCheckout: round(
          services.reduce((sum, _, i) => sum + ((cpuAfter[i] ?? 0) - (cpuBefore[i] ?? 0)), 0) /
            Math.max(1, result.checkouts),
          3,
        ),
      };
      sales.push(run);
      log(
        `${label}: ${result.checkouts} checkouts in ${round(result.durationMs / 1000, 2)} s = ` +
          `${round(result.checkoutsPerSecond)}/s, p99 ${result.latency.p99Ms} ms, ` +
          `refused while stock remained ${result.refusedWhileStockRemained}, ` +
          `5xx ${result.serverErrors}, oversold ${run.database.oversold}, ` +
          `CPU service ${run.cpuPercent.services.join('+')}%` +
          (run.cpuPercent.postgres === undefined ? '' : ` postgres ${run.cpuPercent.postgres}%`) +
          ` bench ${run.cpuPercent.loadGenerator}%, ` +
          `service CPU ${run.serviceCpuMsPerCheckout} ms/checkout`,
      );
      if (result.otherErrors > 0 || result.serverErrors > 0) {
        log(`  errors: ${result.otherErrorSamples.join(' | ')}`);
      }
      return run;
    };

    // 1. The raw single-row ceiling, in plain SQL on the same PostgreSQL.
    const raw: RawResult[] = [];
    const rawSale = async (tool: RawResult['tool'], clients: number, sample: number) => {
      await checkpoint();
      const productId = await createRawProduct(db.url, `RAW-${runId}-${tool}-${clients}-${sample}`);
      const result =
        tool === 'pgbench'
          ? await pgbenchSale({
              url: db.url,
              productId,
              clients,
              durationS: options.durationS,
              workDir: tmpDir,
            })
          : await nodePgSale({ url: db.url, productId, clients, durationS: options.durationS });
      raw.push({ ...result, sample });
      log(
        `${tool}@${clients}${sample > 1 ? ` (sample ${sample})` : ''}: ` +
          `${result.transactionsPerSecond} tps`,
      );
    };
    // The baseline at 32 clients is measured twice, here and after the flash sale, and the
    // higher figure is used: a burst of other work on the machine during one sample must not
    // inflate the ratios.
    const baselineTool = pgbench ? 'pgbench' : 'node-pg';
    if (options.phases.has('raw')) {
      // Room for the service's pool and the bench's own queries on a server we did not start.
      const room = db.maxConnections - 30;
      if (Math.max(...rawClients) > room) {
        log(`max_connections is ${db.maxConnections}: the raw runs use ${room} clients at most`);
      }
      for (const clients of new Set(rawClients.map((wanted) => Math.min(wanted, room)))) {
        if (pgbench) await rawSale('pgbench', clients, 1);
        await rawSale('node-pg', clients, 1);
      }
    }

    // 2. The flash sale through the service, after a warm-up sale.
    let main: SaleRun | undefined;
    if (options.phases.has('flash')) {
      await sale('warm-up', [service.url], options.shoppers, 3000, [service]);
      main = await sale('flash sale', [service.url], options.shoppers, options.stock, [service]);
    }
    if (options.phases.has('raw')) await rawSale(baselineTool, 32, 2);

    // 3. What two features of the checkout path cost: an Idempotency-Key on every checkout, and
    //    the per-client rate limit (the service's default, 60 a minute), every checkout coming
    //    from its own address as in a sale with many shoppers, so the limit is paid for but never
    //    reached.
    const costs: BenchResults['costs'] = {};
    if (options.phases.has('costs')) {
      const stock = Math.min(options.stock, 10_000);
      costs.idempotencyKeys = await sale(
        'Idempotency-Key on every checkout',
        [service.url],
        options.shoppers,
        stock,
        [service],
        () => `Idempotency-Key: ${randomUUID()}\r\n`,
      );
      const limited = await startService('service-rate-limited', {
        RATE_LIMIT_CHECKOUT_PER_MINUTE: String(RATE_LIMIT_PER_MINUTE),
        TRUST_PROXY: '127.0.0.1',
      });
      let client = 0;
      const address = () => {
        client++;
        return `X-Forwarded-For: 10.${(client >> 16) & 255}.${(client >> 8) & 255}.${client & 255}\r\n`;
      };
      await sale('warm-up (rate limit)', [limited.url], options.shoppers, 3000, [limited], address);
      costs.rateLimit = await sale(
        `rate limit ${RATE_LIMIT_PER_MINUTE}/min per client`,
        [limited.url],
        options.shoppers,
        stock,
        [limited],
        address,
      );
      await stopProcess(limited);
    }

    // 4. Browsing: the service's GET /products beside a bare Fastify + pg route.
    let browse: BenchResults['browse'];
    if (options.phases.has('browse')) {
      const path = '/products';
      const measure = async (target: RunningProcess) => {
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
        log(
          `GET ${path} on ${target.name}: ${result.requestsPerSecond} req/s, ` +
            `p99 ${result.latency.p99Ms} ms, CPU ${cpuPercent}%`,
        );
        return { ...result, cpuPercent };
      };
      const serviceResult = await measure(service);
      const port = await freePort();
      const bare = await startNodeProcess({
        name: 'bare-fastify-pg',
        script: 'bench/bare-server.ts',
        cwd: root,
        port,
        logFile: join(tmpDir, 'bare-fastify-pg.log'),
        readyPath: '/health',
        env: {
          DATABASE_URL: db.url,
          PORT: String(port),
          DB_POOL_SIZE: String(options.poolSize ?? 10),
        },
      });
      running.push(bare);
      const bareResult = await measure(bare);
      await stopProcess(bare);
      browse = {
        path,
        service: serviceResult,
        bare: bareResult,
        ratio: round(serviceResult.requestsPerSecond / bareResult.requestsPerSecond, 2),
      };
    }

    // 5. The concurrency sweep.
    const sweep: SaleRun[] = [];
    if (options.phases.has('sweep')) {
      for (const shoppers of options.sweep) {
        sweep.push(
          await sale(`sweep ${shoppers}`, [service.url], shoppers, options.sweepStock, [service]),
        );
      }
    }

    // 6. Two instances of the service on one database, shoppers split between them.
    let two: SaleRun | undefined;
    if (options.phases.has('two')) {
      const second = await startService('service-2');
      await sale('warm-up (two)', [service.url, second.url], options.shoppers, 3000, [
        service,
        second,
      ]);
      two = await sale(
        'two instances',
        [service.url, second.url],
        options.shoppers,
        options.stock,
        [service, second],
      );
      await stopProcess(second);
    }

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
        poolSize: options.poolSize ?? 'service default (10)',
      },
      raw,
      flashSale: main,
      twoInstances: two,
      costs,
      sweep,
      browse,
      sales,
      targets: [],
      failures: [],
    };
    evaluate(results);
    results.runSeconds = round((performance.now() - startedAt) / 1000);
    const markdown = await formatted(join(outDir, 'latest.md'), renderMarkdown(results));
    await writeFile(
      join(outDir, 'latest.json'),
      await formatted(join(outDir, 'latest.json'), JSON.stringify(results, null, 2)),
    );
    await writeFile(join(outDir, 'latest.md'), markdown);
    if (sweep.length > 0) await writeFile(join(outDir, 'concurrency.svg'), renderSvg(results));
    console.log(`\n${markdown}`);
    log(`results in ${outDir} (latest.json, latest.md${sweep.length ? ', concurrency.svg' : ''})`);
    if (results.failures.length > 0) {
      console.error(`[bench] FAILED:\n  ${results.failures.join('\n  ')}`);
      return 1;
    }
    return 0;
  } finally {
    await cleanUp();
  }
}

/** The text as the project's Prettier would write it, so committed results pass `prettier --check`. */
async function formatted(file: string, text: string): Promise<string> {
  try {
    const prettier = await import('prettier');
    const config = (await prettier.resolveConfig(file)) ?? {};
    return await prettier.format(text, { ...config, filepath: file });
  } catch {
    return text.endsWith('\n') ? text : `${text}\n`;
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
