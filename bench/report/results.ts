/** The shape of a run's results, as written to bench/results/latest.json. */
import type { FlashSaleResult, SteadyLoadResult } from '../lib/load.ts';
import type { RawResult } from '../lib/raw-sql.ts';

export interface SaleRun extends FlashSaleResult {
  label: string;
  productId: string;
  initialStock: number;
  /** Read back from PostgreSQL after the sale. */
  database: {
    stockLeft: number;
    version: number;
    orders: number;
    unitsSold: number;
    /** Units sold beyond the initial stock, plus any negative stock: must be 0. */
    oversold: number;
    /** initial stock − units sold − stock left: must be 0. */
    stockMismatch: number;
    /** 201 answers without an order row: must be 0. */
    ordersMissing: number;
  };
  /**
   * Sales with an Idempotency-Key on every checkout: the keys and their orders read back from
   * PostgreSQL, and a few checkouts answered 201 sent again with their key after the sale.
   */
  idempotency?: {
    /** Checkout requests sent with a key (each key once). */
    keysSent: number;
    /** Keys of the sale in idempotency_keys (refusals the service keeps included). */
    keys: number;
    /** Keys whose stored answer is 201: must equal the 201 answers. */
    created: number;
    /** Keys without a stored answer: must be 0 (the key is written with its order). */
    unanswered: number;
    /** Orders whose idempotency_claim is the claim_id of one of the sale's keys. */
    ordersOfKeys: number;
    /** Keys answered 201 without an order: must be 0. */
    createdWithoutOrder: number;
    /** Keys with an order but another stored answer: must be 0. */
    orderWithoutCreated: number;
    /** Orders of the sale's products not made under one of its keys: must be 0. */
    ordersWithoutKey: number;
    replays?: { sent: number; sameOrder: number; samples: string[] };
  };
  /** Share of one core used during the sale, per service process and for the whole cluster. */
  cpuPercent: { services: (number | undefined)[]; postgres?: number; loadGenerator?: number };
  /** Service CPU time (all instances) per successful checkout. */
  serviceCpuMsPerCheckout: number;
}

export interface Machine {
  cores: number;
  cpuModel: string;
  memoryGiB: number;
  os: string;
  node: string;
  postgres: string;
  database: string;
  postgresSettings: Record<string, string>;
  pgbench?: string;
  commit?: string;
  /** One-minute load average when the run started and ended: other work on the machine. */
  loadAverage?: { atStart: number; atEnd: number };
}

/** What a target is about; the Markdown lists each section in a table of its own. */
export type TargetSection = 'purchases' | 'bare' | 'correctness';

export interface Target {
  section: TargetSection;
  name: string;
  goal: string;
  measured: string;
  met: boolean;
}

export type BrowseRun = SteadyLoadResult & { cpuPercent?: number };
export type RatedSale = SaleRun & { ratio?: number };

/** The per-client checkout limit, checked on the services that have it on before their sales. */
export interface LimitProbe {
  label: string;
  instances: number;
  /** Where the services count: Redis (REDIS_URL, shared) or each process's memory. */
  storage: 'redis' | 'memory';
  limit: number;
  /** Checkouts from one address let through (over the instances in turn) before a 429. */
  passedBeforeLimit: number;
  /** Which checkout from that address was answered 429, if any. */
  limitedAt?: number;
  /** A checkout from another address right after was let through. */
  otherAddressPassed: boolean;
}

export interface BenchResults {
  date: string;
  runSeconds: number;
  machine: Machine;
  options: Record<string, unknown>;
  raw: RawResult[];
  /** The ratios' denominator: pgbench at 32 clients when pgbench ran, else Node + pg at 32. */
  baseline?: { tool: RawResult['tool']; clients: number; transactionsPerSecond: number };
  /** The bare path: Buy now, one product, no Idempotency-Key, the limit off. */
  flashSale?: RatedSale;
  /** The bare path through two service processes. */
  twoInstances?: RatedSale;
  /**
   * The purchases as shoppers send them: a fresh Idempotency-Key on every checkout,
   * the per-client limit at its default, every purchase from its own address.
   */
  asSent: {
    buyNow?: RatedSale;
    /** Buy now of a product limited per customer, each purchase with a new customer's email. */
    drop?: RatedSale;
    cart?: RatedSale;
    zipf?: RatedSale;
    twoInstances?: RatedSale;
  };
  limits: LimitProbe[];
  sweep: RatedSale[];
  browse?: { path: string; service: BrowseRun; bare: BrowseRun; ratio: number };
  /** Every sale of the run, warm-ups included; all are checked for overselling. */
  sales: SaleRun[];
  targets: Target[];
  failures: string[];
}
