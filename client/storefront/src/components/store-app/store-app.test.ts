import { html } from 'lit';
import { describe, expect, it } from 'vitest';
import { userEvent } from 'vitest/browser';
import { StockFeed } from '../../live/stock-feed.js';
import { FakeStore } from '../../testing/fake-store.js';
import { expectNamedControls, expectNoAxeViolations, expectRole } from '../../testing/a11y.js';
import { $, button, deepActiveElement, mount, settle, textOf, waitFor } from '../../testing/dom.js';
import './store-app.js';
import type { StoreApp } from './store-app.js';

function arrange(hash: string) {
  history.replaceState(null, '', hash);
  const store = new FakeStore();
  const hoodie = store.addProduct({ name: 'Zip Hoodie', priceCents: 4900, stock: 80 });
  const feed = new StockFeed();
  const shop = store.shop({ feed });
  return { store, hoodie, feed, shop };
}

async function app({ shop, feed }: ReturnType<typeof arrange>): Promise<StoreApp> {
  const element = await mount<StoreApp>(html`<store-app .shop=${shop} .feed=${feed}></store-app>`);
  return element;
}

const page = (element: StoreApp) => $(element, 'main').firstElementChild?.localName;

async function navigate(hash: string): Promise<void> {
  const changed = new Promise((resolve) =>
    window.addEventListener('hashchange', resolve, { once: true }),
  );
  location.hash = hash;
  await changed;
}

describe('store-app', () => {
  it('shows the page the hash names', async () => {
    const arranged = arrange('#/');
    const element = await app(arranged);
    expect(page(element)).toBe('product-grid');
    await navigate('#/cart');
    await settle(element);
    expect(page(element)).toBe('cart-view');
    await navigate('#/orders/1234');
    await settle(element);
    expect(page(element)).toBe('order-confirmation');
    expect($(element, 'order-confirmation').getAttribute('order-id')).toBe('1234');
    await navigate('#/nowhere');
    await settle(element);
    expect(textOf(element)).toContain('Page not found');
  });

  it('the header: named links and the cart count', async () => {
    const arranged = arrange('#/');
    const cartId = arranged.store.addCart([{ productId: arranged.hoodie.id, quantity: 2 }]);
    arranged.shop.cartIds.set(cartId);
    const element = await app(arranged);
    await waitFor(() => textOf($(element, 'nav')).includes('Cart 2'), 'cart count');
    expectRole('link', 'Cart, 2 items');
    expectRole('link', 'Flash Store');
    expectRole('navigation', 'Store');
    expectRole('button', 'Skip to content');
    expectNamedControls(element);
  });

  it('"Add to cart" on the grid updates the cart count in the header', async () => {
    const arranged = arrange('#/');
    const element = await app(arranged);
    await waitFor(
      () =>
        element.shadowRoot
          ?.querySelector('product-grid')
          ?.shadowRoot?.querySelector('product-card'),
      'grid',
    );
    await settle(element);
    button(element, 'Add to cart: Zip Hoodie').click();
    await waitFor(() => textOf($(element, 'nav')).includes('Cart 1'), 'count 1');
    expectRole('link', 'Cart, 1 item');
  });

  it('after "Buy now" it shows the confirmation and moves focus to its heading', async () => {
    const arranged = arrange('#/');
    const element = await app(arranged);
    await waitFor(
      () =>
        element.shadowRoot
          ?.querySelector('product-grid')
          ?.shadowRoot?.querySelector('product-card'),
      'grid',
    );
    await settle(element);
    button(element, 'Buy now: Zip Hoodie').click();
    await waitFor(() => location.hash.startsWith('#/orders/'), 'the order page');
    await waitFor(() => textOf(element).includes('Thank you'), 'the confirmation');
    await waitFor(() => deepActiveElement()?.localName === 'h1', 'focus on the heading');
    expect(textOf(deepActiveElement()!)).toBe('Thank you! Your order is confirmed.');
  });

  it('the skip link moves focus to the content', async () => {
    const arranged = arrange('#/');
    const element = await app(arranged);
    button(element, 'Skip to content').focus();
    await userEvent.keyboard('{Enter}');
    expect(deepActiveElement()?.localName).toBe('main');
  });

  it('passes axe-core: the whole store on the sale page, with a cart', async () => {
    const arranged = arrange('#/');
    const cartId = arranged.store.addCart([{ productId: arranged.hoodie.id, quantity: 2 }]);
    arranged.shop.cartIds.set(cartId);
    const element = await app(arranged);
    await waitFor(() => textOf($(element, 'nav')).includes('Cart 2'), 'cart count');
    await waitFor(() => textOf(element).includes('Zip Hoodie'), 'the products');
    await settle(element);
    await expectNoAxeViolations(element);
  });

  it('passes axe-core: the whole store on the cart page and the order page', async () => {
    const arranged = arrange('#/cart');
    const cartId = arranged.store.addCart([{ productId: arranged.hoodie.id, quantity: 2 }]);
    arranged.shop.cartIds.set(cartId);
    const element = await app(arranged);
    await waitFor(() => textOf(element).includes('Subtotal'), 'the cart');
    await settle(element);
    await expectNoAxeViolations(element);

    button(element, 'Checkout').click();
    await waitFor(() => textOf(element).includes('Thank you'), 'the confirmation');
    await settle(element);
    await expectNoAxeViolations(element);
  });
});
