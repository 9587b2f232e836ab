import { CartView } from './cart-view.component.js';

export * from './cart-view.component.js';

if (!customElements.get('cart-view')) customElements.define('cart-view', CartView);

declare global {
  interface HTMLElementTagNameMap {
    'cart-view': CartView;
  }
}
