import { LitElement, html, nothing } from 'lit';
import { property, query, state } from 'lit/decorators.js';
import { repeat } from 'lit/directives/repeat.js';
import { Task, initialState } from '@lit/task';
import { ClockController } from '../../live/clock-controller.js';
import type { StockFeed, StockUpdate } from '../../live/stock-feed.js';
import { StockFeedController } from '../../live/stock-feed-controller.js';
import { emailProblem } from '../../shop/customer-email.js';
import { emailField, emailFieldStyles } from '../email-field.js';
import { formatMoney } from '../../shop/money.js';
import { momentPhrase } from '../../shop/sale-window.js';
import {
  type CartDto,
  type CartLineDto,
  MAX_QUANTITY,
  salePhase,
  untilPhaseChange,
} from '../../shop/sdk.js';
import { type Shop, ShopError, describeFailure, retryText } from '../../shop/shop.js';
import type { StatusMessage } from '../../shop/status.js';
import { sharedStyles } from '../../styles/shared.js';
import type { CartChangedDetail, OrderPlacedDetail } from '../product-grid/product-grid.js';
import { cartViewStyles } from './cart-view.styles.js';

/** "Sold out", "Only 2 left", "3 left", or nothing when plenty are left. */
export function availabilityText(line: CartLineDto): string {
  if (line.available <= 0) return 'Sold out';
  if (line.available < line.quantity) return `Only ${line.available} left`;
  return line.available <= 5 ? `${line.available} left` : '';
}

/** The lines limited per customer: checking out needs the shopper's email when there is one. */
export function limitedLines(cart: CartDto): CartLineDto[] {
  return cart.items.filter((line) => line.maxPerCustomer !== null);
}

/**
 * Why the email is asked for, naming the limited lines: "Needed for Flash Sneaker (limit 2 per
 * customer)", "Needed for A (limit 1 per customer) and B (limit 2 per customer)".
 */
export function emailReason(lines: CartLineDto[]): string {
  const parts = lines.map((line) => `${line.name} (limit ${line.maxPerCustomer} per customer)`);
  const list =
    parts.length <= 1 ? parts.join('') : `${parts.slice(0, -1).join(', ')} and ${parts.at(-1)}`;
  return `Needed for ${list}: the limit counts every order with this email.`;
}

/**
 * The shopper's cart: lines whose quantity can be changed or removed, the subtotal, and
 * "Checkout". Every change is sent with the cart version on screen; when the cart changed elsewhere
 * meanwhile, it shows the cart as it is now and says what changed. One request at a time: while
 * one is in flight the controls are inert. A line limited per customer says so, and makes
 * checkout ask for the shopper's email (pre-filled with the one remembered, checked before
 * sending); a line whose drop has not opened, or whose sale ended, says so too.
 *
 * @fires order-placed - CustomEvent<OrderPlacedDetail> after a successful checkout
 * @fires cart-changed - CustomEvent<CartChangedDetail> whenever the cart changed
 * @csspart title - the heading
 * @csspart status - the live region with the latest message
 * @csspart lines - the list of lines
 * @csspart subtotal - the subtotal
 * @csspart email - the email field, when a line is limited per customer, with its label
 * @csspart email-error - what is wrong with the email typed
 * @csspart checkout-button - the "Checkout" button
 */
export class CartView extends LitElement {
  static override styles = [sharedStyles, emailFieldStyles, cartViewStyles];

  @property({ attribute: false }) shop!: Shop;

  /** Live stock, to keep each line's "left" current; optional. */
  @property({ attribute: false }) feed?: StockFeed;

  @state() private cart: CartDto | null = null;
  /** The request in flight: `checkout`, or the product id of the line being changed. */
  @state() private busy: string | null = null;
  @state() private message: StatusMessage | null = null;
  /** What the shopper typed into the email field; undefined until they type. */
  @state() private typedEmail: string | undefined;
  @state() private emailError: string | null = null;

  @query('h1') private heading!: HTMLHeadingElement;
  @query('input[type=email]') private emailInput?: HTMLInputElement;

  constructor() {
    super();
    // Registers itself with this element; keeps each line's "left" current.
    new StockFeedController(this, (update) => this.#applyStock(update));
    // Renders again when a line's drop opens or its sale ends.
    new ClockController(this, () => {
      if (!this.cart || !this.shop) return undefined;
      const now = this.shop.clock.now();
      const waits = this.cart.items
        .map((line) => untilPhaseChange(line, now))
        .filter((wait) => wait !== undefined);
      return waits.length > 0 ? Math.min(...waits) : undefined;
    });
  }

  readonly #load = new Task(this, {
    task: async ([shop], { signal }) => {
      if (!shop) return initialState;
      const cart = await shop.cart(signal);
      // Opened straight on the cart: its sale notes count on the service's clock, which only a
      // product page has brought so far.
      const windowed = cart?.items.some((line) => line.saleStartsAt || line.saleEndsAt);
      if (windowed && !shop.clock.synced) await shop.syncClock().catch(() => undefined);
      return cart;
    },
    args: () => [this.shop] as const,
    onComplete: (cart) => (this.cart = cart),
  });

  /** Moves focus to the heading (after a route change). */
  override focus(): void {
    this.heading?.focus();
  }

  /** Reads the cart again. */
  reload(): Promise<void> {
    return this.#load.run();
  }

  override render() {
    return html`
      <h1 tabindex="-1" part="title">Your cart</h1>
      <p class="status" role="status" part="status" data-tone=${this.message?.tone ?? nothing}>
        ${this.message?.text ?? ''}
      </p>
      ${this.#load.render({
        initial: () => this.#loading(),
        pending: () => (this.cart ? this.#lines(this.cart) : this.#loading()),
        complete: () => (this.cart?.items.length ? this.#lines(this.cart) : this.#empty()),
        error: (error) => this.#error(error),
      })}
    `;
  }

  #loading() {
    return html`<div class="panel" aria-busy="true">
      <p><span class="spinner" aria-hidden="true"></span>Loading your cart…</p>
    </div>`;
  }

  #empty() {
    return html`<div class="panel">
      <p><strong>Your cart is empty.</strong></p>
      <p><a href="#/">Browse the flash sale</a></p>
    </div>`;
  }

  #error(error: unknown) {
    return html`<div class="panel" role="alert">
      <p><strong>Your cart could not be loaded.</strong></p>
      <p>${error instanceof Error ? error.message : describeFailure(error)}</p>
      <button @click=${() => this.#load.run()}>Try again</button>
    </div>`;
  }

  #lines(cart: CartDto) {
    const inert = this.busy !== null;
    const currency = cart.currency ?? 'USD';
    const units = cart.items.reduce((sum, line) => sum + line.quantity, 0);
    const limited = limitedLines(cart);
    return html`
      <ul part="lines" aria-label="Items in your cart">
        ${repeat(
          cart.items,
          (line) => line.productId,
          (line) => this.#line(line, currency, inert),
        )}
      </ul>
      <div class="summary">
        ${limited.length > 0 ? this.#emailField(limited, inert) : nothing}
        <p class="subtotal" part="subtotal">
          Subtotal (${units} ${units === 1 ? 'item' : 'items'}):
          <strong>${formatMoney(cart.subtotalCents, currency)}</strong>
        </p>
        <button
          class="primary checkout"
          part="checkout-button"
          aria-disabled=${inert ? 'true' : 'false'}
          aria-busy=${this.busy === 'checkout' ? 'true' : 'false'}
          @click=${this.#checkout}
        >
          ${
            this.busy === 'checkout'
              ? html`<span class="spinner" aria-hidden="true"></span>`
              : nothing
          }Checkout
        </button>
      </div>
    `;
  }

  #line(line: CartLineDto, currency: string, inert: boolean) {
    const availability = availabilityText(line);
    const warning = line.available < line.quantity;
    const disabled = inert ? 'true' : 'false';
    return html`<li>
      <div class="info">
        <h2>${line.name}</h2>
        <p class="unit">${formatMoney(line.priceCents, currency)} each</p>
        ${
          availability
            ? html`<p class="availability ${warning ? 'warning' : ''}">${availability}</p>`
            : nothing
        }
        ${
          line.maxPerCustomer !== null
            ? html`<p class="limit">Limit ${line.maxPerCustomer} per customer</p>`
            : nothing
        }
        ${this.#saleNote(line)}
      </div>
      <div class="quantity">
        <button
          aria-label="Decrease quantity: ${line.name}"
          aria-disabled=${disabled}
          ?disabled=${line.quantity <= 1}
          @click=${() => this.#setQuantity(line, line.quantity - 1)}
        >
          −
        </button>
        <input
          type="number"
          inputmode="numeric"
          min="1"
          max=${MAX_QUANTITY}
          aria-label="Quantity: ${line.name}"
          .value=${String(line.quantity)}
          ?readonly=${inert}
          @change=${(event: Event) => this.#typedQuantity(line, event.target as HTMLInputElement)}
        />
        <button
          aria-label="Increase quantity: ${line.name}"
          aria-disabled=${disabled}
          ?disabled=${line.quantity >= MAX_QUANTITY}
          @click=${() => this.#setQuantity(line, line.quantity + 1)}
        >
          +
        </button>
      </div>
      <p class="total">${formatMoney(line.lineTotalCents, currency)}</p>
      <button
        class="remove"
        aria-label="Remove: ${line.name}"
        aria-disabled=${disabled}
        @click=${() => this.#setQuantity(line, 0)}
      >
        Remove
      </button>
    </li>`;
  }

  /** A line whose drop has not opened, or whose sale ended, says so (checkout would refuse it). */
  #saleNote(line: CartLineDto) {
    const now = this.shop.clock.now();
    const phase = salePhase(line, now);
    if (phase === 'upcoming' && line.saleStartsAt) {
      return html`<p class="sale-note">
        On sale
        <time datetime=${line.saleStartsAt}>${momentPhrase(line.saleStartsAt, now)}</time>: check
        out from then.
      </p>`;
    }
    if (phase === 'ended' && line.saleEndsAt) {
      return html`<p class="sale-note warning">
        This sale ended
        <time datetime=${line.saleEndsAt}>${momentPhrase(line.saleEndsAt, now)}</time>: remove it to
        check out.
      </p>`;
    }
    return nothing;
  }

  #emailField(limited: CartLineDto[], inert: boolean) {
    return emailField({
      value: this.typedEmail ?? this.shop.email,
      error: this.emailError,
      hint: emailReason(limited),
      readonly: inert,
      onInput: (value) => {
        this.typedEmail = value;
        if (this.emailError) this.emailError = emailProblem(value);
      },
      onSubmit: () => void this.#checkout(),
    });
  }

  #typedQuantity(line: CartLineDto, input: HTMLInputElement): void {
    const quantity = Number(input.value);
    if (!Number.isInteger(quantity) || quantity < 0 || quantity > MAX_QUANTITY) {
      input.value = String(line.quantity);
      void this.#say({
        text: `Enter a whole number from 1 to ${MAX_QUANTITY} for ${line.name} (0 removes it).`,
        tone: 'error',
      });
      return;
    }
    if (quantity !== line.quantity) void this.#setQuantity(line, quantity);
  }

  async #setQuantity(line: CartLineDto, quantity: number): Promise<void> {
    const cart = this.cart;
    if (!cart || this.busy !== null) return;
    this.busy = line.productId;
    try {
      this.#show(await this.shop.setQuantity(cart, line.productId, quantity));
      await this.#say({
        text:
          quantity === 0
            ? `Removed ${line.name} from your cart.`
            : `${line.name}: quantity ${quantity}.`,
        tone: 'info',
      });
    } catch (error) {
      this.#failed(error);
    } finally {
      this.busy = null;
    }
  }

  async #checkout(): Promise<void> {
    const cart = this.cart;
    if (!cart || this.busy !== null) return;
    let email: string | undefined;
    if (limitedLines(cart).length > 0) {
      email = this.typedEmail ?? this.shop.email;
      this.emailError = emailProblem(email);
      if (this.emailError) {
        await this.updateComplete;
        this.emailInput?.focus();
        return;
      }
    }
    this.busy = 'checkout';
    await this.#say({ text: 'Checking out…', tone: 'info' });
    try {
      const order = await this.shop.checkoutCart(cart, email, {
        // At a drop's start the store may ask to come back shortly: a wait, not an error.
        onRetry: (notice) => void this.#say({ text: retryText(notice), tone: 'info' }),
      });
      this.#show(null);
      await this.#say({ text: 'Checked out. Your order is confirmed.', tone: 'success' });
      this.dispatchEvent(
        new CustomEvent<OrderPlacedDetail>('order-placed', {
          detail: { order },
          bubbles: true,
          composed: true,
        }),
      );
    } catch (error) {
      this.#failed(error);
    } finally {
      this.busy = null;
    }
  }

  #failed(error: unknown): void {
    if (error instanceof ShopError && error.refreshed.cart !== undefined) {
      this.#show(error.refreshed.cart);
    }
    void this.#say({
      text: error instanceof ShopError ? error.message : describeFailure(error),
      tone: 'error',
    });
  }

  /** Shows `cart` and tells the app about it. */
  #show(cart: CartDto | null): void {
    this.cart = cart;
    this.dispatchEvent(
      new CustomEvent<CartChangedDetail>('cart-changed', {
        detail: { cart },
        bubbles: true,
        composed: true,
      }),
    );
  }

  #applyStock({ productId, stock }: StockUpdate): void {
    const cart = this.cart;
    if (!cart?.items.some((line) => line.productId === productId && line.available !== stock)) {
      return;
    }
    this.cart = {
      ...cart,
      items: cart.items.map((line) =>
        line.productId === productId ? { ...line, available: stock } : line,
      ),
    };
  }

  /** Replaces the live region's text; clearing it first makes a repeated message heard again. */
  async #say(message: StatusMessage): Promise<void> {
    this.message = null;
    await this.updateComplete;
    this.message = message;
    await this.updateComplete;
  }
}
