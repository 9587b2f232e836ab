/**
 * What every phase of the run shares: the options, the database, the service processes it has
 * started, and the sink that keeps every sale and limit probe for the report.
 */
import { join } from 'node:path';
import { ownAddresses } from '../lib/load.ts';
import type { BenchOptions } from '../lib/options.ts';
import { type BenchDatabase, query } from '../lib/postgres.ts';
import { clusterCpuMs, freePort, type RunningProcess, startNodeProcess } from '../lib/processes.ts';
import type { LimitProbe, SaleRun } from '../report/results.ts';

export interface BenchContext {
  root: string;
  options: BenchOptions;
  db: BenchDatabase;
  /** Logs, service logs and the copy of the build live here. */
  tmpDir: string;
  runId: string;
  adminToken: string;
  /** Prefix of the run's keys in Redis, deleted at the end. */
  redisPrefix: string;
  pgbench?: string;
  log: (line: string) => void;
  /** The first service process, on the bare path (the limit off, no Redis), up for the whole run. */
  service: RunningProcess;
  startService(name: string, env?: Record<string, string>): Promise<RunningProcess>;
  /** Keeps a process the phase started itself, so that the run stops it if it fails. */
  adopt(process: RunningProcess): void;
  stopProcess(process: RunningProcess): Promise<void>;
  /** A product created through the service's admin API; returns its id. */
  createProduct(
    name: string,
    stock: number,
    drop?: { maxPerCustomer?: number; saleStartsAt?: string },
  ): Promise<string>;
  checkpoint(): Promise<unknown>;
  /** CPU time of the whole PostgreSQL cluster so far, when the bench started it. */
  cpuOfDatabase(): Promise<number | undefined>;
  /**
   * `X-Forwarded-For` lines, each an address never used before in the run: every purchase of
   * the sales with the limit on comes from its own.
   */
  ownAddress: () => string;
  /** A fresh Idempotency-Key prefix for one keyed sale. */
  nextKeyPrefix(): string;
  /** The sink: every sale of the run (warm-ups included) and every limit probe, in order. */
  sales: SaleRun[];
  limits: LimitProbe[];
}

/** Starts the first service process and the catalogue for browsing, and returns the context. */
export async function createContext(setup: {
  root: string;
  options: BenchOptions;
  db: BenchDatabase;
  dataDir: string;
  tmpDir: string;
  serviceScript: string;
  runId: string;
  adminToken: string;
  redisPrefix: string;
  pgbench?: string;
  log: (line: string) => void;
  /** The run's processes, stopped by its clean-up. */
  running: RunningProcess[];
}): Promise<BenchContext> {
  const { root, options, db, tmpDir, adminToken, runId, running, log } = setup;
  const startService = async (name: string, env: Record<string, string> = {}) => {
    const port = await freePort();
    const service = await startNodeProcess({
      name,
      script: setup.serviceScript,
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
        RATE_LIMIT_CARTS_PER_MINUTE: '0',
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

  const service = await startService('service-1');
  let products = 0;
  const createProduct = async (
    name: string,
    stock: number,
    drop: { maxPerCustomer?: number; saleStartsAt?: string } = {},
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

  let keyedSales = 0;
  return {
    root,
    options,
    db,
    tmpDir,
    runId,
    adminToken,
    redisPrefix: setup.redisPrefix,
    pgbench: setup.pgbench,
    log,
    service,
    startService,
    adopt: (process) => running.push(process),
    stopProcess: async (process) => {
      running.splice(running.indexOf(process), 1);
      await process.stop();
    },
    createProduct,
    checkpoint: () => query(db.url, 'CHECKPOINT').catch(() => undefined),
    cpuOfDatabase: () =>
      db.source === 'embedded' ? clusterCpuMs(setup.dataDir) : Promise.resolve(undefined),
    ownAddress: ownAddresses(),
    nextKeyPrefix: () => `bench-${runId}-${++keyedSales}-`,
    sales: [],
    limits: [],
  };
}
