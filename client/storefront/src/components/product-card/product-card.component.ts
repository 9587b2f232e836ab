import { LitElement, html, nothing, type PropertyValues } from 'lit';
import { property, query, state } from 'lit/decorators.js';
import { ClockController } from '../../live/clock-controller.js';
import { emailProblem } from '../../shop/customer-email.js';
import { emailField, emailFieldStyles } from '../email-field.js';
import { formatMoney } from '../../shop/money.js';
import {
  countdownDuration,
  countdownTick,
  formatCountdown,
  momentPhrase,
} from '../../shop/sale-window.js';
import { type ProductDto, type SalePhase, salePhase, untilPhaseChange } from '../../shop/sdk.js';
import { type Clock, systemClock } from '../../shop/server-clock.js';
import { sharedStyles } from '../../styles/shared.js';
import { productCardStyles } from './product-card.styles.js';

/** Units left at or below which the stock is shown as running low. */
export const LOW_STOCK = 5;

/** The detail of `buy-now`, `add-to-cart` and `sale-open`. */
export interface ProductActionDetail {
  product: ProductDto;
  /** With `buy-now` of a product limited per customer: the email typed, trimmed and valid. */
  email?: string;
}

/** Which of a card's requests is in flight, if any. */
export type ProductCardBusy = 'buy' | 'add' | null;

/** "80 left", "Only 3 left", "None left". */
export function stockText(stock: number): string {
  if (stock <= 0) return 'None left';
  return stock <= LOW_STOCK ? `Only ${stock} left` : `${stock} left`;
}

/**
 * The whole percent saved against the original price, rounded down (a shop never claims more than
 * it gives): 4900 against 6900 is 28. Null when there is no lower price.
 */
export function discountPercent(
  priceCents: number,
  compareAtPriceCents: number | null,
): number | null {
  if (compareAtPriceCents === null || compareAtPriceCents <= priceCents) return null;
  return Math.floor(((compareAtPriceCents - priceCents) * 100) / compareAtPriceCents);
}

/** "Save $20.00 (28%)", or "" when the product is not reduced. */
export function savingText(
  product: Pick<ProductDto, 'priceCents' | 'compareAtPriceCents' | 'currency'>,
): string {
  const percent = discountPercent(product.priceCents, product.compareAtPriceCents);
  if (percent === null) return '';
  const saved = formatMoney(product.compareAtPriceCents! - product.priceCents, product.currency);
  return percent > 0 ? `Save ${saved} (${percent}%)` : `Save ${saved}`;
}

/** "Limit 2 per customer", or "" without a limit. */
export function limitText(maxPerCustomer: number | null): string {
  return maxPerCustomer === null ? '' : `Limit ${maxPerCustomer} per customer`;
}

/** The badge on the picture: what matters most about the product right now, if anything. */
export function badgeText(product: ProductDto, phase: SalePhase): string {
  if (product.stock <= 0) return 'Sold out';
  if (phase === 'ended') return 'Sale ended';
  if (phase === 'upcoming') return 'Upcoming drop';
  if (product.saleStartsAt) return 'Live drop';
  return '';
}

/**
 * One product for sale: picture, name, price (with the original price struck through and the
 * saving when reduced), stock left, its limit per customer, and its two actions. It only reports
 * the shopper's intent; whoever listens does the buying and sets `busy` meanwhile, which makes both
 * actions inert (they keep focus, so keyboard users do not lose their place). At zero stock it
 * shows "Sold out" and both actions are disabled.
 *
 * A drop (`saleStartsAt` ahead, by `clock`, which should be the service's clock) counts down to
 * its opening with both actions disabled, and unlocks by itself at the moment, without a reload,
 * firing `sale-open`. After `saleEndsAt` it says the sale ended and both actions are disabled.
 * A product limited per customer asks for the shopper's email, checked before "Buy now" is
 * reported; `email` pre-fills it.
 *
 * @fires buy-now - CustomEvent<ProductActionDetail>: the shopper wants to buy one unit now
 *   (with `email` for a product limited per customer)
 * @fires add-to-cart - CustomEvent<ProductActionDetail>: the shopper wants one unit in the cart
 * @fires sale-open - CustomEvent<ProductActionDetail>: the drop this card counted down to opened
 * @csspart card - the card
 * @csspart media - the picture's frame (a neutral placeholder when there is no picture)
 * @csspart image - the picture
 * @csspart name - the product's name
 * @csspart badge - the badge on the picture: "Sold out", "Sale ended", "Upcoming drop", "Live drop"
 * @csspart price - the price
 * @csspart compare-at-price - the original price, struck through
 * @csspart saving - "Save $20.00 (28%)"
 * @csspart stock - the units left
 * @csspart limit - "Limit 2 per customer"
 * @csspart sale-window - the countdown to the opening, the time left, or that the sale ended
 * @csspart email - the email field of a product limited per customer, with its label
 * @csspart email-error - what is wrong with the email typed
 * @csspart buy-button - the "Buy now" button
 * @csspart add-button - the "Add to cart" button
 * @csspart note - what the request in flight waits for (`note`)
 */
export class ProductCard extends LitElement {
  static override styles = [sharedStyles, emailFieldStyles, productCardStyles];

  @property({ attribute: false }) product!: ProductDto;

  /** The request in flight for this product, if any. */
  @property() busy: ProductCardBusy = null;

  /** The clock sale windows are decided by: the service's (`Shop.clock`); the shopper's by default. */
  @property({ attribute: false }) clock: Clock = systemClock;

  /** The shopper's email as remembered, to pre-fill the email field of a limited product. */
  @property({ attribute: false }) email = '';

  /**
   * What the request in flight is waiting for, shown under the actions, e.g. "The store is very
   * busy; trying again in 2 s…" (whoever sets it announces it too; this line is not a live region).
   */
  @property() note = '';

  /** What the shopper typed into the email field; undefined until they type. */
  @state() private typedEmail: string | undefined;
  @state() private emailError: string | null = null;
  /** The picture's URL that failed to load, if it did. */
  @state() private failedImage: string | null = null;

  @query('input[type=email]') private emailInput?: HTMLInputElement;

  /** The service's time at this render, and the sale phase then. */
  #now = 0;
  #phase: SalePhase = 'open';
  /** The product id and phase of the previous render, to notice a drop opening. */
  #seen: { id: string; phase: SalePhase } | undefined;
  #opened = false;

  constructor() {
    super();
    // Renders again when the countdown's digits or the sale phase change.
    new ClockController(this, () => {
      if (!this.product) return undefined;
      const left = untilPhaseChange(this.product, this.clock.now());
      return left === undefined ? undefined : Math.min(left, countdownTick(left));
    });
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    if (!this.product) return;
    this.#now = this.clock.now();
    this.#phase = salePhase(this.product, this.#now);
    const seen = this.#seen;
    this.#opened =
      seen?.id === this.product.id && seen.phase === 'upcoming' && this.#phase === 'open';
    this.#seen = { id: this.product.id, phase: this.#phase };
    if (changed.has('product') && changed.get('product')?.id !== this.product.id) {
      this.typedEmail = undefined;
      this.emailError = null;
    }
  }

  protected override updated(): void {
    if (!this.#opened) return;
    this.#opened = false;
    this.dispatchEvent(
      new CustomEvent<ProductActionDetail>('sale-open', {
        detail: { product: this.product },
        bubbles: true,
        composed: true,
      }),
    );
  }

  override render() {
    const { product } = this;
    if (!product) return nothing;
    const soldOut = product.stock <= 0;
    const low = !soldOut && product.stock <= LOW_STOCK;
    const phase = this.#phase;
    const unavailable = soldOut || phase !== 'open';
    const percent = discountPercent(product.priceCents, product.compareAtPriceCents);
    const reduced = percent !== null;
    const badge = badgeText(product, phase);
    const classes = [soldOut ? 'sold-out' : '', reduced ? 'reduced' : '', `phase-${phase}`];
    return html`
      <article part="card" class=${classes.join(' ').trim()} aria-labelledby="name">
        <h2 id="name" part="name">${product.name}</h2>
        <div class="media" part="media">
          ${this.#picture(product)}
          <div class="badges">
            ${badge ? html`<span class="badge ${badgeClass(badge)}" part="badge">${badge}</span>` : nothing}
            ${
              // Said in words by the saving under the price; this is for the eye.
              percent && !soldOut
                ? html`<span class="badge discount" aria-hidden="true">−${percent}%</span>`
                : nothing
            }
          </div>
        </div>
        ${product.description ? html`<p class="description">${product.description}</p>` : nothing}
        <div class="prices">
          <p class="price" part="price">${formatMoney(product.priceCents, product.currency)}</p>
          ${
            reduced
              ? html`<p class="was" part="compare-at-price">
                  <span class="visually-hidden">Was</span>
                  <s>${formatMoney(product.compareAtPriceCents!, product.currency)}</s>
                </p>`
              : nothing
          }
        </div>
        ${reduced ? html`<p class="saving" part="saving">${savingText(product)}</p>` : nothing}
        <div class="meta">
          <p class="stock ${soldOut ? 'none' : low ? 'low' : ''}" part="stock">
            ${stockText(product.stock)}
          </p>
          ${
            product.maxPerCustomer !== null
              ? html`<p class="limit" part="limit">${limitText(product.maxPerCustomer)}</p>`
              : nothing
          }
        </div>
        ${this.#saleWindow(product, phase, soldOut)}
        ${
          // Asked for before the drop opens too, so that the shopper is ready at the moment.
          product.maxPerCustomer !== null && !soldOut && phase !== 'ended'
            ? this.#emailField(product)
            : nothing
        }
        <div class="actions">
          ${this.#button('buy', 'Buy now', unavailable)}
          ${this.#button('add', 'Add to cart', unavailable)}
        </div>
        ${this.note ? html`<p class="note" part="note">${this.note}</p>` : nothing}
      </article>
    `;
  }

  #picture(product: ProductDto) {
    if (product.imageUrl && this.failedImage !== product.imageUrl) {
      const url = product.imageUrl;
      return html`<img
        part="image"
        src=${url}
        alt=${product.name}
        width="400"
        height="300"
        loading="lazy"
        decoding="async"
        @error=${() => (this.failedImage = url)}
      />`;
    }
    // No picture (or it did not load): the same frame, so the layout does not move.
    return html`<svg class="placeholder" viewBox="0 0 24 24" aria-hidden="true" focusable="false">
      <path
        d="M6 7h12l-1 13H7L6 7Zm3 0a3 3 0 0 1 6 0"
        fill="none"
        stroke="currentColor"
        stroke-width="1.2"
        stroke-linejoin="round"
      />
    </svg>`;
  }

  #saleWindow(product: ProductDto, phase: SalePhase, soldOut: boolean) {
    const now = this.#now;
    if (phase === 'upcoming' && product.saleStartsAt) {
      const left = Date.parse(product.saleStartsAt) - now;
      return html`<div class="window upcoming" part="sale-window">
        <p class="countdown">
          Drop starts in
          <time datetime=${countdownDuration(left)}>${formatCountdown(left)}</time>
        </p>
        <p class="when">
          Opens
          <time datetime=${product.saleStartsAt}>${momentPhrase(product.saleStartsAt, now)}</time>
        </p>
      </div>`;
    }
    if (phase === 'ended' && product.saleEndsAt) {
      return html`<p class="window ended" part="sale-window">
        This sale ended
        <time datetime=${product.saleEndsAt}>${momentPhrase(product.saleEndsAt, now)}</time>.
      </p>`;
    }
    if (phase === 'open' && product.saleEndsAt && !soldOut) {
      const left = Date.parse(product.saleEndsAt) - now;
      return html`<p class="window ends" part="sale-window">
        Sale ends in <time datetime=${countdownDuration(left)}>${formatCountdown(left)}</time>
      </p>`;
    }
    return nothing;
  }

  #emailField(product: ProductDto) {
    return emailField({
      value: this.typedEmail ?? this.email,
      error: this.emailError,
      hint: 'Needed to buy; the limit counts by email.',
      labelFor: `for ${product.name}`,
      onInput: (value) => {
        this.typedEmail = value;
        // Once an error is shown, it follows the typing, so that it goes away when fixed.
        if (this.emailError) this.emailError = emailProblem(value);
      },
      onSubmit: () => void this.#buy(),
    });
  }

  #button(action: 'buy' | 'add', label: string, unavailable: boolean) {
    const busy = this.busy === action;
    return html`<button
      class=${action === 'buy' ? 'primary' : ''}
      part="${action}-button"
      aria-label="${label}: ${this.product.name}"
      ?disabled=${unavailable}
      aria-disabled=${this.busy !== null ? 'true' : 'false'}
      aria-busy=${busy ? 'true' : 'false'}
      @click=${() => (action === 'buy' ? this.#buy() : this.#request('add-to-cart'))}
    >
      ${busy ? html`<span class="spinner" aria-hidden="true"></span>` : nothing}${label}
    </button>`;
  }

  /** True when the actions can be used now (by the service's clock, not only the last render). */
  #available(): boolean {
    const { product } = this;
    return (
      this.busy === null && product.stock > 0 && salePhase(product, this.clock.now()) === 'open'
    );
  }

  async #buy(): Promise<void> {
    if (!this.#available()) return;
    if (this.product.maxPerCustomer === null) {
      this.#request('buy-now');
      return;
    }
    const email = this.typedEmail ?? this.email;
    const problem = emailProblem(email);
    this.emailError = problem;
    if (problem) {
      await this.updateComplete;
      this.emailInput?.focus();
      return;
    }
    this.#request('buy-now', email.trim());
  }

  #request(type: 'buy-now' | 'add-to-cart', email?: string): void {
    if (!this.#available()) return;
    this.dispatchEvent(
      new CustomEvent<ProductActionDetail>(type, {
        detail: email === undefined ? { product: this.product } : { product: this.product, email },
        bubbles: true,
        composed: true,
      }),
    );
  }
}

function badgeClass(badge: string): string {
  if (badge === 'Upcoming drop') return 'drop';
  if (badge === 'Live drop') return 'live';
  return '';
}
