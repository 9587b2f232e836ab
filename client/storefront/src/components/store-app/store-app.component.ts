import { LitElement, html, nothing, type PropertyValues } from 'lit';
import { property, query, state } from 'lit/decorators.js';
import type { StockFeed } from '../../live/stock-feed.js';
import type { Shop } from '../../shop/shop.js';
import { sharedStyles } from '../../styles/shared.js';
import '../cart-view/cart-view.js';
import '../order-confirmation/order-confirmation.js';
import '../product-grid/product-grid.js';
import type { CartChangedDetail, OrderPlacedDetail } from '../product-grid/product-grid.js';
import { type Route, orderHash, parseRoute } from './routes.js';
import { storeAppStyles } from './store-app.styles.js';

/**
 * The storefront: header with the cart, and the page the URL's hash names (`#/` the sale,
 * `#/cart`, `#/orders/<id>`). After a navigation it moves focus to the new page's heading.
 *
 * @csspart header - the top bar
 * @csspart main - the page's content
 */
export class StoreApp extends LitElement {
  static override styles = [sharedStyles, storeAppStyles];

  @property({ attribute: false }) shop!: Shop;
  @property({ attribute: false }) feed?: StockFeed;

  @state() private route: Route = parseRoute(location.hash);
  /** Units in the shopper's open cart; null until known. */
  @state() private cartUnits: number | null = null;

  @query('main') private main!: HTMLElement;

  #navigated = false;

  readonly #onHashChange = () => {
    this.route = parseRoute(location.hash);
    this.#navigated = true;
  };

  override connectedCallback(): void {
    super.connectedCallback();
    window.addEventListener('hashchange', this.#onHashChange);
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    window.removeEventListener('hashchange', this.#onHashChange);
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    if (changed.has('shop') && this.shop) {
      this.shop
        .cart()
        .then((cart) => this.#countCart(cart))
        .catch(() => undefined);
    }
  }

  protected override async updated(changed: PropertyValues): Promise<void> {
    if (changed.has('route') && this.#navigated) {
      this.#navigated = false;
      window.scrollTo(0, 0);
      const view = this.main.firstElementChild as
        (HTMLElement & { updateComplete?: Promise<unknown> }) | null;
      await view?.updateComplete;
      if (view) view.focus();
      else this.main.focus();
    }
  }

  override render() {
    const { route } = this;
    const units = this.cartUnits ?? 0;
    return html`
      <button class="skip" @click=${() => this.main.focus()}>Skip to content</button>
      <header part="header">
        <div class="bar">
          <a class="brand" href="#/"><span class="bolt" aria-hidden="true">⚡</span>Flash Store</a>
          <nav aria-label="Store">
            <a href="#/" aria-current=${route.page === 'products' ? 'page' : nothing}>Sale</a>
            <a
              href="#/cart"
              aria-current=${route.page === 'cart' ? 'page' : nothing}
              aria-label="Cart, ${units} ${units === 1 ? 'item' : 'items'}"
              >Cart <span class="count" aria-hidden="true">${units}</span></a
            >
          </nav>
        </div>
      </header>
      <main
        id="main"
        tabindex="-1"
        part="main"
        @cart-changed=${this.#onCartChanged}
        @order-placed=${this.#onOrderPlaced}
      >
        ${this.#page(route)}
      </main>
    `;
  }

  #page(route: Route) {
    switch (route.page) {
      case 'products':
        return html`<product-grid .shop=${this.shop} .feed=${this.feed}></product-grid>`;
      case 'cart':
        return html`<cart-view .shop=${this.shop} .feed=${this.feed}></cart-view>`;
      case 'order':
        return html`<order-confirmation
          .shop=${this.shop}
          order-id=${route.orderId}
        ></order-confirmation>`;
      case 'not-found':
        return html`<section>
          <h1 tabindex="-1">Page not found</h1>
          <p><a href="#/">Go to the flash sale</a></p>
        </section>`;
    }
  }

  #onCartChanged(event: CustomEvent<CartChangedDetail>): void {
    this.#countCart(event.detail.cart);
  }

  #onOrderPlaced(event: CustomEvent<OrderPlacedDetail>): void {
    location.hash = orderHash(event.detail.order.id);
  }

  #countCart(cart: CartChangedDetail['cart']): void {
    this.cartUnits = cart?.items.reduce((sum, line) => sum + line.quantity, 0) ?? 0;
  }
}
