import { ProductCard, type ProductActionDetail } from './product-card.component.js';

export * from './product-card.component.js';

if (!customElements.get('product-card')) customElements.define('product-card', ProductCard);

declare global {
  interface HTMLElementTagNameMap {
    'product-card': ProductCard;
  }
  interface HTMLElementEventMap {
    'buy-now': CustomEvent<ProductActionDetail>;
    'add-to-cart': CustomEvent<ProductActionDetail>;
    'sale-open': CustomEvent<ProductActionDetail>;
  }
}
