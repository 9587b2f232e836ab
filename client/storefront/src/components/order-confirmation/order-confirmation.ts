import { OrderConfirmation } from './order-confirmation.component.js';

export * from './order-confirmation.component.js';

if (!customElements.get('order-confirmation')) {
  customElements.define('order-confirmation', OrderConfirmation);
}

declare global {
  interface HTMLElementTagNameMap {
    'order-confirmation': OrderConfirmation;
  }
}
