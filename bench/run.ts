/**
 * `npm run bench`: builds the service, starts PostgreSQL (embedded unless DATABASE_URL is set)
 * and the built service, and measures in one run
 *   - the raw single-row ceiling: the sale in plain SQL (pgbench when on PATH, and always the
 *     same transaction from Node + pg) at 32 clients and at the sale's concurrency;
 *   - the flash sale through the service (the bare path): one product, S units, C shoppers
 *     buying one at a time, no Idempotency-Key, the rate limit off;
 *   - the purchases as shoppers send them (issue 9), on a service with the per-client limit at
 *     its default and every purchase from its own address: Buy now with a fresh Idempotency-Key,
 *     cart checkout with a key, a sale over 100 products with Zipf(1.1) popularity, and Buy now
 *     with keys through two service processes;
 *   - browsing: GET /products on the service beside a bare Fastify + pg route;
 *   - a concurrency sweep of the flash sale, drawn as an SVG chart;
 *   - the flash sale through two service processes on one database.
 * Writes bench/results/latest.{json,md} and concurrency.svg, prints the table, and exits non-zero
 * when anything was oversold, a shopper was refused while stock remained, an order went missing
 * or was doubled, an Idempotency-Key does not have exactly its one order, or the service answered
 * 5xx. See NOTES.md.
 */
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { cp, mkdir, rm, writeFile } from 'node:fs/promises';
import { loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Redis } from 'ioredis';
import {
  type FlashSaleResult,
  flashSale,
  ownAddresses,
  probeRateLimit,
  replayIdempotentCheckouts,
  steadyLoad,
} from './lib/load.ts';
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
  type LimitProbe,
  renderMarkdown,
  renderSvg,
  type SaleRun,
} from './lib/report.ts';
import { round } from './lib/stats.ts';

const root = resolve(import.meta.dirname, '..');
/** The service's default RATE_LIMIT_CHECKOUT_PER_MINUTE, used for the purchases as sent. */
const RATE_LIMIT_PER_MINUTE = 60;
/** The catalogue sale of issue 9: this many products, popularity Zipf with this exponent. */
const ZIPF_PRODUCTS = 100;
const ZIPF_S = 1.1;
/** Products of which each 2-line cart takes one beside the sale's product. */
const CART_COMPANIONS = 20;
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
  const redisPrefix = `bench-${runId}:`;
  const pgbench = await pgbenchVersion();
  const rawClients = [32, options.shoppers];

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
          // The bare path: every shopper of these sales comes from 127.0.0.1, so the per-client
          // checkout limit would stop them. The purchases as sent run on services with it on.
          RATE_LIMIT_CHECKOUT_PER_MINUTE: '0',
          REDIS_URL: '',
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
    const createProduct = async (
      name: string,
      stock: number,
      drop: { maxPerCustomer?: number } = {},
    ): Promise<string> => {
      const response = await fetch(`${service.url}/products`, {
        method: 'POST',
        headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
        body: JSON.stringify({
          sku: `BENCH-${runId}-${++products}`,
          name,
          priceCents: 1999,
          currency: 'USD',
          stock,
          ...drop,
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
    // Every purchase of the sales with the limit on comes from an address of its own, never
    // used again in the run.
    const ownAddress = ownAddresses();
    let keyedSales = 0;
    const sale = async (spec: {
      label: string;
      services: RunningProcess[];
      shoppers?: number;
      /** Units of each product on sale: one entry is a flash sale. */
      stocks: number[];
      /** Popularity of each product, as a share of the picks. */
      weights?: number[];
      path?: 'buy' | 'cart';
      /** 2-line carts: this many companion products, each with `companionStock` units. */
      companions?: number;
      companionStock?: number;
      /** A fresh Idempotency-Key on every checkout. */
      keyed?: boolean;
      /** Every purchase from its own address (X-Forwarded-For), for services with the limit on. */
      ownAddresses?: boolean;
      /** A drop: the products limited per customer, every purchase by a new customer's email. */
      maxPerCustomer?: number;
    }): Promise<SaleRun> => {
      const { label, services } = spec;
      const shoppers = spec.shoppers ?? options.shoppers;
      const productIds: string[] = [];
      for (const [i, stock] of spec.stocks.entries()) {
        const name = spec.stocks.length === 1 ? `Flash sale: ${label}` : `${label}: rank ${i + 1}`;
        productIds.push(await createProduct(name, stock, { maxPerCustomer: spec.maxPerCustomer }));
      }
      const companionIds: string[] = [];
      for (let i = 1; i <= (spec.companions ?? 0); i++) {
        companionIds.push(
          await createProduct(`${label}: cart companion ${i}`, spec.companionStock ?? 0),
        );
      }
      const allIds = [...productIds, ...companionIds];
      const initial = new Map(
        allIds.map((id, i) => [id, spec.stocks[i] ?? spec.companionStock ?? 0]),
      );
      const keyPrefix = spec.keyed ? `bench-${runId}-${++keyedSales}-` : undefined;
      await checkpoint();
      const cpuBefore = await Promise.all(services.map((s) => s.cpuMs()));
      const dbCpuBefore = await cpuOfDatabase();
      const ownCpuBefore = process.cpuUsage();
      const { keyedSamples, ...result }: FlashSaleResult = await flashSale({
        baseUrls: services.map((s) => s.url),
        products: productIds.map((id, i) => ({ id, weight: spec.weights?.[i] })),
        shoppers,
        deadlineMs: options.deadlineS * 1000,
        path: spec.path,
        cartCompanions: companionIds,
        headers: spec.ownAddresses ? ownAddress : undefined,
        idempotencyKeyPrefix: keyPrefix,
        customerEmailPrefix: spec.maxPerCustomer ? `bench-${runId}-` : undefined,
      });
      const ownCpu = process.cpuUsage(ownCpuBefore);
      const cpuAfter = await Promise.all(services.map((s) => s.cpuMs()));
      const dbCpuAfter = await cpuOfDatabase();
      const percent = (before?: number, after?: number) =>
        before === undefined || after === undefined
          ? undefined
          : round(((after - before) / result.durationMs) * 100);
      // A retry of a purchase answered 201, with the same key, from another address: the same
      // order again, and no new one (the read-back below would count it).
      const replays =
        keyedSamples && keyedSamples.length > 0
          ? await replayIdempotentCheckouts(
              keyedSamples,
              spec.ownAddresses ? ownAddress : undefined,
            )
          : undefined;
      const [rows, sold, [orders]] = await Promise.all([
        query<{ id: string; stock: number; version: number }>(
          db.url,
          'SELECT id, stock, version FROM products WHERE id = ANY($1)',
          [allIds],
        ),
        query<{ product_id: string; units: string }>(
          db.url,
          `SELECT product_id, sum(quantity) AS units FROM order_items
           WHERE product_id = ANY($1) GROUP BY product_id`,
          [allIds],
        ),
        query<{ orders: string }>(
          db.url,
          'SELECT count(DISTINCT order_id) AS orders FROM order_items WHERE product_id = ANY($1)',
          [allIds],
        ),
      ]);
      const unitsOf = new Map(sold.map((row) => [row.product_id, Number(row.units)]));
      let oversold = 0;
      let stockMismatch = 0;
      for (const row of rows) {
        const stock = initial.get(row.id) ?? 0;
        const units = unitsOf.get(row.id) ?? 0;
        oversold += Math.max(0, units - stock) + Math.max(0, -row.stock);
        stockMismatch += Math.abs(stock - units - row.stock);
      }
      const mainRows = rows.filter((row) => productIds.includes(row.id));
      const run: SaleRun = {
        label,
        productId: productIds.length === 1 ? productIds[0] : `${productIds.length} products`,
        initialStock: spec.stocks.reduce((a, b) => a + b, 0),
        ...result,
        database: {
          stockLeft: mainRows.reduce((n, row) => n + row.stock, 0),
          version: mainRows.length === 1 ? mainRows[0].version : 0,
          orders: Number(orders.orders),
          unitsSold: productIds.reduce((n, id) => n + (unitsOf.get(id) ?? 0), 0),
          oversold,
          stockMismatch,
          ordersMissing: result.checkouts - Number(orders.orders),
        },
        ...(keyPrefix
          ? { idempotency: await readKeys(db.url, keyPrefix, allIds, result.keysSent, replays) }
          : {}),
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
      const keys = run.idempotency;
      log(
        `${label}: ${result.checkouts} checkouts in ${round(result.durationMs / 1000, 2)} s = ` +
          `${round(result.checkoutsPerSecond)}/s, p99 ${result.latency.p99Ms} ms, ` +
          `refused while stock remained ${result.refusedWhileStockRemained}, ` +
          `5xx ${result.serverErrors}, oversold ${run.database.oversold}, ` +
          (keys
            ? `keys ${keys.keys} (${keys.created} created, orders ${keys.ordersOfKeys}, ` +
              `orders without key ${keys.ordersWithoutKey}, replays ${keys.replays?.sameOrder ?? 0}/` +
              `${keys.replays?.sent ?? 0}), `
            : '') +
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
      await sale({ label: 'warm-up', services: [service], stocks: [3000] });
      main = await sale({ label: 'flash sale', services: [service], stocks: [options.stock] });
    }
    if (options.phases.has('raw')) await rawSale(baselineTool, 32, 2);

    // 3. The purchases as shoppers send them (issue 9), on a service with the per-client limit
    //    at its default, behind a trusted proxy, every purchase from its own address, and a
    //    fresh Idempotency-Key on every checkout.
    const limitedEnv = {
      RATE_LIMIT_CHECKOUT_PER_MINUTE: String(RATE_LIMIT_PER_MINUTE),
      TRUST_PROXY: '127.0.0.1',
      REDIS_URL: options.redisUrl ?? '',
      REDIS_KEY_PREFIX: redisPrefix,
    };
    const limits: LimitProbe[] = [];
    let probes = 0;
    const probe = async (label: string, targets: RunningProcess[]) => {
      probes++;
      const result = await probeRateLimit(
        targets.map((t) => t.url),
        RATE_LIMIT_PER_MINUTE,
        `192.0.2.${2 * probes - 1}`,
        `192.0.2.${2 * probes}`,
      );
      const limit: LimitProbe = {
        label,
        instances: targets.length,
        storage: options.redisUrl ? 'redis' : 'memory',
        limit: RATE_LIMIT_PER_MINUTE,
        ...result,
      };
      limits.push(limit);
      log(
        `limit probe, ${label}: ${result.passedBeforeLimit} checkouts from one address let through, ` +
          `${result.limitedAt ? `checkout ${result.limitedAt} answered 429` : 'none answered 429'}, ` +
          `another address ${result.otherAddressPassed ? 'let through' : 'refused'}`,
      );
    };
    const asSent: BenchResults['asSent'] = {};
    const wantsLimited = (['keyed', 'drop', 'cart', 'zipf'] as const).some((p) =>
      options.phases.has(p),
    );
    const limited = wantsLimited ? await startService('service-limited', limitedEnv) : undefined;
    if (limited) {
      await probe('one instance', [limited]);
      const keyedSale = { services: [limited], keyed: true, ownAddresses: true };
      await sale({ label: 'warm-up (key and limit)', ...keyedSale, stocks: [3000] });
      const stock = options.scenarioStock;
      if (options.phases.has('keyed')) {
        asSent.buyNow = await sale({
          label: 'Buy now, key and limit',
          ...keyedSale,
          stocks: [stock],
        });
      }
      if (options.phases.has('drop')) {
        asSent.drop = await sale({
          label: 'drop: Buy now, 2 per customer, email, key and limit',
          ...keyedSale,
          stocks: [stock],
          maxPerCustomer: 2,
        });
      }
      if (options.phases.has('cart')) {
        const cart = {
          ...keyedSale,
          path: 'cart' as const,
          companions: options.cartLines === 2 ? CART_COMPANIONS : 0,
        };
        await sale({
          label: 'warm-up (cart)',
          ...cart,
          stocks: [1000],
          companionStock: 1000,
        });
        asSent.cart = await sale({
          label: `cart checkout (${options.cartLines} line${options.cartLines === 2 ? 's' : ''}), key and limit`,
          ...cart,
          stocks: [stock],
          companionStock: stock,
        });
      }
      if (options.phases.has('zipf')) {
        // Rank k is picked with probability k^-s / sum(j^-s); its stock is in proportion to that
        // popularity, as a merchant would stock a sale (at least 1 unit; rank 1 takes what
        // rounding leaves, so the sale has exactly `stock` units).
        const weights = Array.from({ length: ZIPF_PRODUCTS }, (_, i) => (i + 1) ** -ZIPF_S);
        const total = weights.reduce((a, b) => a + b, 0);
        const stocks = weights.map((w) => Math.max(1, Math.round((stock * w) / total)));
        stocks[0] += stock - stocks.reduce((a, b) => a + b, 0);
        asSent.zipf = await sale({
          label: `${ZIPF_PRODUCTS} products, Zipf ${ZIPF_S}, key and limit`,
          ...keyedSale,
          weights,
          stocks,
        });
      }
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
          await sale({
            label: `sweep ${shoppers}`,
            services: [service],
            shoppers,
            stocks: [options.sweepStock],
          }),
        );
      }
    }

    // 6. Two instances of the service on one database, shoppers split between them: the bare
    //    path, and Buy now with keys and the limit (shared in Redis when REDIS_URL is set).
    let two: SaleRun | undefined;
    if (options.phases.has('two')) {
      const second = await startService('service-2');
      const pair = [service, second];
      await sale({ label: 'warm-up (two)', services: pair, stocks: [3000] });
      two = await sale({ label: 'two instances', services: pair, stocks: [options.stock] });
      await stopProcess(second);
    }
    if (options.phases.has('two-keyed')) {
      const pair = [
        await startService('service-limited-1', limitedEnv),
        await startService('service-limited-2', limitedEnv),
      ];
      await probe('two instances', pair);
      const keyedPair = { services: pair, keyed: true, ownAddresses: true };
      await sale({ label: 'warm-up (two, key and limit)', ...keyedPair, stocks: [3000] });
      asSent.twoInstances = await sale({
        label: 'two instances, key and limit',
        ...keyedPair,
        stocks: [options.scenarioStock],
      });
      for (const process of pair) await stopProcess(process);
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
        scenarioStock: options.scenarioStock,
        cartLines: options.cartLines,
        rateLimitStorage: options.redisUrl ? 'redis' : 'memory',
        poolSize: options.poolSize ?? 'service default (10)',
      },
      raw,
      flashSale: main,
      twoInstances: two,
      asSent,
      limits,
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

/**
 * Every key and its order for the sale's Idempotency-Keys (those starting with `prefix`), read
 * back: each key answered 201 has exactly one order (orders.idempotency_claim =
 * idempotency_keys.claim_id), no other key has one, and every order of the sale's products came
 * from one of the sale's keys.
 */
async function readKeys(
  url: string,
  prefix: string,
  productIds: string[],
  keysSent: number,
  replays?: { sent: number; sameOrder: number; samples: string[] },
): Promise<NonNullable<SaleRun['idempotency']>> {
  const [[keys], [orphans]] = await Promise.all([
    query<Record<string, string>>(
      url,
      // A key's created order is its answer: the order carries the key's claim id, and the key
      // stores a response only for a refusal (or 201, for keys written before that change).
      `SELECT count(*) AS keys,
              count(*) FILTER (WHERE o.id IS NOT NULL
                               AND (k.response_status IS NULL OR k.response_status = 201)) AS created,
              count(*) FILTER (WHERE k.response_status IS NULL AND o.id IS NULL) AS unanswered,
              count(o.id) AS orders,
              count(*) FILTER (WHERE k.response_status = 201 AND o.id IS NULL) AS created_no_order,
              count(*) FILTER (WHERE k.response_status <> 201 AND o.id IS NOT NULL)
                AS order_not_created
       FROM idempotency_keys k LEFT JOIN orders o ON o.idempotency_claim = k.claim_id
       WHERE starts_with(k.key, $1)`,
      [prefix],
    ),
    query<{ orders: string }>(
      url,
      `SELECT count(DISTINCT o.id) AS orders
       FROM order_items i JOIN orders o ON o.id = i.order_id
       WHERE i.product_id = ANY($1) AND NOT EXISTS (
         SELECT 1 FROM idempotency_keys k
         WHERE k.claim_id = o.idempotency_claim AND starts_with(k.key, $2))`,
      [productIds, prefix],
    ),
  ]);
  return {
    keysSent,
    keys: Number(keys.keys),
    created: Number(keys.created),
    unanswered: Number(keys.unanswered),
    ordersOfKeys: Number(keys.orders),
    createdWithoutOrder: Number(keys.created_no_order),
    orderWithoutCreated: Number(keys.order_not_created),
    ordersWithoutKey: Number(orphans.orders),
    replays,
  };
}

/** Deletes the run's keys from Redis (the limit's counters, and its memory of keys). */
async function deleteRedisKeys(url: string, prefix: string): Promise<number> {
  const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1 });
  try {
    await redis.connect();
    let deleted = 0;
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length > 0) deleted += await redis.unlink(...keys);
    } while (cursor !== '0');
    return deleted;
  } finally {
    redis.disconnect();
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
