import {
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnModuleDestroy,
} from '@nestjs/common';
import { MikroORM } from '@mikro-orm/postgresql';
import type { FastifyReply } from 'fastify';
import { Client } from 'pg';
import {
  BehaviorSubject,
  distinctUntilChanged,
  filter,
  firstValueFrom,
  map,
  merge,
  type Observable,
  pairwise,
  startWith,
  Subject,
} from 'rxjs';
import { AppConfig } from '../common/config';
import { STOCK_CHANNEL } from './product.entity';
import { StockBroadcast, type StockChange } from './stock-broadcast';

export type { StockChange } from './stock-broadcast';

/**
 * What a live-stock subscriber receives: each change; `stale` when the feed stopped hearing
 * changes (the database went away; counts may be out of date until `resync`); `resync` when it
 * hears them again (changes in between were missed: re-read the stock).
 */
export type StockFeedEvent =
  { type: 'stock'; change: StockChange } | { type: 'stale'; reason: string } | { type: 'resync' };

type ListenerState = 'idle' | 'live' | 'down';

/** What subscribers are told of an outage; the real cause (addresses, ports) is only logged. */
export const STALE_REASON = 'database unavailable';

/** Backoff between attempts to reconnect: full jitter under a doubling ceiling. */
export const RECONNECT_BASE_MS = 250;
export const RECONNECT_MAX_MS = 5000;
/** How often the idle listening connection is checked, so a silently dead one is noticed. */
const PING_INTERVAL_MS = 5000;
const END_TIMEOUT_MS = 1000;

export function reconnectDelay(attempt: number, random = Math.random): number {
  return Math.round(random() * Math.min(RECONNECT_MAX_MS, RECONNECT_BASE_MS * 2 ** attempt));
}

/**
 * Stock changes of every product, from every instance of the service: a database trigger
 * NOTIFYs each change, and one connection per process LISTENs from start-up. When
 * that connection is lost it is opened again, with backoff and jitter, for as long as it takes;
 * subscribers are told when the feed goes stale and when it is back.
 */
@Injectable()
export class StockEventsService implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(StockEventsService.name);
  private readonly changes$ = new Subject<StockChange>();
  private readonly state$ = new BehaviorSubject<ListenerState>('idle');
  private lastFailure = 'connecting to the database';
  private running?: Promise<void>;
  private client?: Client;
  private stopped = false;
  private wake?: () => void;
  /** The live-stock streams of this process, fed from this one listener. */
  private readonly broadcast: StockBroadcast;

  constructor(
    private readonly orm: MikroORM,
    config: AppConfig,
  ) {
    this.broadcast = new StockBroadcast({ maxStreams: config.EVENT_STREAMS_MAX });
    this.changes$.subscribe((change) => this.broadcast.change(change));
    this.state$.subscribe((state) => this.broadcast.setHealth(state));
  }

  /**
   * Opens a live-stock stream on the reply (see StockBroadcast); throws OVERLOADED when this
   * instance holds EVENT_STREAMS_MAX streams already.
   */
  stream(reply: FastifyReply): void {
    this.start();
    this.broadcast.subscribe(reply);
  }

  /** Streams open now, and how far behind the blocked ones are (for tests and metrics). */
  streams(): { open: number; blocked: number; productsOwed: number } {
    const { blocked, products } = this.broadcast.pending();
    return { open: this.broadcast.size, blocked, productsOwed: products };
  }

  /**
   * Starts listening with the application, and lets it take requests once the first attempt has
   * settled: a stream opened right after start-up then hears every change from the first.
   */
  async onApplicationBootstrap(): Promise<void> {
    this.start();
    await firstValueFrom(this.state$.pipe(filter((state) => state !== 'idle'))).catch(
      () => undefined,
    );
  }

  /** Whether changes are being heard right now. */
  get live(): boolean {
    return this.state$.value === 'live';
  }

  /** Every stock change, as it is heard. */
  changes(): Observable<StockChange> {
    this.start();
    return this.changes$.asObservable();
  }

  /**
   * Changes plus the feed's health, for one subscriber: `stale` at once when the feed is down as
   * it subscribes, then `stale` on each loss and `resync` on each recovery.
   */
  events(): Observable<StockFeedEvent> {
    this.start();
    const health = this.state$.pipe(
      distinctUntilChanged(),
      // The current state first, then each change; `undefined` marks "just subscribed".
      startWith(undefined),
      pairwise(),
      map(([before, now]): StockFeedEvent | undefined => {
        if (now === 'down') return { type: 'stale', reason: STALE_REASON };
        // Back after an outage, or the first connection, which this subscriber may have waited
        // for while changes went unheard.
        if (now === 'live' && before !== undefined && before !== 'live') return { type: 'resync' };
        return undefined;
      }),
      filter((event): event is StockFeedEvent => event !== undefined),
    );
    return merge(
      health,
      this.changes$.pipe(map((change): StockFeedEvent => ({ type: 'stock', change }))),
    );
  }

  private start(): void {
    if (this.stopped) return;
    this.running ??= this.run().catch((error: unknown) =>
      // run() handles its own failures; this is a last resort so nothing goes unhandled.
      this.logger.error(`Stock listener stopped: ${String(error)}`),
    );
  }

  private async run(): Promise<void> {
    for (let attempt = 0; !this.stopped;) {
      try {
        const { lost } = await this.connect();
        attempt = 0;
        this.state$.next('live');
        this.logger.log('Listening for stock changes');
        this.lastFailure = await lost;
      } catch (error) {
        this.lastFailure = error instanceof Error ? error.message : String(error);
      }
      await this.dispose();
      if (this.stopped) return;
      if (this.state$.value !== 'down') {
        this.logger.warn(`Stock listener lost the database (${this.lastFailure}); reconnecting`);
      }
      this.state$.next('down');
      await this.sleep(reconnectDelay(attempt++));
    }
  }

  /**
   * Opens the listening connection; resolves once it listens, with a promise of why it was lost
   * (wrapped: an async function returning a bare promise would wait for it instead).
   */
  private async connect(): Promise<{ lost: Promise<string> }> {
    const client = new Client({
      connectionString: this.orm.config.get('clientUrl'),
      keepAlive: true,
      connectionTimeoutMillis: 5000,
      query_timeout: 5000,
    });
    this.client = client;
    let onLost: (reason: string) => void = () => undefined;
    const lost = new Promise<string>((resolve) => (onLost = resolve));
    // Registered before connect(): an 'error' event without a listener would crash the process.
    client.on('error', (error) => onLost(error.message));
    client.on('end', () => onLost('connection ended'));
    client.on('notification', ({ payload }) => {
      if (!payload) return;
      try {
        this.changes$.next(JSON.parse(payload) as StockChange);
      } catch {
        this.logger.warn(`Ignored a malformed stock notification: ${payload}`);
      }
    });
    await client.connect();
    await client.query(`LISTEN ${STOCK_CHANNEL}`);
    // An idle connection to a host that vanished may never report an error by itself.
    const ping = setInterval(() => {
      client.query('select 1').catch((error: Error) => onLost(`ping failed: ${error.message}`));
    }, PING_INTERVAL_MS);
    return { lost: lost.finally(() => clearInterval(ping)) };
  }

  /** Ends the listening connection; one whose peer vanished is not waited for past a second. */
  private async dispose(): Promise<void> {
    const client = this.client;
    this.client = undefined;
    if (!client) return;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      client.end().catch(() => undefined),
      new Promise<void>((resolve) => (timer = setTimeout(resolve, END_TIMEOUT_MS))),
    ]);
    clearTimeout(timer);
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, ms);
      this.wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }

  /** Ends every open stream and the listening connection, so shutting down need not wait. */
  async onModuleDestroy(): Promise<void> {
    this.stopped = true;
    this.broadcast.close();
    this.changes$.complete();
    this.state$.complete();
    this.wake?.();
    await this.dispose();
    await this.running;
  }
}
