import { performance } from 'node:perf_hooks';
import { HttpConnection } from './http-client.ts';
import { type LatencySummary, round, summarise } from './stats.ts';

export interface FlashSaleOptions {
  /** Service base URLs; shoppers are spread over them round robin. */
  baseUrls: string[];
  productId: string;
  shoppers: number;
  /** Every shopper stops at this deadline even if the sale has not sold out. */
  deadlineMs: number;
  /** Extra header lines (each ending in CRLF) for each checkout request, e.g. an Idempotency-Key. */
  headers?: () => string;
}

export interface FlashSaleResult {
  shoppers: number;
  instances: number;
  /** 201 responses. */
  checkouts: number;
  /** From the first request to the last 201 received. */
  durationMs: number;
  checkoutsPerSecond: number;
  /** Latency of the successful checkouts. */
  latency: LatencySummary;
  /** Latency of every checkout request, refusals included. */
  latencyAll: LatencySummary;
  /** 409 OUT_OF_STOCK answers that ended a shopper's loop. */
  soldOutAnswers: number;
  /** Refusals of shoppers who could have bought: see `refusals` for the breakdown. */
  refusedWhileStockRemained: number;
  refusals: {
    /** 409 VERSION_CONFLICT: the service gave up retrying a lost race. */
    versionConflicts: number;
    /** 409 OUT_OF_STOCK that said some stock was still available. */
    outOfStockWithStockLeft: number;
    /** 409 OUT_OF_STOCK received before a later checkout, sent after it, succeeded. */
    outOfStockBeforeLaterSale: number;
  };
  serverErrors: number;
  /** Connection errors, timeouts and unexpected statuses. */
  otherErrors: number;
  otherErrorSamples: string[];
  /** True when the deadline stopped the sale before it sold out. */
  timedOut: boolean;
}

interface SoldOutAnswer {
  receivedAt: number;
  available: number;
}

const MAX_CONSECUTIVE_ERRORS = 20;

/**
 * One product, `shoppers` concurrent shoppers each buying one unit at a time over their own
 * keep-alive connection until the service answers 409 OUT_OF_STOCK.
 */
export async function flashSale(options: FlashSaleOptions): Promise<FlashSaleResult> {
  const body = JSON.stringify({ productId: options.productId, quantity: 1 });
  const latencies: number[] = [];
  const latenciesAll: number[] = [];
  const soldOut: SoldOutAnswer[] = [];
  const samples: string[] = [];
  let versionConflicts = 0;
  let serverErrors = 0;
  let otherErrors = 0;
  let lastSaleSentAt = 0;
  let lastSaleReceivedAt = 0;
  let stopped = false;
  let timedOut = false;

  const sample = (text: string) => {
    if (samples.length < 5) samples.push(text.slice(0, 300));
  };

  const shopper = async (baseUrl: string) => {
    const connection = new HttpConnection(baseUrl);
    let consecutiveErrors = 0;
    try {
      while (!stopped && consecutiveErrors < MAX_CONSECUTIVE_ERRORS) {
        const sentAt = performance.now();
        let status: number;
        let answer: Buffer;
        try {
          ({ status, body: answer } = await connection.request(
            'POST',
            '/checkout',
            body,
            options.headers?.(),
          ));
        } catch (error) {
          otherErrors++;
          consecutiveErrors++;
          sample(String(error));
          continue;
        }
        const receivedAt = performance.now();
        latenciesAll.push(receivedAt - sentAt);
        if (status === 201) {
          consecutiveErrors = 0;
          latencies.push(receivedAt - sentAt);
          if (sentAt > lastSaleSentAt) lastSaleSentAt = sentAt;
          if (receivedAt > lastSaleReceivedAt) lastSaleReceivedAt = receivedAt;
          continue;
        }
        if (status >= 500) {
          serverErrors++;
          consecutiveErrors++;
          sample(`${status} ${answer.toString()}`);
          continue;
        }
        const problem = status === 409 ? parseProblem(answer) : undefined;
        if (problem?.code === 'OUT_OF_STOCK') {
          soldOut.push({ receivedAt, available: Number(problem.available ?? 0) });
          return;
        }
        if (problem?.code === 'VERSION_CONFLICT') {
          versionConflicts++;
          continue;
        }
        otherErrors++;
        sample(`${status} ${answer.toString()}`);
        return;
      }
    } finally {
      connection.close();
    }
  };

  const startedAt = performance.now();
  const deadline = setTimeout(() => {
    stopped = true;
    timedOut = true;
  }, options.deadlineMs);
  await Promise.all(
    Array.from({ length: options.shoppers }, (_, i) =>
      shopper(options.baseUrls[i % options.baseUrls.length]),
    ),
  );
  clearTimeout(deadline);

  const durationMs = (lastSaleReceivedAt || performance.now()) - startedAt;
  const withStockLeft = soldOut.filter((answer) => answer.available > 0).length;
  const beforeLaterSale = soldOut.filter(
    (answer) => answer.available <= 0 && answer.receivedAt < lastSaleSentAt,
  ).length;
  return {
    shoppers: options.shoppers,
    instances: options.baseUrls.length,
    checkouts: latencies.length,
    durationMs: round(durationMs),
    checkoutsPerSecond: round((latencies.length / durationMs) * 1000),
    latency: summarise(latencies),
    latencyAll: summarise(latenciesAll),
    soldOutAnswers: soldOut.length,
    refusedWhileStockRemained: versionConflicts + withStockLeft + beforeLaterSale,
    refusals: {
      versionConflicts,
      outOfStockWithStockLeft: withStockLeft,
      outOfStockBeforeLaterSale: beforeLaterSale,
    },
    serverErrors,
    otherErrors,
    otherErrorSamples: samples,
    timedOut,
  };
}

function parseProblem(body: Buffer): { code?: string; available?: unknown } | undefined {
  try {
    return JSON.parse(body.toString()) as { code?: string; available?: unknown };
  } catch {
    return undefined;
  }
}

export interface SteadyLoadOptions {
  baseUrl: string;
  path: string;
  connections: number;
  durationMs: number;
}

export interface SteadyLoadResult {
  connections: number;
  durationMs: number;
  /** 2xx responses. */
  requests: number;
  requestsPerSecond: number;
  latency: LatencySummary;
  serverErrors: number;
  otherErrors: number;
  otherErrorSamples: string[];
}

/** `connections` keep-alive connections each sending GET `path` back to back for a duration. */
export async function steadyLoad(options: SteadyLoadOptions): Promise<SteadyLoadResult> {
  const latencies: number[] = [];
  const samples: string[] = [];
  let serverErrors = 0;
  let otherErrors = 0;
  const startedAt = performance.now();
  const endAt = startedAt + options.durationMs;

  const client = async () => {
    const connection = new HttpConnection(options.baseUrl);
    let consecutiveErrors = 0;
    try {
      while (performance.now() < endAt && consecutiveErrors < MAX_CONSECUTIVE_ERRORS) {
        const sentAt = performance.now();
        try {
          const { status, body } = await connection.request('GET', options.path);
          const receivedAt = performance.now();
          if (status >= 200 && status < 300) {
            latencies.push(receivedAt - sentAt);
            consecutiveErrors = 0;
            continue;
          }
          if (status >= 500) serverErrors++;
          else otherErrors++;
          if (samples.length < 5) samples.push(`${status} ${body.toString().slice(0, 300)}`);
        } catch (error) {
          otherErrors++;
          if (samples.length < 5) samples.push(String(error));
        }
        consecutiveErrors++;
      }
    } finally {
      connection.close();
    }
  };

  await Promise.all(Array.from({ length: options.connections }, client));
  const durationMs = performance.now() - startedAt;
  return {
    connections: options.connections,
    durationMs: round(durationMs),
    requests: latencies.length,
    requestsPerSecond: round((latencies.length / durationMs) * 1000),
    latency: summarise(latencies),
    serverErrors,
    otherErrors,
    otherErrorSamples: samples,
  };
}
