import { StoreApp } from './store-app.component.js';

export * from './store-app.component.js';

if (!customElements.get('store-app')) customElements.define('store-app', StoreApp);

declare global {
  interface HTMLElementTagNameMap {
    'store-app': StoreApp;
  }
}
