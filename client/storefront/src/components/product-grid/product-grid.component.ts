import { LitElement, html, nothing } from 'lit';
import { property, query, state } from 'lit/decorators.js';
import { repeat } from 'lit/directives/repeat.js';
import { Task, initialState } from '@lit/task';
import type { FeedStatus, StockFeed, StockUpdate } from '../../live/stock-feed.js';
import { StockFeedController } from '../../live/stock-feed-controller.js';
import type { CartDto, OrderDto, ProductDto } from '../../shop/sdk.js';
import { type Shop, ShopError, describeFailure, retryText } from '../../shop/shop.js';
import type { StatusMessage } from '../../shop/status.js';
import { sharedStyles } from '../../styles/shared.js';
import '../product-card/product-card.js';
import type { ProductActionDetail, ProductCardBusy } from '../product-card/product-card.js';
import { productGridStyles } from './product-grid.styles.js';

/** What the line under the heading says about the stock shown, for each state of the feed. */
const FEED_TEXT: Record<FeedStatus, string> = {
  live: 'Live stock: counts change as other shoppers buy.',
  polling:
    'Live stock paused: counts may be out of date; they refresh every few seconds meanwhile.',
  connecting: 'Connecting to live stock…',
  idle: 'Stock as of loading this page.',
};

/** Drops that open within this many milliseconds of each other are announced together. */
const SAME_MOMENT_MS = 200;

/** The detail of `order-placed`. */
export interface OrderPlacedDetail {
  order: OrderDto;
}

/** The detail of `cart-changed`: the cart as it is now, or null when the shopper has none. */
export interface CartChangedDetail {
  cart: CartDto | null;
}

/**
 * The catalogue as a grid of {@link ProductCard}s, with stock kept current from a {@link StockFeed}.
 * It carries out "Buy now" and "Add to cart" through the {@link Shop}, one request per product at a
 * time, and says in its live region what happened, and when a drop opens. The cards count down on
 * the shop's clock (the service's), and pre-fill the email the shopper last bought with.
 *
 * @fires order-placed - CustomEvent<OrderPlacedDetail> after a successful "Buy now"
 * @fires cart-changed - CustomEvent<CartChangedDetail> after "Add to cart"
 * @csspart title - the heading
 * @csspart feed - the line that says whether the stock shown is live
 * @csspart status - the live region with the latest message
 * @csspart grid - the list of products
 */
export class ProductGrid extends LitElement {
  static override styles = [sharedStyles, productGridStyles];

  @property({ attribute: false }) shop!: Shop;

  /** Live stock; optional (without it the counts are as loaded). */
  @property({ attribute: false }) feed?: StockFeed;

  @state() private products: ProductDto[] = [];
  @state() private busy = new Map<string, Exclude<ProductCardBusy, null>>();
  /** By product: what its purchase in flight waits for (the store was busy), shown on its card. */
  @state() private notes = new Map<string, string>();
  @state() private message: StatusMessage | null = null;
  @state() private feedStatus: FeedStatus = 'idle';
  /** The email the shopper last bought with, offered on the cards of limited products. */
  @state() private email = '';

  @query('h1') private heading!: HTMLHeadingElement;

  constructor() {
    super();
    // Registers itself with this element; keeps the counts and the "live" line current.
    new StockFeedController(
      this,
      (update) => this.#applyStock(update),
      (status) => (this.feedStatus = status),
    );
  }

  readonly #load = new Task(this, {
    task: async ([shop], { signal }) => (shop ? shop.products(signal) : initialState),
    args: () => [this.shop] as const,
    onComplete: (products) => {
      this.products = products;
      this.email = this.shop.email;
    },
  });

  /** Names of drops that opened in this moment, said together in one message. */
  #opened: string[] = [];

  /** Moves focus to the heading (after a route change). */
  override focus(): void {
    this.heading?.focus();
  }

  override render() {
    return html`
      <h1 tabindex="-1" part="title">Flash sale</h1>
      <p class="intro" part="feed" data-feed=${this.feedStatus}>
        <span class="dot" aria-hidden="true"></span>${FEED_TEXT[this.feedStatus]}
      </p>
      <p class="status" role="status" part="status" data-tone=${this.message?.tone ?? nothing}>
        ${this.message?.text ?? ''}
      </p>
      ${this.#load.render({
        initial: () => this.#loading(),
        pending: () => (this.products.length > 0 ? this.#grid() : this.#loading()),
        complete: () => (this.products.length > 0 ? this.#grid() : this.#empty()),
        error: (error) => this.#error(error),
      })}
    `;
  }

  #loading() {
    return html`<p class="visually-hidden">Loading products…</p>
      <ul aria-hidden="true">
        ${[1, 2, 3, 4].map(() => html`<li class="skeleton"></li>`)}
      </ul>`;
  }

  #empty() {
    return html`<div class="panel">
      <p><strong>Nothing is for sale right now.</strong></p>
      <p>Check back soon: new drops appear here.</p>
    </div>`;
  }

  #error(error: unknown) {
    return html`<div class="panel" role="alert">
      <p><strong>The products could not be loaded.</strong></p>
      <p>${error instanceof Error ? error.message : describeFailure(error)}</p>
      <button @click=${() => this.#load.run()}>Try again</button>
    </div>`;
  }

  #grid() {
    return html`<ul
      part="grid"
      @buy-now=${this.#onBuy}
      @add-to-cart=${this.#onAdd}
      @sale-open=${this.#onSaleOpen}
    >
      ${repeat(
        this.products,
        (product) => product.id,
        (product) =>
          html`<li>
            <product-card
              .product=${product}
              .busy=${this.busy.get(product.id) ?? null}
              .clock=${this.shop.clock}
              .email=${this.email}
              .note=${this.notes.get(product.id) ?? ''}
            ></product-card>
          </li>`,
      )}
    </ul>`;
  }

  #applyStock({ productId, stock, version }: StockUpdate): void {
    let edited = false;
    this.products = this.products.map((product) => {
      if (product.id !== productId) return product;
      // Events can arrive out of order (stream and polling); never go back to an older version.
      if (version !== undefined && version < product.version) return product;
      if (product.stock === stock && (version === undefined || version === product.version)) {
        return product;
      }
      // A new version with the same stock is an edit by the staff (a drop moved, a new price):
      // the event carries only the stock, so the product is read again.
      edited = version !== undefined && product.stock === stock;
      return { ...product, stock, version: version ?? product.version };
    });
    if (edited) {
      this.shop.product(productId).then(
        (fresh) => this.#merge(fresh),
        () => undefined,
      );
    }
  }

  #merge(fresh: ProductDto): void {
    this.products = this.products.map((product) =>
      product.id === fresh.id && fresh.version >= product.version ? fresh : product,
    );
  }

  async #onBuy(event: CustomEvent<ProductActionDetail>): Promise<void> {
    const { product, email } = event.detail;
    if (!this.#start(product, 'buy')) return;
    await this.#say({ text: `Buying ${product.name}…`, tone: 'info' });
    try {
      const order = await this.shop.buyNow(product, 1, email, {
        // At a drop's start the store may ask to come back shortly: a wait, not an error.
        onRetry: (notice) => {
          const text = retryText(notice);
          this.notes = new Map(this.notes).set(product.id, text);
          void this.#say({ text: `Still buying ${product.name}. ${text}`, tone: 'info' });
        },
      });
      await this.#say({
        text: `Bought ${product.name}. Your order is confirmed.`,
        tone: 'success',
      });
      this.dispatchEvent(
        new CustomEvent<OrderPlacedDetail>('order-placed', {
          detail: { order },
          bubbles: true,
          composed: true,
        }),
      );
    } catch (error) {
      if (error instanceof ShopError && error.refreshed.product) {
        this.#merge(error.refreshed.product);
      }
      await this.#say({ text: messageOf(error), tone: 'error' });
    } finally {
      this.email = this.shop.email;
      this.#finish(product);
    }
  }

  /**
   * A card's countdown ran out: says so once in the live region (the countdown itself is not
   * announced as it ticks). Drops opening within the same moment are named in one message.
   */
  #onSaleOpen(event: CustomEvent<ProductActionDetail>): void {
    this.#opened.push(event.detail.product.name);
    if (this.#opened.length > 1) return;
    setTimeout(() => {
      const names = this.#opened.splice(0);
      const list =
        names.length === 1 ? names[0] : `${names.slice(0, -1).join(', ')} and ${names.at(-1)}`;
      void this.#say({
        text: `${list} ${names.length === 1 ? 'is' : 'are'} on sale now.`,
        tone: 'info',
      });
    }, SAME_MOMENT_MS);
  }

  async #onAdd(event: CustomEvent<ProductActionDetail>): Promise<void> {
    const { product } = event.detail;
    if (!this.#start(product, 'add')) return;
    await this.#say({ text: `Adding ${product.name} to your cart…`, tone: 'info' });
    try {
      const { cart, notice } = await this.shop.addToCart(product);
      const units = cart.items.reduce((sum, line) => sum + line.quantity, 0);
      const added = `Added ${product.name} to your cart (${units} ${units === 1 ? 'item' : 'items'}).`;
      await this.#say({ text: notice ? `${added} ${notice}` : added, tone: 'success' });
      this.dispatchEvent(
        new CustomEvent<CartChangedDetail>('cart-changed', {
          detail: { cart },
          bubbles: true,
          composed: true,
        }),
      );
    } catch (error) {
      await this.#say({ text: messageOf(error), tone: 'error' });
    } finally {
      this.#finish(product);
    }
  }

  /** Marks the product busy; false when a request for it is already in flight. */
  #start(product: ProductDto, action: 'buy' | 'add'): boolean {
    if (this.busy.has(product.id)) return false;
    this.busy = new Map(this.busy).set(product.id, action);
    return true;
  }

  #finish(product: ProductDto): void {
    const busy = new Map(this.busy);
    busy.delete(product.id);
    this.busy = busy;
    if (this.notes.has(product.id)) {
      const notes = new Map(this.notes);
      notes.delete(product.id);
      this.notes = notes;
    }
  }

  /** Replaces the live region's text; clearing it first makes a repeated message heard again. */
  async #say(message: StatusMessage): Promise<void> {
    this.message = null;
    await this.updateComplete;
    this.message = message;
    await this.updateComplete;
  }
}

function messageOf(error: unknown): string {
  return error instanceof ShopError ? error.message : describeFailure(error);
}
