/** The shape of a run's results, as written to bench/results/latest.json. */
import type { FlashSaleResult, SteadyLoadResult } from '../lib/load.ts';
import type { PagesOpened, PagesSeen, ProcessMemory } from '../lib/pages.ts';
import type { RawResult } from '../lib/raw-sql.ts';
import type { LatencySummary } from '../lib/stats.ts';

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
export type TargetSection = 'purchases' | 'bare' | 'correctness' | 'saleday';

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
  saleDay?: SaleDayResults;
  targets: Target[];
  failures: string[];
}

/** One flash sale of the sale-day rounds, with pages open or none. */
export interface PagesRound {
  label: string;
  kind: 'bare' | 'keyed';
  instances: number;
  /** Pages connected during the sale (0: none open). */
  pages: number;
  opened?: PagesOpened;
  checkoutsPerSecond: number;
  p99Ms: number;
  seen?: PagesSeen;
  /** The service processes right before the sale, and the highest seen during it. */
  serviceBefore: ProcessMemory[];
  serviceDuring: ProcessMemory[];
  /** CPU of the pages' child process and of the sale's generator (the bench), 100% = one core. */
  pagesCpuPercent?: number;
  saleGeneratorCpuPercent?: number;
}

/** The rounds of one kind of sale folded: means of the rounds with pages over those without. */
export interface PagesSummary {
  kind: 'bare' | 'keyed';
  instances: number;
  pages: number;
  checkoutsPerSecond: number;
  checkoutsPerSecondNone: number;
  ratio: number;
  p99Ms: number;
  p99MsNone: number;
  p99Ratio: number;
  /** The worst round's: time from the last sale's answer to a page first showing stock 0. */
  stalenessP50Ms: number;
  stalenessP99Ms: number;
  stalenessMaxMs: number;
  neverSaw: number;
  eventsPerPage: number;
  bytesPerPage: number;
}

export interface DropStart {
  label: string;
  instances: number;
  pages: number;
  pagesRefused: Record<string, number>;
  units: number;
  maxPerCustomer: number;
  /** Read back from PostgreSQL. */
  unitsSold: number;
  /** Units of the purchases answered 201. */
  unitsAnswered: number;
  /** Units the pages asked for: when fewer than `units` (few pages), the drop cannot sell out. */
  unitsAsked: number;
  stockLeft: number;
  mostUnitsOfOneCustomer: number;
  /** Every answer to a purchase, by status and code. */
  answers: Record<string, number>;
  serverErrors: number;
  serverErrorsOtherThanOverloaded: number;
  retried: number;
  purchaseLatency: LatencySummary;
  soldOutSeen?: PagesSeen['staleness'];
  visitors: number;
  visitorsAnswered: number;
  /** GET / then GET /products on one connection. */
  visitorLatency: LatencySummary;
  visitorStreams: { connected: number; refused: Record<string, number> };
  durationMs: number;
  cpuPercent: { pages: number; buyersAndVisitors: number };
  errorSamples: string[];
  /** Each service process's highest RSS and open descriptors during the drop. */
  servicePeak: ProcessMemory[];
  /** Connections the kernel dropped from a full listen queue meanwhile (machine-wide). */
  listenOverflows?: number;
}

export interface SaleDayResults {
  pages: number;
  pagesOpen?: { rounds: PagesRound[]; summary: PagesSummary[] };
  idle?: {
    pages: number;
    connected: number;
    refused: Record<string, number>;
    openMs: number;
    before?: ProcessMemory;
    after?: ProcessMemory;
    rssGrowthMB?: number;
    kBPerPage?: number;
    serviceIdleCpuPercent: number;
    pagesCpuMs: number;
  };
  cap?: {
    cap: number;
    opened: number;
    connected: number;
    refused: Record<string, number>;
    oneMore: { status: number; retryAfter: string | null; body: string };
  };
  herd?: {
    connections: number;
    seconds: number;
    runs: {
      path: string;
      requestsPerSecond: number;
      p50Ms: number;
      p99Ms: number;
      serverErrors: number;
      otherErrors: number;
      errorSamples: string[];
      cpuPercent: number;
      ratioToLive: number;
    }[];
  };
  drops?: DropStart[];
  two?: { via: string; pagesOpen?: { rounds: PagesRound[]; summary: PagesSummary[] } };
  /** The bare flash sale with the stock trigger on and disabled, alternating. */
  notify?: {
    stock: number;
    rounds: {
      trigger: boolean;
      checkoutsPerSecond: number;
      p50Ms: number;
      p99Ms: number;
      postgresCpuPercent?: number;
    }[];
    on: { checkoutsPerSecond: number; p99Ms: number };
    off: { checkoutsPerSecond: number; p99Ms: number };
    /** on / off checkouts per second. */
    ratio: number;
  };
}
