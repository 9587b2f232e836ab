import { performance } from 'node:perf_hooks';
import { HttpConnection } from './http-client.ts';
import { type LatencySummary, round, summarise } from './stats.ts';

/** One product on sale; `weight` is its share of the picks (Zipf rank popularity, say). */
export interface SaleProduct {
  id: string;
  weight?: number;
}

export interface FlashSaleOptions {
  /** Service base URLs; shoppers are spread over them round robin. */
  baseUrls: string[];
  /** The one product of a flash sale; or use `products`. */
  productId?: string;
  /**
   * The products on sale. Every purchase picks one of those not known to be sold out, with
   * probability proportional to its weight; a shopper stops when all are sold out.
   */
  products?: SaleProduct[];
  shoppers: number;
  /** Every shopper stops at this deadline even if the sale has not sold out. */
  deadlineMs: number;
  /**
   * `buy`: POST /checkout {productId, quantity: 1} (Buy now). `cart`: POST /cart with the pick
   * (and one of `cartCompanions`, when given) as lines of quantity 1, then POST
   * /cart/{id}/checkout; one completed cart checkout counts as one checkout.
   */
  path?: 'buy' | 'cart';
  /** Products of which a cart takes one, chosen at random, beside the pick: 2-line carts. */
  cartCompanions?: string[];
  /** Extra header lines (each ending in CRLF) for each purchase, e.g. X-Forwarded-For. */
  headers?: () => string;
  /**
   * When set, every checkout request carries a fresh `Idempotency-Key: <prefix><n>`, and some
   * answered 201 are kept to be replayed after the sale (`replayIdempotentCheckouts`).
   */
  idempotencyKeyPrefix?: string;
  /** When set, every Buy now carries the email of a new customer, `<prefix><n>@example.com`. */
  customerEmailPrefix?: string;
}

/**
 * A source of `X-Forwarded-For` header lines, each an address never given before (10.0.0.1
 * onwards): for the sales with the limit on, where a shopper loop stands for a stream of
 * shoppers, each buying once.
 */
export function ownAddresses(): () => string {
  let client = 0;
  return () => {
    client++;
    return `X-Forwarded-For: 10.${(client >> 16) & 255}.${(client >> 8) & 255}.${client & 255}\r\n`;
  };
}

/** A checkout answered 201 under an Idempotency-Key, kept to be sent again after the sale. */
export interface KeyedCheckout {
  baseUrl: string;
  path: string;
  body?: string;
  key: string;
  orderId: string;
}

export interface FlashSaleResult {
  shoppers: number;
  instances: number;
  /** `buy` (POST /checkout) or `cart` (POST /cart, then POST /cart/{id}/checkout). */
  path: 'buy' | 'cart';
  /** Products on sale (1 for a flash sale). */
  products: number;
  /** 201 answers to checkouts (Buy now or cart checkout). */
  checkouts: number;
  /** Every HTTP request sent, cart creations included. */
  requests: number;
  /** From the first request to the last 201 received. */
  durationMs: number;
  checkoutsPerSecond: number;
  /** Latency of the successful checkout requests (for carts, the POST /cart/{id}/checkout). */
  latency: LatencySummary;
  /** Latency of every checkout request, refusals included. */
  latencyAll: LatencySummary;
  /** Carts only: POST /cart and its checkout together, for the completed checkouts. */
  latencyPurchase?: LatencySummary;
  /** 409 OUT_OF_STOCK answers saying a product was sold out (they end picks of it). */
  soldOutAnswers: number;
  /** Refusals of shoppers who could have bought: see `refusals` for the breakdown. */
  refusedWhileStockRemained: number;
  refusals: {
    /** 409 VERSION_CONFLICT: the service gave up retrying a lost race. */
    versionConflicts: number;
    /** 409 OUT_OF_STOCK that said some stock of the product was still available. */
    outOfStockWithStockLeft: number;
    /** 409 OUT_OF_STOCK for a product received before a later checkout of it, sent after it, succeeded. */
    outOfStockBeforeLaterSale: number;
  };
  serverErrors: number;
  /** 429 RATE_LIMITED: the sale's addresses were meant never to reach the limit. */
  rateLimited: number;
  /** Connection errors, timeouts and unexpected statuses (429 included). */
  otherErrors: number;
  otherErrorSamples: string[];
  /** Checkout requests sent with an Idempotency-Key (each key once). */
  keysSent: number;
  /** True when the deadline stopped the sale before it sold out. */
  timedOut: boolean;
  /** Wall-clock ms (performance.timeOrigin based) of the last 201 received, for staleness. */
  lastSaleAt?: number;
  /** Keyed checkouts answered 201, kept for `replayIdempotentCheckouts` (not in the JSON). */
  keyedSamples?: KeyedCheckout[];
}

interface SoldOutAnswer {
  productId: string;
  receivedAt: number;
  available: number;
}

interface Problem {
  code?: string;
  productId?: string;
  available?: unknown;
  shortages?: { productId?: string; available?: unknown }[];
}

const MAX_CONSECUTIVE_ERRORS = 20;
const KEYED_SAMPLES = 20;

/**
 * `shoppers` concurrent shoppers, each on its own keep-alive connection, each buying one unit at a
 * time (Buy now, or a cart checkout) until every product on sale is sold out. A purchase picks
 * one of the products not yet known to be sold out, by weight; a 409 OUT_OF_STOCK saying none is
 * left marks that product sold out for every shopper (as the storefront's live stock would), and
 * the shopper picks again. With one product this is the flash sale: buy until OUT_OF_STOCK.
 */
export async function flashSale(options: FlashSaleOptions): Promise<FlashSaleResult> {
  const products: SaleProduct[] =
    options.products ?? (options.productId ? [{ id: options.productId }] : []);
  if (products.length === 0) throw new Error('flashSale: no products');
  const path = options.path ?? 'buy';
  const companions = options.cartCompanions ?? [];
  const latencies: number[] = [];
  const latenciesAll: number[] = [];
  const latenciesPurchase: number[] = [];
  const soldOutAnswers: SoldOutAnswer[] = [];
  const samples: string[] = [];
  const keyedSamples: KeyedCheckout[] = [];
  const lastSaleSentAt = new Map<string, number>();
  let versionConflicts = 0;
  let serverErrors = 0;
  let rateLimited = 0;
  let otherErrors = 0;
  let requests = 0;
  let keysSent = 0;
  let lastSaleReceivedAt = 0;
  let stopped = false;
  let timedOut = false;

  // The products still believed to have stock, and their cumulative weights for picking.
  const soldOut = new Set<string>();
  let alive: SaleProduct[] = [];
  let cumulative: number[] = [];
  const refreshAlive = () => {
    alive = products.filter((p) => !soldOut.has(p.id));
    let sum = 0;
    cumulative = alive.map((p) => (sum += p.weight ?? 1));
  };
  refreshAlive();
  const pick = (): string | undefined => {
    if (alive.length === 0) return undefined;
    const x = Math.random() * cumulative[cumulative.length - 1];
    let lo = 0;
    let hi = cumulative.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cumulative[mid] > x) hi = mid;
      else lo = mid + 1;
    }
    return alive[lo].id;
  };
  const markSoldOut = (productId: string | undefined, receivedAt: number, available: number) => {
    if (!productId) return;
    soldOutAnswers.push({ productId, receivedAt, available });
    if (available <= 0 && !soldOut.has(productId)) {
      soldOut.add(productId);
      refreshAlive();
    }
  };
  const sample = (text: string) => {
    if (samples.length < 5) samples.push(text.slice(0, 300));
  };
  let keyCounter = 0;
  let customers = 0;

  const shopper = async (baseUrl: string) => {
    const connection = new HttpConnection(baseUrl);
    let consecutiveErrors = 0;
    /** Counts an answer that is neither a sale nor a refusal; false when the shopper should stop. */
    const unexpected = (status: number, answer: Buffer | string): boolean => {
      if (status >= 500) serverErrors++;
      else otherErrors++;
      if (status === 429) rateLimited++;
      consecutiveErrors++;
      sample(`${status || 'error'} ${answer.toString()}`);
      return status >= 500 || status === 0;
    };
    try {
      while (!stopped && consecutiveErrors < MAX_CONSECUTIVE_ERRORS) {
        const productId = pick();
        if (!productId) return;
        const lines =
          path === 'cart' && companions.length > 0
            ? [productId, companions[Math.floor(Math.random() * companions.length)]]
            : [productId];
        const extra = options.headers?.() ?? '';
        const purchaseStartedAt = performance.now();
        let checkoutPath = '/checkout';
        const email =
          options.customerEmailPrefix === undefined
            ? undefined
            : `${options.customerEmailPrefix}${++customers}@example.com`;
        let body: string | undefined = JSON.stringify({ productId, quantity: 1, email });
        if (path === 'cart') {
          let created: { status: number; body: Buffer };
          try {
            requests++;
            created = await connection.request(
              'POST',
              '/cart',
              JSON.stringify({ items: lines.map((id) => ({ productId: id, quantity: 1 })) }),
              extra,
            );
          } catch (error) {
            unexpected(0, String(error));
            continue;
          }
          const cartId =
            created.status === 201 ? (parseJson(created.body) as { id?: string })?.id : undefined;
          if (!cartId) {
            if (unexpected(created.status, created.body)) continue;
            return;
          }
          checkoutPath = `/cart/${cartId}/checkout`;
          body = undefined;
        }
        let key: string | undefined;
        let headers = extra;
        if (options.idempotencyKeyPrefix !== undefined) {
          key = `${options.idempotencyKeyPrefix}${++keyCounter}`;
          headers += `Idempotency-Key: ${key}\r\n`;
          keysSent++;
        }
        const sentAt = performance.now();
        let status: number;
        let answer: Buffer;
        try {
          requests++;
          ({ status, body: answer } = await connection.request(
            'POST',
            checkoutPath,
            body,
            headers,
          ));
        } catch (error) {
          unexpected(0, String(error));
          continue;
        }
        const receivedAt = performance.now();
        latenciesAll.push(receivedAt - sentAt);
        if (status === 201) {
          consecutiveErrors = 0;
          latencies.push(receivedAt - sentAt);
          if (path === 'cart') latenciesPurchase.push(receivedAt - purchaseStartedAt);
          for (const id of lines) {
            if (sentAt > (lastSaleSentAt.get(id) ?? 0)) lastSaleSentAt.set(id, sentAt);
          }
          if (receivedAt > lastSaleReceivedAt) lastSaleReceivedAt = receivedAt;
          if (key && keyedSamples.length < KEYED_SAMPLES) {
            const orderId = (parseJson(answer) as { id?: string } | undefined)?.id ?? '';
            keyedSamples.push({ baseUrl, path: checkoutPath, body, key, orderId });
          }
          continue;
        }
        const problem = status === 409 ? (parseJson(answer) as Problem | undefined) : undefined;
        if (problem?.code === 'OUT_OF_STOCK') {
          const shortages = problem.shortages ?? [
            { productId: problem.productId, available: problem.available },
          ];
          for (const shortage of shortages) {
            markSoldOut(shortage.productId, receivedAt, Number(shortage.available ?? 0));
          }
          continue;
        }
        if (problem?.code === 'VERSION_CONFLICT') {
          versionConflicts++;
          continue;
        }
        if (unexpected(status, answer)) continue;
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
  const withStockLeft = soldOutAnswers.filter((answer) => answer.available > 0).length;
  const beforeLaterSale = soldOutAnswers.filter(
    (answer) =>
      answer.available <= 0 && answer.receivedAt < (lastSaleSentAt.get(answer.productId) ?? 0),
  ).length;
  return {
    shoppers: options.shoppers,
    instances: options.baseUrls.length,
    path,
    products: products.length,
    checkouts: latencies.length,
    requests,
    durationMs: round(durationMs),
    checkoutsPerSecond: round((latencies.length / durationMs) * 1000),
    latency: summarise(latencies),
    latencyAll: summarise(latenciesAll),
    ...(path === 'cart' ? { latencyPurchase: summarise(latenciesPurchase) } : {}),
    soldOutAnswers: soldOutAnswers.filter((answer) => answer.available <= 0).length,
    refusedWhileStockRemained: versionConflicts + withStockLeft + beforeLaterSale,
    refusals: {
      versionConflicts,
      outOfStockWithStockLeft: withStockLeft,
      outOfStockBeforeLaterSale: beforeLaterSale,
    },
    serverErrors,
    rateLimited,
    otherErrors,
    otherErrorSamples: samples,
    keysSent,
    timedOut,
    ...(lastSaleReceivedAt
      ? { lastSaleAt: round(performance.timeOrigin + lastSaleReceivedAt) }
      : {}),
    ...(keyedSamples.length > 0 ? { keyedSamples } : {}),
  };
}

/**
 * Sends each kept checkout again with its Idempotency-Key (from `headers()`, e.g. another
 * address): the service must answer 201 with the same order, and create none.
 */
export async function replayIdempotentCheckouts(
  checkouts: KeyedCheckout[],
  headers: () => string = () => '',
): Promise<{ sent: number; sameOrder: number; samples: string[] }> {
  let sameOrder = 0;
  const samples: string[] = [];
  for (const checkout of checkouts) {
    const connection = new HttpConnection(checkout.baseUrl);
    try {
      const { status, body } = await connection.request(
        'POST',
        checkout.path,
        checkout.body,
        `${headers()}Idempotency-Key: ${checkout.key}\r\n`,
      );
      const orderId = (parseJson(body) as { id?: string } | undefined)?.id;
      if (status === 201 && orderId === checkout.orderId && orderId) sameOrder++;
      else if (samples.length < 5) samples.push(`${status} ${body.toString().slice(0, 300)}`);
    } catch (error) {
      if (samples.length < 5) samples.push(String(error));
    } finally {
      connection.close();
    }
  }
  return { sent: checkouts.length, sameOrder, samples };
}

/**
 * Checks the per-client limit as the sale sees it: `limit` checkouts from one address (spread
 * over `baseUrls` in turn) are let through, the next is answered 429, and another address is
 * still let through. The probes carry an invalid body, so they are answered 400 by validation,
 * which runs after the limit, and buy nothing. With two instances, a 429 on the next one shows
 * that the instances count together.
 */
export async function probeRateLimit(
  baseUrls: string[],
  limit: number,
  address: string,
  otherAddress: string,
): Promise<{ passedBeforeLimit: number; limitedAt?: number; otherAddressPassed: boolean }> {
  const connections = baseUrls.map((url) => new HttpConnection(url));
  const send = (i: number, from: string) =>
    connections[i % connections.length].request(
      'POST',
      '/checkout',
      '{}',
      `X-Forwarded-For: ${from}\r\n`,
    );
  try {
    let passed = 0;
    let limitedAt: number | undefined;
    for (let i = 0; i <= limit; i++) {
      const { status } = await send(i, address);
      if (status === 429) {
        limitedAt = i + 1;
        break;
      }
      passed++;
    }
    const { status } = await send(limit + 1, otherAddress);
    return { passedBeforeLimit: passed, limitedAt, otherAddressPassed: status !== 429 };
  } finally {
    for (const connection of connections) connection.close();
  }
}

function parseJson(body: Buffer): unknown {
  try {
    return JSON.parse(body.toString());
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
