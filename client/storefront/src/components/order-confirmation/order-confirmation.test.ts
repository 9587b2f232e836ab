import { html } from 'lit';
import { describe, expect, it } from 'vitest';
import { FakeStore } from '../../testing/fake-store.js';
import { expectNamedControls, expectNoAxeViolations, expectRole } from '../../testing/a11y.js';
import { $, $$, mount, settle, textOf, waitFor } from '../../testing/dom.js';
import './order-confirmation.js';
import type { OrderConfirmation } from './order-confirmation.js';

async function placeOrder(email?: string) {
  const store = new FakeStore();
  const hoodie = store.addProduct({ name: 'Zip Hoodie', priceCents: 4900 });
  const mug = store.addProduct({ name: 'Enamel Camp Mug', priceCents: 1400 });
  const shop = store.shop();
  const cartId = store.addCart([
    { productId: hoodie.id, quantity: 2 },
    { productId: mug.id, quantity: 1 },
  ]);
  const order = await shop.checkoutCart(store.cartDto(cartId), email);
  return { store, shop, order };
}

async function confirmation({ shop, order }: Awaited<ReturnType<typeof placeOrder>>) {
  const element = await mount<OrderConfirmation>(
    html`<order-confirmation .shop=${shop} order-id=${order.id}></order-confirmation>`,
  );
  await waitFor(() => textOf(element).includes('Thank you'), 'the order');
  await settle(element);
  return element;
}

describe('order-confirmation', () => {
  it('loads the order by id and shows its number, lines and total', async () => {
    const { store, shop, order } = await placeOrder();
    const held = store.hold('GET /orders/*');
    const element = await mount<OrderConfirmation>(
      html`<order-confirmation .shop=${shop} order-id=${order.id}></order-confirmation>`,
    );
    await held.reached;
    expect(textOf(element)).toContain('Loading your order…');
    held.release();
    await waitFor(() => textOf(element).includes('Thank you'), 'the order');
    await settle(element);
    expect(textOf($(element, '[part=order-id]'))).toBe(order.id);
    const rows = [...$(element, 'tbody').querySelectorAll('tr')].map((row) => textOf(row));
    expect(rows).toEqual(['Zip Hoodie 2 $49.00 $98.00', 'Enamel Camp Mug 1 $14.00 $14.00']);
    expect(textOf($(element, 'tfoot'))).toBe('Total $112.00');
    expect(textOf(element)).toContain('Nov 24, 2026');
    expectRole('heading', 'Thank you! Your order is confirmed.');
    expectRole('table', 'What you bought');
    expectRole('link', 'Continue shopping');
    expectNamedControls(element);
  });

  it('says so when there is no such order', async () => {
    const store = new FakeStore();
    const element = await mount<OrderConfirmation>(
      html`<order-confirmation
        .shop=${store.shop()}
        order-id="00000000-0000-4000-8000-424242424242"
      ></order-confirmation>`,
    );
    await waitFor(() => textOf(element).includes('Order not found'), 'not-found state');
    expect(textOf($(element, '[role=alert]'))).toContain(
      'There is no order 00000000-0000-4000-8000-424242424242.',
    );
    expectRole('link', 'Back to the flash sale');
  });

  it('says when the store cannot be reached', async () => {
    const { store, shop, order } = await placeOrder();
    store.failNext('GET /orders/*', { status: 503, code: 'DATABASE_UNAVAILABLE' });
    const element = await mount<OrderConfirmation>(
      html`<order-confirmation .shop=${shop} order-id=${order.id}></order-confirmation>`,
    );
    await waitFor(() => textOf(element).includes('try again in a moment'), 'error state');
  });

  it('passes axe-core with the order shown', async () => {
    const { shop, order } = await placeOrder();
    const element = await mount<OrderConfirmation>(
      html`<order-confirmation .shop=${shop} order-id=${order.id}></order-confirmation>`,
    );
    await waitFor(() => textOf(element).includes('Thank you'), 'the order');
    await settle(element);
    await expectNoAxeViolations(element);
  });

  it('passes axe-core when there is no such order', async () => {
    const element = await mount<OrderConfirmation>(
      html`<order-confirmation
        .shop=${new FakeStore().shop()}
        order-id="00000000-0000-4000-8000-424242424242"
      ></order-confirmation>`,
    );
    await waitFor(() => textOf(element).includes('Order not found'), 'not-found state');
    await expectNoAxeViolations(element);
  });

  it('shows the email the order was placed with', async () => {
    const element = await confirmation(await placeOrder(' bea@example.com '));
    expect(textOf($(element, '[part=email]'))).toBe('bea@example.com');
    // In the list of the order's facts, named "Email".
    const email = $(element, '[part=email]');
    expect(email.localName).toBe('dd');
    expect(textOf(email.previousElementSibling!)).toBe('Email');
    await expectNoAxeViolations(element);
  });

  it('shows no email for an order placed without one', async () => {
    const placed = await placeOrder();
    expect(placed.order.email).toBeNull();
    const element = await confirmation(placed);
    expect($$(element, '[part=email]')).toEqual([]);
    expect($$(element, 'dt').map((dt) => textOf(dt))).toEqual(['Order number', 'Placed']);
  });
});
