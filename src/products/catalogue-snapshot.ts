import { Logger } from '@nestjs/common';
import type { EntityManager } from '@mikro-orm/postgresql';
import { createHash } from 'node:crypto';
import type { Subscription } from 'rxjs';
import type { ProductDto } from './dto/product.dto';
import type { StockChange, StockEventsService } from './stock-events.service';
import { type DeflatedParts, deflateParts, gzipOf } from './gzip-page';
import { isoTimestamp } from './timestamps';

/**
 * A product as the API shows it, read as a plain row: timestamps formatted by PostgreSQL, fields
 * in the order of the answer. The catalogue, its snapshot and one product all read it this way,
 * so that the snapshot's answers are the database's byte for byte.
 */
export const PRODUCT_ROW_SQL = `select id, sku, name, description, price_cents as "priceCents",
       currency, stock, version,
       ${isoTimestamp('sale_starts_at')} as "saleStartsAt",
       ${isoTimestamp('sale_ends_at')} as "saleEndsAt",
       max_per_customer as "maxPerCustomer",
       compare_at_price_cents as "compareAtPriceCents", image_url as "imageUrl"
  from products`;

/** The list's order; the snapshot keeps the database's, since its collation decides it. */
export const CATALOGUE_ORDER = 'order by name, id';

/** A row as read: timestamps are already text. */
export type ProductRow = Omit<ProductDto, 'saleStartsAt' | 'saleEndsAt'> & {
  saleStartsAt: string | null;
  saleEndsAt: string | null;
};

/** Changes heard within this long are read back in one query. */
export const REFRESH_INTERVAL_MS = 100;
/** After a failed read, the snapshot is reloaded this much later (while the feed is live). */
const RELOAD_RETRY_MS = 1000;
/** Pages kept per snapshot generation; past it the cache starts again (limit and offset vary). */
const MAX_CACHED_PAGES = 1000;

interface Entry {
  row: ProductRow;
  json: string;
  /** The JSON as sent: encoded once, not on every answer. */
  body: Buffer;
  etag: string;
}

const digest = (text: string) => createHash('sha1').update(text).digest('base64url').slice(0, 22);

/**
 * A weak ETag of one product: a digest of its JSON, so that any instance showing the same
 * product gives the same tag, and a tag never outlives what it was given for.
 */
export const productEtag = (json: string) => `W/"${digest(json)}"`;

const entryOf = (row: ProductRow): Entry => {
  const json = JSON.stringify(row);
  return { row, json, body: Buffer.from(json), etag: productEtag(json) };
};

/**
 * A page's answer, but for `serverTime`, which is the clock at each request; encoded once, so
 * that an answer costs a copy rather than a serialisation.
 */
export interface CataloguePage {
  /** `{"items":[...],"serverTime":"` */
  head: Buffer;
  /** `","total":N,"limit":L,"offset":O}` */
  tail: Buffer;
  etag: string;
  /** Head and tail deflated, made on the first gzip answer of the page. */
  deflated?: DeflatedParts;
}

/** A weak ETag of what a page shows (all but `serverTime`): a digest of its JSON. */
export function pageEtag(head: string, tail: string): string {
  return `W/"${digest(head + tail)}"`;
}

/** Builds a page's answer from rows already serialised. */
export function cataloguePage(
  itemsJson: readonly string[],
  total: number,
  limit: number,
  offset: number,
): CataloguePage {
  const head = `{"items":[${itemsJson.join(',')}],"serverTime":"`;
  const tail = `","total":${total},"limit":${limit},"offset":${offset}}`;
  return { head: Buffer.from(head), tail: Buffer.from(tail), etag: pageEtag(head, tail) };
}

/**
 * The page's JSON at `now`, as JSON.stringify would write `{ items, serverTime, ... }`, and
 * its gzip, made from parts compressed once (gzip-page.ts).
 */
export function pageBody(page: CataloguePage, now = new Date()) {
  const clock = Buffer.from(now.toISOString());
  const body = Buffer.concat([page.head, clock, page.tail]);
  const gzip = () => gzipOf((page.deflated ??= deflateParts(page.head, page.tail)), clock, body);
  return { body, gzip };
}

/**
 * The whole catalogue in memory, kept fresh by the stock feed, so that a view of it touches no
 * database. Every insert or update of a product NOTIFYs its id (from any instance); the ids heard
 * are read back in one query at most every REFRESH_INTERVAL_MS, so edits are seen as well as
 * sales. A new product or a renamed one reloads everything, since only the database knows where
 * its collation puts it. The snapshot is trusted only while the feed is live: before its first
 * load, while the feed is stale, and until it is reloaded after a resync, callers read the
 * database as before. ProductsService holds it and starts and stops it with the application.
 */
export class CatalogueSnapshot {
  private readonly logger = new Logger(CatalogueSnapshot.name);
  private entries = new Map<string, Entry>();
  private order: Entry[] = [];
  private loaded = false;
  /** Moved on every loss of the feed: a read begun before it is thrown away. */
  private epoch = 0;
  private pending = new Set<string>();
  private refreshTimer?: NodeJS.Timeout;
  private retryTimer?: NodeJS.Timeout;
  /** Reads and their application run one at a time, in order. */
  private work: Promise<void> = Promise.resolve();
  private pages = new Map<string, CataloguePage>();
  private subscription?: Subscription;
  private stopped = false;

  constructor(
    private readonly em: EntityManager,
    private readonly stockEvents: StockEventsService,
  ) {}

  /** Starts following the feed; resolves once the first load settled (if the feed is live). */
  start(): Promise<void> {
    this.subscription = this.stockEvents.events().subscribe((event) => {
      switch (event.type) {
        case 'stale':
          this.untrust();
          break;
        case 'resync':
          this.untrust();
          void this.reload();
          break;
        case 'stock':
          this.applyChange(event.change);
          this.pending.add(event.change.productId);
          this.scheduleRefresh();
          break;
      }
    });
    // The first load, when the feed is already live; otherwise its `resync` starts it.
    return this.stockEvents.live ? this.reload() : Promise.resolve();
  }

  stop(): void {
    this.stopped = true;
    this.subscription?.unsubscribe();
    clearTimeout(this.refreshTimer);
    clearTimeout(this.retryTimer);
  }

  /** Whether answers may come from the snapshot now. */
  get trusted(): boolean {
    return this.loaded && this.stockEvents.live;
  }

  /** A page of the catalogue, or undefined when the snapshot is not to be trusted. */
  page(limit: number, offset: number): CataloguePage | undefined {
    if (!this.trusted) return undefined;
    const key = `${limit},${offset}`;
    let page = this.pages.get(key);
    if (!page) {
      const items = this.order.slice(offset, offset + limit);
      page = cataloguePage(
        items.map((entry) => entry.json),
        this.order.length,
        limit,
        offset,
      );
      if (this.pages.size >= MAX_CACHED_PAGES) this.pages.clear();
      this.pages.set(key, page);
    }
    return page;
  }

  /**
   * One product: its JSON and ETag, `null` when there is no such product, or undefined when the
   * snapshot is not to be trusted.
   */
  product(id: string): { body: Buffer; etag: string } | null | undefined {
    if (!this.trusted) return undefined;
    const entry = this.entries.get(id);
    return entry ? { body: entry.body, etag: entry.etag } : null;
  }

  /**
   * Reads these products back now and waits until the snapshot shows them: a write made through
   * this instance is then seen by its next read. Never throws; a failed read untrusts the snapshot.
   */
  refresh(ids: readonly string[]): Promise<void> {
    for (const id of ids) this.pending.add(id);
    return this.serially(() => this.applyPending());
  }

  /**
   * A notified stock and version, shown at once: a sale moves nothing else. An edit moves other
   * fields too; the read that follows within REFRESH_INTERVAL_MS brings them.
   */
  private applyChange(change: StockChange): void {
    if (!this.loaded) return;
    const entry = this.entries.get(change.productId);
    if (!entry || change.version <= entry.row.version) return;
    this.replace(entry, { ...entry.row, stock: change.stock, version: change.version });
    this.pages.clear();
  }

  private replace(entry: Entry, row: ProductRow): void {
    const next = entryOf(row);
    entry.row = next.row;
    entry.json = next.json;
    entry.body = next.body;
    entry.etag = next.etag;
  }

  private untrust(): void {
    this.loaded = false;
    this.epoch++;
    this.pending.clear();
    this.pages.clear();
  }

  private scheduleRefresh(): void {
    if (this.refreshTimer || this.stopped) return;
    this.refreshTimer = setTimeout(() => {
      this.refreshTimer = undefined;
      void this.serially(() => this.applyPending());
    }, REFRESH_INTERVAL_MS);
  }

  private serially(task: () => Promise<void>): Promise<void> {
    const next = this.work.then(task).catch((error: unknown) => this.failed(error));
    this.work = next;
    return next;
  }

  private failed(error: unknown): void {
    this.logger.warn(`Catalogue snapshot read failed (${String(error)}); reading the database`);
    this.untrust();
    if (this.stopped) return;
    clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => {
      if (this.stockEvents.live) void this.reload();
    }, RELOAD_RETRY_MS);
  }

  private reload(): Promise<void> {
    return this.serially(() => this.loadAll());
  }

  private async loadAll(): Promise<void> {
    if (this.stopped) return;
    const epoch = this.epoch;
    // Changes heard from now on are read again after this load; earlier ones it sees.
    this.pending.clear();
    const rows = await this.em
      .getConnection()
      .execute<ProductRow[]>(`${PRODUCT_ROW_SQL} ${CATALOGUE_ORDER}`);
    if (epoch !== this.epoch) return;
    const entries = new Map<string, Entry>();
    const order = rows.map((row) => {
      // A stock heard while this read ran is newer than what it read: keep it (the read that
      // its notification queued brings the rest).
      const known = this.loaded ? this.entries.get(row.id) : undefined;
      const entry = known && known.row.version > row.version ? known : entryOf(row);
      entries.set(row.id, entry);
      return entry;
    });
    this.entries = entries;
    this.order = order;
    this.pages.clear();
    this.loaded = true;
  }

  private async applyPending(): Promise<void> {
    if (this.pending.size === 0 || this.stopped) return;
    // Not loaded: the coming load reads everything.
    if (!this.loaded) return this.pending.clear();
    const epoch = this.epoch;
    const ids = [...this.pending];
    this.pending.clear();
    const rows = await this.em
      .getConnection()
      .execute<ProductRow[]>(`${PRODUCT_ROW_SQL} where id = any(?::uuid[])`, [
        `{${ids.join(',')}}`,
      ]);
    if (epoch !== this.epoch) return;
    let moved = false;
    const found = new Set<string>();
    for (const row of rows) {
      found.add(row.id);
      const entry = this.entries.get(row.id);
      if (!entry || entry.row.name !== row.name) {
        moved = true;
        continue;
      }
      // A read that began before a newer one was applied must not undo it.
      if (row.version < entry.row.version) continue;
      this.replace(entry, row);
    }
    // A product gone (no route deletes one, but a database may) or added or renamed: its place
    // is the database's to say.
    if (moved || ids.some((id) => !found.has(id) && this.entries.has(id))) {
      return this.loadAll();
    }
    this.pages.clear();
  }
}
