import {
  ProductGrid,
  type CartChangedDetail,
  type OrderPlacedDetail,
} from './product-grid.component.js';

export * from './product-grid.component.js';

if (!customElements.get('product-grid')) customElements.define('product-grid', ProductGrid);

declare global {
  interface HTMLElementTagNameMap {
    'product-grid': ProductGrid;
  }
  interface HTMLElementEventMap {
    'order-placed': CustomEvent<OrderPlacedDetail>;
    'cart-changed': CustomEvent<CartChangedDetail>;
  }
}
