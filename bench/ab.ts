/**
 * A/B comparison of two builds or settings of the service under the same flash sale, in one run:
 * both services start on one PostgreSQL and take turns (A, B, B, A, A, B, ...), so that a noisy
 * machine disturbs both alike. Used to decide the tuning recorded in bench/NOTES.md.
 *
 *   node bench/ab.ts [--a-env K=V,K=V] [--b-env K=V,...] [--a-dist DIR] [--b-dist DIR]
 *                    [--rounds 4] [--stock 10000] [--shoppers 200] [--instances 1]
 *                    [--path buy|cart] [--keyed]
 *
 * `--path cart` sells 2-line carts (the product and one of 20 companions) as the bench's cart
 * phase does; `--keyed` sends a fresh Idempotency-Key with every checkout, from an address of its
 * own, with the limit at its default (counted in Redis when REDIS_URL is set).
 *
 * `--a-dist`/`--b-dist` name a copy of `dist` (made with `cp -r dist bench/results/tmp/dist-a`
 * after building each variant); both default to `dist`. Build first: `npx nest build`.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { flashSale, ownAddresses } from './lib/load.ts';
import { query, startDatabase } from './lib/postgres.ts';
import { clusterCpuMs, freePort, type RunningProcess, startNodeProcess } from './lib/processes.ts';
import { round } from './lib/stats.ts';

const root = resolve(import.meta.dirname, '..');
const { values } = parseArgs({
  options: {
    'a-env': { type: 'string', default: '' },
    'b-env': { type: 'string', default: '' },
    'a-dist': { type: 'string', default: 'dist' },
    'b-dist': { type: 'string', default: 'dist' },
    rounds: { type: 'string', default: '4' },
    stock: { type: 'string', default: '10000' },
    shoppers: { type: 'string', default: '200' },
    instances: { type: 'string', default: '1' },
    path: { type: 'string', default: 'buy' },
    keyed: { type: 'boolean', default: false },
  },
});
const parseEnv = (text: string): Record<string, string> =>
  Object.fromEntries(
    text
      .split(',')
      .filter(Boolean)
      .map((pair) => {
        const at = pair.indexOf('=');
        return [pair.slice(0, at), pair.slice(at + 1)];
      }),
  );

const tmpDir = join(root, 'bench/results/tmp');
await mkdir(tmpDir, { recursive: true });
// Copies of dist under bench/ are CommonJS, unlike the bench's own files (bench/package.json).
await writeFile(join(tmpDir, 'package.json'), '{ "type": "commonjs" }\n');
const dataDir = join(tmpDir, 'postgres-ab');
const db = await startDatabase({
  dist: resolve(root, values['a-dist']),
  dataDir,
  maxConnections: 300,
  log: console.log,
});
const token = randomBytes(24).toString('hex');
const runId = Date.now().toString(36);
const running: RunningProcess[] = [];
let failed = false;

try {
  const start = async (name: string, dist: string, env: Record<string, string>) => {
    const port = await freePort();
    const service = await startNodeProcess({
      name,
      script: join(dist, 'main.js'),
      cwd: root,
      port,
      logFile: join(tmpDir, `ab-${name}.log`),
      readyPath: '/health',
      env: {
        DATABASE_URL: db.url,
        PORT: String(port),
        HOST: '127.0.0.1',
        ADMIN_TOKEN: token,
        SEED_DEMO_DATA: 'false',
        ...(values.keyed
          ? {
              RATE_LIMIT_CHECKOUT_PER_MINUTE: '60',
              TRUST_PROXY: '127.0.0.1',
              ...(process.env.REDIS_URL
                ? { REDIS_URL: process.env.REDIS_URL, REDIS_KEY_PREFIX: `ab-${runId}-${name}:` }
                : {}),
            }
          : { RATE_LIMIT_CHECKOUT_PER_MINUTE: '0', RATE_LIMIT_CARTS_PER_MINUTE: '0' }),
        ...env,
      },
    });
    running.push(service);
    return service;
  };
  const instances = Number(values.instances);
  const startVariant = async (label: 'A' | 'B') => {
    const group: RunningProcess[] = [];
    for (let i = 1; i <= instances; i++) {
      const dist = label === 'A' ? values['a-dist'] : values['b-dist'];
      const env = parseEnv(label === 'A' ? values['a-env'] : values['b-env']);
      group.push(await start(`${label}${i}`, dist, env));
    }
    return group;
  };
  const variants = { A: await startVariant('A'), B: await startVariant('B') };
  let products = 0;
  const ownAddress = ownAddresses();
  const createProduct = async (baseUrl: string, stock: number) => {
    const response = await fetch(`${baseUrl}/products`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        sku: `AB-${runId}-${++products}`,
        name: 'A/B',
        priceCents: 1999,
        currency: 'USD',
        stock,
      }),
    });
    return ((await response.json()) as { id: string }).id;
  };
  const sale = async (label: 'A' | 'B', stock: number) => {
    const services = variants[label];
    const id = await createProduct(services[0].url, stock);
    const companions: string[] = [];
    if (values.path === 'cart') {
      for (let i = 0; i < 20; i++) companions.push(await createProduct(services[0].url, stock));
    }
    await query(db.url, 'CHECKPOINT');
    const cpuOf = async () =>
      (await Promise.all(services.map((s) => s.cpuMs()))).reduce<number>((a, b) => a + (b ?? 0), 0);
    const cpuBefore = await cpuOf();
    const dbBefore = await clusterCpuMs(dataDir);
    const result = await flashSale({
      baseUrls: services.map((s) => s.url),
      productId: id,
      shoppers: Number(values.shoppers),
      deadlineMs: 120_000,
      path: values.path === 'cart' ? 'cart' : 'buy',
      cartCompanions: companions,
      headers: values.keyed ? ownAddress : undefined,
      idempotencyKeyPrefix: values.keyed ? `ab-${runId}-${label}-${products}-` : undefined,
    });
    const cpu = (await cpuOf()) - cpuBefore;
    const dbCpu = ((await clusterCpuMs(dataDir)) ?? 0) - (dbBefore ?? 0);
    const [row] = await query<{ units: string }>(
      db.url,
      'SELECT coalesce(sum(quantity), 0) AS units FROM order_items WHERE product_id = $1',
      [id],
    );
    const oversold = Number(row.units) - stock;
    if (oversold > 0 || result.serverErrors > 0 || result.otherErrors > 0) failed = true;
    return {
      label,
      perSecond: result.checkoutsPerSecond,
      p50: result.latency.p50Ms,
      p99: result.latency.p99Ms,
      serviceCpuMsPerCheckout: round(cpu / Math.max(1, result.checkouts), 3),
      serviceCpuPercent: round((cpu / result.durationMs) * 100),
      postgresCpuMsPerCheckout: round(dbCpu / Math.max(1, result.checkouts), 3),
      refused: result.refusedWhileStockRemained,
      serverErrors: result.serverErrors,
      otherErrors: result.otherErrors,
      oversold,
    };
  };
  // A long warm-up: the JIT keeps improving the service for several sales, which would favour
  // whichever variant runs later; the order A B B A … balances what is left over an even number
  // of rounds.
  await sale('A', 10_000);
  await sale('B', 10_000);
  const rows: Awaited<ReturnType<typeof sale>>[] = [];
  const order: ('A' | 'B')[] = [];
  for (let i = 0; i < Number(values.rounds); i++)
    order.push(...((i % 2 ? ['B', 'A'] : ['A', 'B']) as ('A' | 'B')[]));
  for (const label of order) {
    const row = await sale(label, Number(values.stock));
    console.log(JSON.stringify(row));
    rows.push(row);
  }
  const mean = (
    label: string,
    key: 'perSecond' | 'p99' | 'serviceCpuMsPerCheckout' | 'postgresCpuMsPerCheckout',
  ) => {
    const picked = rows.filter((r) => r.label === label).map((r) => r[key]);
    return round(picked.reduce((a, b) => a + b, 0) / picked.length, 3);
  };
  for (const label of ['A', 'B']) {
    console.log(
      `${label}: ${mean(label, 'perSecond')} checkouts/s, p99 ${mean(label, 'p99')} ms, ` +
        `service CPU ${mean(label, 'serviceCpuMsPerCheckout')} ms/checkout, ` +
        `PostgreSQL CPU ${mean(label, 'postgresCpuMsPerCheckout')} ms/checkout`,
    );
  }
} finally {
  for (const service of running) await service.stop();
  await db.stop();
}
process.exit(failed ? 1 : 0);
