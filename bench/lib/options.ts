import { parseArgs } from 'node:util';

export const PHASES = [
  'raw',
  'flash',
  'keyed',
  'drop',
  'cart',
  'zipf',
  'browse',
  'sweep',
  'two',
  'two-keyed',
  'pages',
  'idle',
  'herd',
  'dropstart',
  'saleday-two',
  'notify',
] as const;
export type Phase = (typeof PHASES)[number];

/** Names for several phases at once in --only and --skip: the files of bench/phases/. */
const GROUPS: Record<string, readonly Phase[]> = {
  purchases: ['keyed', 'drop', 'cart', 'zipf', 'two-keyed'],
  saleday: ['pages', 'idle', 'herd', 'dropstart', 'saleday-two'],
};
/** Phases a plain run leaves out: ask for them with --only. */
const OPT_IN: readonly Phase[] = ['notify'];

export interface BenchOptions {
  /** Units of the flash-sale product. */
  stock: number;
  /** Concurrent shoppers in the flash sale (and the second raw-ceiling concurrency). */
  shoppers: number;
  /** Seconds of each fixed-duration measurement (raw ceiling, browsing). */
  durationS: number;
  browseConnections: number;
  sweep: number[];
  sweepStock: number;
  /** Passed to the service as DB_POOL_SIZE when set; else the service's default. */
  poolSize?: number;
  /** Every flash sale stops at this deadline even if it has not sold out. */
  deadlineS: number;
  /** Units of each sale of the keyed, drop, cart, zipf and two-keyed phases (the zipf sale in all). */
  scenarioStock: number;
  /** Lines of a cart in the `cart` phase: the sale's product, and with 2 a companion product. */
  cartLines: 1 | 2;
  /** Sale day: pages held open during the sales and the drop, and idle pages on one process. */
  pages: number;
  idlePages: number;
  /** Units of each sale-day flash sale and of each NOTIFY A/B round. */
  saleDayStock: number;
  /** Redis for the checkout limit of the services that have it on; else each counts in memory. */
  redisUrl?: string;
  phases: Set<Phase>;
  outDir: string;
  /** The service build to run; a copy of `dist` lets variants be compared. */
  dist: string;
  databaseUrl?: string;
}

const HELP = `npm run bench [-- options]

Options (environment variable in brackets):
  --stock N              flash-sale stock (BENCH_STOCK, default 20000)
  --shoppers N           concurrent shoppers (BENCH_SHOPPERS, default 200)
  --duration S           seconds per raw-SQL and browsing measurement (BENCH_DURATION, default 8)
  --browse-connections N connections for GET /products (BENCH_BROWSE_CONNECTIONS, default 100)
  --sweep LIST           shopper counts of the concurrency sweep (BENCH_SWEEP, default 8,32,128,512)
  --sweep-stock N        stock per sweep point (BENCH_SWEEP_STOCK, default 5000)
  --pool N               the service's DB_POOL_SIZE (DB_POOL_SIZE, default: the service's own)
  --deadline S           give up a sale after S seconds (BENCH_DEADLINE, default 120)
  --scenario-stock N     units of each keyed, drop, cart, zipf and two-keyed sale, at most --stock
                         (BENCH_SCENARIO_STOCK, default 10000)
  --cart-lines 1|2       lines per cart in the cart phase (BENCH_CART_LINES, default 2)
  --pages N              open pages in the sale-day sales and drop (BENCH_PAGES, default 5000)
  --idle-pages N         idle pages on one process (BENCH_IDLE_PAGES, default 15000)
  --sale-day-stock N     units of each sale-day flash sale (BENCH_SALE_DAY_STOCK, default 5000)
  --redis URL            Redis for the checkout limit (BENCH_REDIS_URL, else REDIS_URL; default:
                         none, each service process counts in memory)
  --only LIST            run only these phases, in the run's order: ${PHASES.join(',')};
                         purchases names ${GROUPS.purchases.join(',')}, saleday names
                         ${GROUPS.saleday.join(',')}; notify (the NOTIFY A/B) runs only when
                         named (BENCH_ONLY)
  --skip LIST            skip these phases (BENCH_SKIP)
  --out DIR              results folder (BENCH_OUT, default bench/results)
  --dist DIR             the service build to run (BENCH_DIST, default dist)

DATABASE_URL points the benchmark at an existing PostgreSQL instead of an embedded one.`;

const positive = (name: string, value: string | undefined, fallback: number): number => {
  if (value === undefined || value === '') return fallback;
  const number = Number(value);
  if (!Number.isInteger(number) || number <= 0) {
    throw new Error(`${name} must be a positive integer, got "${value}"`);
  }
  return number;
};

const phaseList = (name: string, value: string): Phase[] =>
  value
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean)
    .flatMap((item) => {
      if (GROUPS[item]) return GROUPS[item];
      if (!(PHASES as readonly string[]).includes(item)) {
        throw new Error(
          `${name}: unknown phase "${item}" (phases: ${PHASES.join(', ')}; purchases = ` +
            `${GROUPS.purchases.join(',')}; saleday = ${GROUPS.saleday.join(',')})`,
        );
      }
      return [item as Phase];
    });

export function readOptions(
  argv: string[] = process.argv.slice(2),
  env: NodeJS.ProcessEnv = process.env,
): BenchOptions | undefined {
  const { values } = parseArgs({
    args: argv,
    options: {
      stock: { type: 'string' },
      shoppers: { type: 'string' },
      duration: { type: 'string' },
      'browse-connections': { type: 'string' },
      sweep: { type: 'string' },
      'sweep-stock': { type: 'string' },
      pool: { type: 'string' },
      deadline: { type: 'string' },
      'scenario-stock': { type: 'string' },
      'cart-lines': { type: 'string' },
      pages: { type: 'string' },
      'idle-pages': { type: 'string' },
      'sale-day-stock': { type: 'string' },
      redis: { type: 'string' },
      only: { type: 'string' },
      skip: { type: 'string' },
      out: { type: 'string' },
      dist: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    console.log(HELP);
    return undefined;
  }
  const sweepText = values.sweep ?? env.BENCH_SWEEP ?? '8,32,128,512';
  const sweep = sweepText
    .split(',')
    .filter((item) => item.trim() !== '')
    .map((item) => positive('--sweep', item.trim(), 0));
  const only = values.only ?? env.BENCH_ONLY;
  const skip = values.skip ?? env.BENCH_SKIP;
  const phases = new Set<Phase>(
    only ? phaseList('--only', only) : PHASES.filter((p) => !OPT_IN.includes(p)),
  );
  if (skip) for (const phase of phaseList('--skip', skip)) phases.delete(phase);
  const pool = values.pool ?? env.DB_POOL_SIZE;
  const stock = positive('--stock', values.stock ?? env.BENCH_STOCK, 20_000);
  const cartLines = positive('--cart-lines', values['cart-lines'] ?? env.BENCH_CART_LINES, 2);
  if (cartLines > 2) throw new Error(`--cart-lines must be 1 or 2, got ${cartLines}`);
  return {
    stock,
    shoppers: positive('--shoppers', values.shoppers ?? env.BENCH_SHOPPERS, 200),
    durationS: positive('--duration', values.duration ?? env.BENCH_DURATION, 8),
    browseConnections: positive(
      '--browse-connections',
      values['browse-connections'] ?? env.BENCH_BROWSE_CONNECTIONS,
      100,
    ),
    sweep,
    sweepStock: positive('--sweep-stock', values['sweep-stock'] ?? env.BENCH_SWEEP_STOCK, 5000),
    poolSize: pool ? positive('--pool', pool, 10) : undefined,
    deadlineS: positive('--deadline', values.deadline ?? env.BENCH_DEADLINE, 120),
    scenarioStock: Math.min(
      stock,
      positive('--scenario-stock', values['scenario-stock'] ?? env.BENCH_SCENARIO_STOCK, 10_000),
    ),
    cartLines: cartLines as 1 | 2,
    pages: positive('--pages', values.pages ?? env.BENCH_PAGES, 5000),
    idlePages: positive('--idle-pages', values['idle-pages'] ?? env.BENCH_IDLE_PAGES, 15_000),
    saleDayStock: positive(
      '--sale-day-stock',
      values['sale-day-stock'] ?? env.BENCH_SALE_DAY_STOCK,
      5000,
    ),
    redisUrl: values.redis ?? (env.BENCH_REDIS_URL || env.REDIS_URL || undefined),
    phases,
    outDir: values.out ?? env.BENCH_OUT ?? 'bench/results',
    dist: values.dist ?? env.BENCH_DIST ?? 'dist',
    databaseUrl: env.DATABASE_URL || undefined,
  };
}
