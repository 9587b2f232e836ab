import { LitElement, html, nothing } from 'lit';
import { property } from 'lit/decorators.js';
import { formatMoney } from '../../shop/money.js';
import type { ProductDto } from '../../shop/sdk.js';
import { sharedStyles } from '../../styles/shared.js';
import { productCardStyles } from './product-card.styles.js';

/** Units left at or below which the stock is shown as running low. */
export const LOW_STOCK = 5;

/** The detail of `buy-now` and `add-to-cart`. */
export interface ProductActionDetail {
  product: ProductDto;
}

/** Which of a card's requests is in flight, if any. */
export type ProductCardBusy = 'buy' | 'add' | null;

/** "80 left", "Only 3 left", "None left". */
export function stockText(stock: number): string {
  if (stock <= 0) return 'None left';
  return stock <= LOW_STOCK ? `Only ${stock} left` : `${stock} left`;
}

/**
 * One product for sale: name, price, stock left, and its two actions. It only reports the shopper's
 * intent; whoever listens does the buying and sets `busy` meanwhile, which makes both actions inert
 * (they keep focus, so keyboard users do not lose their place). At zero stock it shows "Sold out"
 * and both actions are disabled.
 *
 * @fires buy-now - CustomEvent<ProductActionDetail>: the shopper wants to buy one unit now
 * @fires add-to-cart - CustomEvent<ProductActionDetail>: the shopper wants one unit in the cart
 * @csspart card - the card
 * @csspart name - the product's name
 * @csspart badge - the "Sold out" badge
 * @csspart price - the price
 * @csspart stock - the units left
 * @csspart buy-button - the "Buy now" button
 * @csspart add-button - the "Add to cart" button
 */
export class ProductCard extends LitElement {
  static override styles = [sharedStyles, productCardStyles];

  @property({ attribute: false }) product!: ProductDto;

  /** The request in flight for this product, if any. */
  @property() busy: ProductCardBusy = null;

  override render() {
    const { product } = this;
    if (!product) return nothing;
    const soldOut = product.stock <= 0;
    const low = !soldOut && product.stock <= LOW_STOCK;
    return html`
      <article part="card" class=${soldOut ? 'sold-out' : ''} aria-labelledby="name">
        <div class="heading">
          <h2 id="name" part="name">${product.name}</h2>
          ${soldOut ? html`<span class="badge" part="badge">Sold out</span>` : nothing}
        </div>
        ${product.description ? html`<p class="description">${product.description}</p>` : nothing}
        <div class="numbers">
          <p class="price" part="price">${formatMoney(product.priceCents, product.currency)}</p>
          <p class="stock ${soldOut ? 'none' : low ? 'low' : ''}" part="stock">
            ${stockText(product.stock)}
          </p>
        </div>
        <div class="actions">
          ${this.#button('buy', 'Buy now', soldOut)} ${this.#button('add', 'Add to cart', soldOut)}
        </div>
      </article>
    `;
  }

  #button(action: 'buy' | 'add', label: string, soldOut: boolean) {
    const busy = this.busy === action;
    return html`<button
      class=${action === 'buy' ? 'primary' : ''}
      part="${action}-button"
      aria-label="${label}: ${this.product.name}"
      ?disabled=${soldOut}
      aria-disabled=${this.busy !== null ? 'true' : 'false'}
      aria-busy=${busy ? 'true' : 'false'}
      @click=${() => this.#request(action === 'buy' ? 'buy-now' : 'add-to-cart')}
    >
      ${busy ? html`<span class="spinner" aria-hidden="true"></span>` : nothing}${label}
    </button>`;
  }

  #request(type: 'buy-now' | 'add-to-cart'): void {
    if (this.busy !== null || this.product.stock <= 0) return;
    this.dispatchEvent(
      new CustomEvent<ProductActionDetail>(type, {
        detail: { product: this.product },
        bubbles: true,
        composed: true,
      }),
    );
  }
}
