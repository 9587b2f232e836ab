/** One product's stock as last heard. `version` is absent when only the count is known. */
export interface StockUpdate {
  productId: string;
  stock: number;
  version?: number;
}

/**
 * How fresh the stock on screen is: `live` while changes arrive as they happen; `polling` while
 * they do not (the stream is down, or the server said its own feed is stale because it lost the
 * database) and the catalogue is re-read every few seconds instead: the counts may be out of date.
 */
export type FeedStatus = 'idle' | 'connecting' | 'live' | 'polling';

/** Dispatched by a {@link StockFeed} for every stock update. */
export class StockUpdateEvent extends Event {
  static readonly type = 'stock';
  constructor(readonly update: StockUpdate) {
    super(StockUpdateEvent.type);
  }
}

/** Dispatched by a {@link StockFeed} when its {@link FeedStatus} changes. */
export class FeedStatusEvent extends Event {
  static readonly type = 'status';
  constructor(readonly status: FeedStatus) {
    super(FeedStatusEvent.type);
  }
}

/**
 * Stock news for the page. Views subscribe; anything that learns a product's stock (a checkout
 * refused for lack of stock, a refreshed product) publishes it, so every view shows the same count.
 *
 * @fires stock - {@link StockUpdateEvent} for each update
 * @fires status - {@link FeedStatusEvent} when the connection state changes
 */
export class StockFeed extends EventTarget {
  #status: FeedStatus = 'idle';

  get status(): FeedStatus {
    return this.#status;
  }

  publish(update: StockUpdate): void {
    this.dispatchEvent(new StockUpdateEvent(update));
  }

  /** Calls `listener` with each update until the returned function is called. */
  subscribe(listener: (update: StockUpdate) => void): () => void {
    const handler = (event: Event) => listener((event as StockUpdateEvent).update);
    this.addEventListener(StockUpdateEvent.type, handler);
    return () => this.removeEventListener(StockUpdateEvent.type, handler);
  }

  protected setStatus(status: FeedStatus): void {
    if (status === this.#status) return;
    this.#status = status;
    this.dispatchEvent(new FeedStatusEvent(status));
  }
}

/** The part of `EventSource` the feed uses, so tests can hand in a fake one. */
export interface EventSourceLike {
  readonly readyState: number;
  addEventListener(type: string, listener: (event: Event) => void): void;
  close(): void;
}

const CLOSED = 2;

/**
 * `ms` spread evenly over ±50%, so that many open pages that started waiting together (every tab
 * saw the same outage) do not all ask again in the same instant.
 */
export function jittered(ms: number, random: () => number = Math.random): number {
  return Math.round(ms * (0.5 + random()));
}

export interface LiveStockFeedOptions {
  /** The Server-Sent Events stream of `stock` events (and `stale` / `resync`). */
  url?: string;
  /** Reads every product's stock now; used while live stock is down. */
  poll: () => Promise<StockUpdate[]>;
  /** Mean time between polls while live stock is down; each wait is jittered ±50%. */
  pollIntervalMs?: number;
  /** The catch-up read after `resync` waits a random time up to this, to spread the load. */
  resyncSpreadMs?: number;
  /** Source of randomness for the jitter (tests pass a fixed one). */
  random?: () => number;
  /**
   * First wait before reopening a stream the browser gave up; doubles up to `maxReconnectDelayMs`.
   * 5 s by default: the service asks a stream it refuses at its cap to wait at least that long
   * (Retry-After, which an EventSource cannot read).
   */
  reconnectDelayMs?: number;
  maxReconnectDelayMs?: number;
  openEventSource?: (url: string) => EventSourceLike;
}

/**
 * Live stock from `GET /products/events` (one `stock` event per change, from any instance of the
 * service). While the stream is down, or the server says its feed is `stale` (it lost the
 * database), it polls instead, with jitter; it reopens a closed stream with backoff. After a gap
 * (the stream reopened, or the server sent `resync`) it reads the stock once more, so that changes
 * missed meanwhile are not lost.
 */
export class LiveStockFeed extends StockFeed {
  readonly #url: string;
  readonly #poll: () => Promise<StockUpdate[]>;
  readonly #pollIntervalMs: number;
  readonly #firstReconnectDelayMs: number;
  readonly #maxReconnectDelayMs: number;
  readonly #open: (url: string) => EventSourceLike;
  readonly #resyncSpreadMs: number;
  readonly #random: () => number;
  #source: EventSourceLike | undefined;
  /** Set while polling instead of live; each round of polling gets a new one. */
  #pollRound: object | undefined;
  #pollTimer: ReturnType<typeof setTimeout> | undefined;
  #catchUpTimer: ReturnType<typeof setTimeout> | undefined;
  #reconnectTimer: ReturnType<typeof setTimeout> | undefined;
  #reconnectDelayMs: number;
  #polling = false;

  constructor(options: LiveStockFeedOptions) {
    super();
    this.#url = options.url ?? '/products/events';
    this.#poll = options.poll;
    this.#pollIntervalMs = options.pollIntervalMs ?? 5000;
    this.#firstReconnectDelayMs = options.reconnectDelayMs ?? 5000;
    this.#maxReconnectDelayMs = options.maxReconnectDelayMs ?? 30_000;
    this.#reconnectDelayMs = this.#firstReconnectDelayMs;
    this.#open = options.openEventSource ?? ((url) => new EventSource(url));
    this.#resyncSpreadMs = options.resyncSpreadMs ?? 2000;
    this.#random = options.random ?? Math.random;
  }

  start(): void {
    if (this.#source) return;
    this.setStatus('connecting');
    this.#connect();
  }

  stop(): void {
    this.#source?.close();
    this.#source = undefined;
    clearTimeout(this.#reconnectTimer);
    this.#reconnectTimer = undefined;
    clearTimeout(this.#catchUpTimer);
    this.#catchUpTimer = undefined;
    this.#stopPolling();
    this.setStatus('idle');
  }

  #connect(): void {
    this.#reconnectTimer = undefined;
    const source = this.#open(this.#url);
    this.#source = source;
    source.addEventListener('open', () => {
      if (source !== this.#source) return;
      const missedSome = this.#pollRound !== undefined;
      this.#stopPolling();
      this.#reconnectDelayMs = this.#firstReconnectDelayMs;
      this.setStatus('live');
      // What changed while the stream was down may have been missed: read it once, spread like
      // the `resync` read (a restarted service sees every page come back at once).
      if (missedSome) this.#catchUp();
    });
    source.addEventListener('stock', (event) => {
      const update = parseUpdate((event as MessageEvent<unknown>).data);
      if (update) this.publish(update);
    });
    // The stream is open, but the server is not hearing changes (it lost its database).
    source.addEventListener('stale', () => {
      if (source === this.#source) this.#startPolling();
    });
    // It hears them again; what changed in between was missed, so read it once, a little later
    // on each page, so that every open page does not ask in the same instant.
    source.addEventListener('resync', () => {
      if (source !== this.#source) return;
      this.#stopPolling();
      this.setStatus('live');
      this.#catchUp();
    });
    source.addEventListener('error', () => {
      if (source !== this.#source) return;
      this.#startPolling();
      // CONNECTING: the stream was lost and the browser retries by itself. CLOSED: the browser
      // gave up for good, as it does on any answer but 200 text/event-stream (e.g. the 503 of a
      // service at its cap of streams, EVENT_STREAMS_MAX): reopen it ourselves, later and later.
      if (source.readyState === CLOSED) {
        source.close();
        // An EventSource cannot read the 503's Retry-After, so the backoff bounds the asking:
        // never sooner than it, up to half as long again, at random.
        const delay = Math.round(this.#reconnectDelayMs * (1 + this.#random() / 2));
        this.#reconnectTimer = setTimeout(() => this.#connect(), delay);
        this.#reconnectDelayMs = Math.min(this.#reconnectDelayMs * 2, this.#maxReconnectDelayMs);
      }
    });
  }

  /** One read of the stock a random part of `resyncSpreadMs` from now. */
  #catchUp(): void {
    clearTimeout(this.#catchUpTimer);
    this.#catchUpTimer = setTimeout(
      () => void this.#pollOnce(),
      Math.round(this.#random() * this.#resyncSpreadMs),
    );
  }

  #startPolling(): void {
    this.setStatus('polling');
    if (this.#pollRound !== undefined) return;
    const round = (this.#pollRound = {});
    const next = (delay: number) => {
      this.#pollTimer = setTimeout(async () => {
        await this.#pollOnce();
        if (this.#pollRound === round) next(jittered(this.#pollIntervalMs, this.#random));
      }, delay);
    };
    // The first read too comes at a random moment: every page saw the outage at once.
    next(Math.round(this.#random() * this.#pollIntervalMs));
  }

  #stopPolling(): void {
    clearTimeout(this.#pollTimer);
    this.#pollTimer = undefined;
    this.#pollRound = undefined;
  }

  async #pollOnce(): Promise<void> {
    if (this.#polling) return;
    this.#polling = true;
    try {
      for (const update of await this.#poll()) this.publish(update);
    } catch {
      // Still down; the next tick tries again.
    } finally {
      this.#polling = false;
    }
  }
}

function parseUpdate(data: unknown): StockUpdate | undefined {
  if (typeof data !== 'string') return undefined;
  try {
    const value = JSON.parse(data) as Partial<StockUpdate>;
    if (typeof value.productId !== 'string' || !Number.isInteger(value.stock)) return undefined;
    return {
      productId: value.productId,
      stock: value.stock as number,
      version: Number.isInteger(value.version) ? value.version : undefined,
    };
  } catch {
    return undefined;
  }
}
