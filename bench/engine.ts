/**
 * The checkout engine alone, without HTTP: boots the built application context (MikroORM, the
 * CheckoutEngine) in this process and has `shoppers` loops call
 * `CheckoutEngine.checkout({ kind: 'product', productId, quantity: 1 })` until it sells out.
 * Reports orders/s and this process's CPU time per order, which is the engine's own cost, free of
 * the HTTP stack (no Idempotency-Key, no limit). Used for the tuning in bench/NOTES.md.
 *
 *   npx nest build && node bench/engine.ts [--stock 20000] [--shoppers 200] [--rounds 3]
 *                                           [--pool 10] [--dist dist]
 */
import { randomBytes } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { requireFromBuild } from './lib/build.ts';
import { query, startDatabase } from './lib/postgres.ts';
import { round, summarise } from './lib/stats.ts';

type Checkout = (purchase: {
  kind: 'product';
  productId: string;
  quantity: number;
}) => Promise<unknown>;
/** CheckoutEngine.checkout; SaleEngine.buy in builds from before the checkout module. */
interface Engine {
  checkout?: Checkout;
  buy?: Checkout;
}
interface AppContext {
  get(token: unknown): unknown;
  close(): Promise<void>;
}

const root = resolve(import.meta.dirname, '..');
const require = createRequire(import.meta.url);
const { values } = parseArgs({
  options: {
    stock: { type: 'string', default: '20000' },
    shoppers: { type: 'string', default: '200' },
    rounds: { type: 'string', default: '3' },
    pool: { type: 'string', default: '10' },
    dist: { type: 'string', default: 'dist' },
  },
});

const tmpDir = join(root, 'bench/results/tmp');
await mkdir(tmpDir, { recursive: true });
// Copies of dist under bench/ are CommonJS, unlike the bench's own files (bench/package.json).
await writeFile(join(tmpDir, 'package.json'), '{ "type": "commonjs" }\n');
const dataDir = join(tmpDir, 'postgres-engine');
const dist = resolve(root, values.dist);
const db = await startDatabase({
  dist,
  dataDir,
  maxConnections: 300,
  log: () => undefined,
});
let context: AppContext | undefined;
let failed = false;
try {
  require(join(root, 'node_modules/reflect-metadata'));
  const { NestFactory } = require(join(root, 'node_modules/@nestjs/core')) as {
    NestFactory: {
      createApplicationContext(module: unknown, options: object): Promise<AppContext>;
    };
  };
  const { AppModule } = requireFromBuild<{
    AppModule: { forRoot(config: unknown, url: string): unknown };
  }>(dist, ['app.module.js']);
  const { loadConfig } = requireFromBuild<{
    loadConfig(env: Record<string, string>): unknown;
  }>(dist, ['common/config.js']);
  // The engine under its name and path since it moved into checkout/, or before.
  const engines = requireFromBuild<Record<string, unknown>>(dist, [
    'checkout/checkout-engine.js',
    'sales/sale-engine.js',
  ]);
  const config = loadConfig({
    DATABASE_URL: db.url,
    SEED_DEMO_DATA: 'false',
    LOG_LEVEL: 'warn',
    DB_POOL_SIZE: values.pool,
  });
  context = await NestFactory.createApplicationContext(AppModule.forRoot(config, db.url), {
    logger: false,
  });
  const engine = context.get(engines.CheckoutEngine ?? engines.SaleEngine) as Engine;
  const checkout = (engine.checkout ?? engine.buy)?.bind(engine);
  if (!checkout) throw new Error('the engine has neither checkout() nor buy()');

  const runId = randomBytes(3).toString('hex');
  const sale = async (stock: number, label: string) => {
    const [{ id }] = await query<{ id: string }>(
      db.url,
      `INSERT INTO products (id, sku, name, price_cents, currency, stock)
       VALUES (gen_random_uuid(), $1, 'Engine', 1999, 'USD', $2) RETURNING id`,
      [`BATCHER-${runId}-${label}`, stock],
    );
    await query(db.url, 'CHECKPOINT');
    const latencies: number[] = [];
    let errors = 0;
    const cpuBefore = process.cpuUsage();
    const startedAt = performance.now();
    await Promise.all(
      Array.from({ length: Number(values.shoppers) }, async () => {
        for (;;) {
          const sentAt = performance.now();
          try {
            await checkout({ kind: 'product', productId: id, quantity: 1 });
            latencies.push(performance.now() - sentAt);
          } catch (error) {
            if ((error as { code?: string }).code === 'OUT_OF_STOCK') return;
            errors++;
            if (errors > 100) throw error;
          }
        }
      }),
    );
    const ms = performance.now() - startedAt;
    const cpu = process.cpuUsage(cpuBefore);
    const [row] = await query<{ units: string }>(
      db.url,
      'SELECT coalesce(sum(quantity), 0) AS units FROM order_items WHERE product_id = $1',
      [id],
    );
    if (Number(row.units) !== latencies.length || Number(row.units) > stock) failed = true;
    return {
      label,
      ordersPerSecond: round((latencies.length / ms) * 1000),
      p99Ms: summarise(latencies).p99Ms,
      cpuMsPerOrder: round((cpu.user + cpu.system) / 1000 / latencies.length, 4),
      cpuPercent: round(((cpu.user + cpu.system) / 1000 / ms) * 100),
      errors,
      unitsInDatabase: Number(row.units),
    };
  };
  await sale(5000, 'warm-up');
  for (let i = 1; i <= Number(values.rounds); i++) {
    console.log(JSON.stringify(await sale(Number(values.stock), `round-${i}`)));
  }
} finally {
  await context?.close();
  await db.stop();
}
process.exit(failed ? 1 : 0);
