import { html } from 'lit';
import { describe, expect, it, vi } from 'vitest';
import { userEvent } from 'vitest/browser';
import { StockFeed } from '../../live/stock-feed.js';
import { memoryEmails } from '../../shop/customer-email.js';
import type { ProductDto } from '../../shop/sdk.js';
import { ServerClock } from '../../shop/server-clock.js';
import { FakeStore } from '../../testing/fake-store.js';
import { expectNamedControls, expectNoAxeViolations, expectRole } from '../../testing/a11y.js';
import {
  $,
  $$,
  button,
  deepActiveElement,
  mount,
  nextEvent,
  recordEvents,
  settle,
  textOf,
  until,
  waitFor,
} from '../../testing/dom.js';
import './cart-view.js';
import type { CartView } from './cart-view.js';
import type { OrderPlacedDetail } from '../product-grid/product-grid.js';

function arrange({ hoodies = 1, mugs = 2 } = {}) {
  const store = new FakeStore();
  const hoodie = store.addProduct({ name: 'Zip Hoodie', priceCents: 4900, stock: 80 });
  const mug = store.addProduct({ name: 'Enamel Camp Mug', priceCents: 1400, stock: 3 });
  const cartId = store.addCart([
    { productId: hoodie.id, quantity: hoodies },
    { productId: mug.id, quantity: mugs },
  ]);
  const feed = new StockFeed();
  const shop = store.shop({ cartId, feed });
  return { store, hoodie, mug, cartId, feed, shop };
}

async function cartView(arranged: { shop: ReturnType<FakeStore['shop']>; feed?: StockFeed }) {
  const element = await mount<CartView>(
    html`<cart-view .shop=${arranged.shop} .feed=${arranged.feed}></cart-view>`,
  );
  await waitFor(() => !textOf(element).includes('Loading'), 'the cart to load');
  await settle(element);
  return element;
}

const status = (element: CartView) => textOf($(element, '[role=status]'));
const subtotal = (element: CartView) => textOf($(element, '[part=subtotal]'));

describe('cart-view', () => {
  it('shows each line, the subtotal, and accessible controls', async () => {
    const element = await cartView(arrange());
    expect(textOf(element)).toContain('Zip Hoodie');
    expect(textOf(element)).toContain('$49.00 each');
    expect(textOf(element)).toContain('3 left'); // the mug runs low
    expect(subtotal(element)).toBe('Subtotal (3 items): $77.00');
    expectRole('heading', 'Your cart');
    expectRole('list', 'Items in your cart');
    expectRole('spinbutton', 'Quantity: Zip Hoodie');
    expectRole('button', 'Increase quantity: Enamel Camp Mug');
    expectRole('button', 'Remove: Zip Hoodie');
    expectRole('button', 'Remove: Enamel Camp Mug');
    expectRole('button', 'Checkout');
    expectNamedControls(element);
  });

  it('says the cart is empty when there is none, with a way back to the sale', async () => {
    const store = new FakeStore();
    const element = await cartView({ shop: store.shop() });
    expect(textOf(element)).toContain('Your cart is empty.');
    expectRole('link', 'Browse the flash sale');
    expect(store.requests.length).toBe(0);
  });

  it('forgets a cart that no longer exists', async () => {
    const store = new FakeStore();
    const shop = store.shop({ cartId: '00000000-0000-4000-8000-999999999999' });
    const element = await cartView({ shop });
    expect(textOf(element)).toContain('Your cart is empty.');
    expect(shop.cartIds.get()).toBe(null);
  });

  it('shows an error with "Try again" when the cart cannot be loaded', async () => {
    const arranged = arrange();
    arranged.store.failNext('GET /cart/*', { status: 503, code: 'DATABASE_UNAVAILABLE' });
    const element = await mount<CartView>(html`<cart-view .shop=${arranged.shop}></cart-view>`);
    await waitFor(() => textOf(element).includes('could not be loaded'), 'error state');
    button(element, 'Try again').click();
    await waitFor(() => textOf(element).includes('Zip Hoodie'), 'the cart after retrying');
  });

  it('changes a quantity with the cart version, and the subtotal follows', async () => {
    const arranged = arrange();
    const element = await cartView(arranged);
    const changes = recordEvents<CustomEvent>(element, 'cart-changed');
    button(element, 'Increase quantity: Zip Hoodie').click();
    await waitFor(() => subtotal(element).includes('$126.00'), 'new subtotal');
    expect(status(element)).toBe('Zip Hoodie: quantity 2.');
    expect(arranged.store.cartDto(arranged.cartId).version).toBe(2);
    expect(changes.length).toBe(1);

    const input = $<HTMLInputElement>(element, 'input[aria-label="Quantity: Enamel Camp Mug"]');
    input.value = '1';
    input.dispatchEvent(new Event('change'));
    await waitFor(() => subtotal(element).includes('$112.00'), 'subtotal after typing');
  });

  it('refuses a quantity that is not a whole number, without asking the API', async () => {
    const arranged = arrange();
    const element = await cartView(arranged);
    const requests = arranged.store.requests.length;
    const input = $<HTMLInputElement>(element, 'input[aria-label="Quantity: Zip Hoodie"]');
    input.value = '-2';
    input.dispatchEvent(new Event('change'));
    await waitFor(() => status(element).includes('Enter a whole number'), 'message');
    expect(input.value).toBe('1');
    expect(arranged.store.requests.length).toBe(requests);
  });

  it('removes a line, from the keyboard', async () => {
    const arranged = arrange();
    const element = await cartView(arranged);
    button(element, 'Remove: Enamel Camp Mug').focus();
    await userEvent.keyboard('{Enter}');
    await waitFor(() => !textOf(element).includes('Enamel Camp Mug each'), 'line removed');
    await waitFor(() => status(element) === 'Removed Enamel Camp Mug from your cart.', 'message');
    expect(subtotal(element)).toBe('Subtotal (1 item): $49.00');
    expect($$(element, 'li').length).toBe(1);
  });

  it('removing the last line shows the empty cart', async () => {
    const arranged = arrange();
    const element = await cartView(arranged);
    button(element, 'Remove: Zip Hoodie').click();
    await waitFor(() => $$(element, 'li').length === 1, 'one line left');
    button(element, 'Remove: Enamel Camp Mug').click();
    await waitFor(() => textOf(element).includes('Your cart is empty.'), 'empty cart');
  });

  it('when the cart changed in another window: shows it as it is now and says what changed', async () => {
    const arranged = arrange();
    const element = await cartView(arranged);
    arranged.store.editCart(arranged.cartId, arranged.hoodie.id, 3);
    button(element, 'Remove: Enamel Camp Mug').click();
    await waitFor(() => status(element).includes('another window'), 'conflict message');
    expect(status(element)).toBe(
      'Your cart was changed in another window: Zip Hoodie 1 → 3. Nothing was changed here; this is your cart as it is now.',
    );
    expect(subtotal(element)).toBe('Subtotal (5 items): $175.00');
    expect(arranged.store.cartDto(arranged.cartId).items.length).toBe(2);
  });

  it('while a change is in flight the other controls are inert (no double submit)', async () => {
    const arranged = arrange();
    const element = await cartView(arranged);
    const held = arranged.store.hold('PUT /cart/*/items/*');
    const increase = button(element, 'Increase quantity: Zip Hoodie');
    increase.click();
    await held.reached;
    await settle(element);
    expect(increase.getAttribute('aria-disabled')).toBe('true');
    expect(button(element, 'Checkout').getAttribute('aria-disabled')).toBe('true');
    increase.click();
    button(element, 'Checkout').click();
    button(element, 'Remove: Zip Hoodie').click();
    held.release();
    await waitFor(() => subtotal(element).includes('$126.00'), 'one change applied');
    expect(arranged.store.count('POST /cart/' + arranged.cartId + '/checkout')).toBe(0);
    expect(arranged.store.cartDto(arranged.cartId).items[0].quantity).toBe(2);
  });

  it('checks out once, forgets the cart and reports the order', async () => {
    const arranged = arrange();
    const element = await cartView(arranged);
    const held = arranged.store.hold('POST /cart/*/checkout');
    const placed = nextEvent<CustomEvent>(element, 'order-placed');
    const checkout = button(element, 'Checkout');
    checkout.focus();
    await userEvent.keyboard('{Enter}');
    await held.reached;
    await userEvent.keyboard('{Enter}');
    checkout.click();
    held.release();
    const { detail } = await placed;
    expect(detail.order.totalCents).toBe(7700);
    expect(arranged.store.count(`POST /cart/${arranged.cartId}/checkout`)).toBe(1);
    expect(arranged.shop.cartIds.get()).toBe(null);
    expect(deepActiveElement()).toBeTruthy();
  });

  it('checkout when an item sold out meanwhile: says which, keeps the cart, shows Sold out', async () => {
    const arranged = arrange();
    const feed = arranged.feed;
    const updates = recordEvents(feed, 'stock');
    const element = await cartView(arranged);
    arranged.store.sell(arranged.mug.id, 3); // another shopper took every mug
    const placed = recordEvents(element, 'order-placed');
    button(element, 'Checkout').click();
    await waitFor(() => status(element).startsWith('Not checked out'), 'out-of-stock message');
    expect(status(element)).toBe(
      'Not checked out: Enamel Camp Mug sold out. Nothing was bought and your cart is kept; change or remove that item and check out again.',
    );
    expect(placed.length).toBe(0);
    expect(arranged.shop.cartIds.get()).toBe(arranged.cartId);
    await settle(element);
    expect(textOf(element)).toContain('Sold out');
    expect(textOf(element)).toContain('Zip Hoodie');
    expect(updates.length > 0).toBe(true); // the grid hears about the mug too
  });

  it('checkout when fewer are left than asked for: says how many are left', async () => {
    const arranged = arrange({ mugs: 3 });
    const element = await cartView(arranged);
    arranged.store.sell(arranged.mug.id, 1);
    button(element, 'Checkout').click();
    await waitFor(() => status(element).startsWith('Not checked out'), 'out-of-stock message');
    expect(status(element)).toContain('only 2 Enamel Camp Mug left (you asked for 3)');
    await settle(element);
    expect(textOf(element)).toContain('Only 2 left');
  });

  it('a cart already checked out elsewhere: says so and shows an empty cart', async () => {
    const arranged = arrange();
    const element = await cartView(arranged);
    arranged.store.carts.get(arranged.cartId)!.status = 'checked_out';
    button(element, 'Checkout').click();
    await waitFor(() => status(element).includes('already been checked out'), 'message');
    expect(textOf(element)).toContain('Your cart is empty.');
    expect(arranged.shop.cartIds.get()).toBe(null);
  });

  it('live stock updates each line\'s "left"', async () => {
    const arranged = arrange();
    const element = await cartView(arranged);
    arranged.feed.publish({ productId: arranged.hoodie.id, stock: 0, version: 9 });
    await settle(element);
    expect(textOf($$(element, 'li')[0])).toContain('Sold out');
  });

  it('passes axe-core with lines, one of them running low', async () => {
    const element = await cartView(arrange());
    expect(textOf(element)).toContain('3 left');
    await expectNoAxeViolations(element);
  });

  it('passes axe-core with an error message after a refused checkout', async () => {
    const arranged = arrange();
    const element = await cartView(arranged);
    arranged.store.sell(arranged.mug.id, 3);
    button(element, 'Checkout').click();
    await waitFor(() => status(element).startsWith('Not checked out'), 'out-of-stock message');
    await settle(element);
    await expectNoAxeViolations(element);
  });

  it('passes axe-core when the cart is empty', async () => {
    const element = await cartView({ shop: new FakeStore().shop() });
    expect(textOf(element)).toContain('Your cart is empty.');
    await expectNoAxeViolations(element);
  });
});

describe('cart-view: limited lines and drops', () => {
  /** The service's clock in these tests, and the page's: 42 s before 20:00:00 (in UTC). */
  const NOW = Date.parse('2026-12-12T19:59:18Z');

  function arrangeLimited(
    fields: Partial<ProductDto> = {},
    { sneakers = 1, email = null as string | null } = {},
  ) {
    const store = new FakeStore();
    store.now = () => NOW;
    const hoodie = store.addProduct({ name: 'Zip Hoodie', priceCents: 4900, stock: 80 });
    const sneaker = store.addProduct({
      name: 'Flash Sneaker',
      priceCents: 12900,
      stock: 10,
      maxPerCustomer: 2,
      ...fields,
    });
    const cartId = store.addCart([
      { productId: hoodie.id, quantity: 1 },
      { productId: sneaker.id, quantity: sneakers },
    ]);
    const shop = store.shop({
      cartId,
      clock: new ServerClock(() => NOW),
      emails: memoryEmails(email),
    });
    return { store, hoodie, sneaker, cartId, shop };
  }

  const emailField = (element: CartView) => $<HTMLInputElement>(element, 'input[type=email]');
  const checkouts = (store: FakeStore, cartId: string) =>
    store.count(`POST /cart/${cartId}/checkout`);

  it('asks for the email only when a line is limited, and says why', async () => {
    const plain = await cartView(arrange());
    expect($$(plain, 'input[type=email]')).toEqual([]);
    expect(textOf(plain)).not.toContain('per customer');
    plain.remove();

    const arranged = arrangeLimited({}, { email: 'ann@example.com' });
    const element = await cartView(arranged);
    const sneakerLine = $$(element, 'li').find((li) => textOf(li).includes('Flash Sneaker'))!;
    expect(textOf(sneakerLine)).toContain('Limit 2 per customer');
    expectRole('textbox', 'Your email');
    const field = emailField(element);
    expect(field.value).toBe('ann@example.com'); // remembered from an earlier purchase
    expect(field.getAttribute('aria-describedby')).toBe('email-hint');
    expect(textOf($(element, '#email-hint'))).toBe(
      'Needed for Flash Sneaker (limit 2 per customer): the limit counts every order with this email.',
    );
    expectNamedControls(element);

    button(element, 'Remove: Flash Sneaker').click();
    await waitFor(() => $$(element, 'li').length === 1, 'the limited line removed');
    expect($$(element, 'input[type=email]')).toEqual([]);
  });

  it('opened straight on the cart, reads the service clock for its sale notes', async () => {
    const store = new FakeStore();
    // The service is 10 minutes ahead of the shopper; the drop opened 5 minutes ago by its clock.
    store.now = () => Date.now() + 10 * 60_000;
    const sneaker = store.addProduct({
      name: 'Flash Sneaker',
      stock: 10,
      saleStartsAt: new Date(Date.now() + 5 * 60_000).toISOString(),
    });
    const cartId = store.addCart([{ productId: sneaker.id, quantity: 1 }]);
    const shop = store.shop({ cartId, emails: memoryEmails(null) });
    const element = await cartView({ shop });
    expect(shop.clock.synced).toBe(true);
    expect(store.requests.filter((r) => r.startsWith('GET /products'))).toHaveLength(1);
    // By the shopper's own clock the drop would still be 5 minutes away.
    expect(textOf(element)).not.toContain('On sale');
    expect($$(element, '.sale-note')).toEqual([]);
  });

  it('an invalid email blocks checkout: inline error on the field, focus on it, no request', async () => {
    const arranged = arrangeLimited();
    const element = await cartView(arranged);
    const placed = recordEvents(element, 'order-placed');
    button(element, 'Checkout').click();
    await waitFor(() => $$(element, '[part=email-error]').length > 0, 'the error');
    const field = emailField(element);
    expect(textOf($(element, '[part=email-error]'))).toBe('Enter your email address.');
    expect(field.getAttribute('aria-invalid')).toBe('true');
    expect(field.getAttribute('aria-describedby')?.split(' ')).toEqual([
      'email-error',
      'email-hint',
    ]);
    expect(deepActiveElement()).toBe(field);
    await expectNoAxeViolations(element);

    await userEvent.fill(field, 'bea@example');
    button(element, 'Checkout').click();
    await waitFor(
      () => textOf($(element, '[part=email-error]')).includes('like ann@example.com'),
      'the malformed-email error',
    );
    expect(checkouts(arranged.store, arranged.cartId)).toBe(0);
    expect(placed).toEqual([]);
    expect(status(element)).toBe('');
  });

  it('a valid email is sent trimmed, from the keyboard, and the order keeps it', async () => {
    const arranged = arrangeLimited();
    const element = await cartView(arranged);
    const placed = nextEvent<CustomEvent>(element, 'order-placed');
    await userEvent.fill(emailField(element), '  bea@example.com ');
    emailField(element).focus();
    await userEvent.keyboard('{Enter}');
    const { detail } = await placed;
    expect(arranged.store.bodies.at(-1)).toEqual({
      route: `POST /cart/${arranged.cartId}/checkout`,
      body: { email: 'bea@example.com' },
    });
    expect(detail.order.email).toBe('bea@example.com');
    expect(checkouts(arranged.store, arranged.cartId)).toBe(1);
    expect(arranged.shop.email).toBe('bea@example.com');
  });

  it('a cart without a limited line sends no email', async () => {
    const arranged = arrange();
    const element = await cartView(arranged);
    const placed = nextEvent(element, 'order-placed');
    button(element, 'Checkout').click();
    await placed;
    expect(arranged.store.bodies.filter((b) => b.route.endsWith('/checkout'))).toEqual([]);
  });

  it('the limit partly used: how many more, and to lower the line', async () => {
    const arranged = arrangeLimited({}, { sneakers: 2, email: 'bea@example.com' });
    await arranged.store.shop().buyNow(arranged.sneaker, 1, 'Bea@Example.com');
    const element = await cartView(arranged);
    button(element, 'Checkout').click();
    await waitFor(() => status(element).startsWith('Not checked out'), 'the refusal');
    expect(status(element)).toBe(
      'Not checked out: Flash Sneaker is limited to 2 per customer, and you have already bought 1 with bea@example.com: you can buy 1 more (you asked for 2). Nothing was bought and your cart is kept; lower Flash Sneaker to 1 and check out again.',
    );
    expect($(element, '[role=status]').dataset.tone).toBe('error');
    expect(arranged.shop.cartIds.get()).toBe(arranged.cartId);
    await settle(element);
    expect(subtotal(element)).toBe('Subtotal (3 items): $307.00');
  });

  it('the limit used up: to remove the line', async () => {
    const arranged = arrangeLimited({}, { email: 'bea@example.com' });
    await arranged.store.shop().buyNow(arranged.sneaker, 2, 'bea+old@example.com');
    const element = await cartView(arranged);
    button(element, 'Checkout').click();
    await waitFor(() => status(element).startsWith('Not checked out'), 'the refusal');
    expect(status(element)).toBe(
      'Not checked out: Flash Sneaker is limited to 2 per customer, and you have already bought 2 with bea@example.com. Nothing was bought and your cart is kept; remove Flash Sneaker and check out again.',
    );
  });

  it('a drop not open yet: the line says when, and checkout says how long to wait', async () => {
    const arranged = arrangeLimited(
      { saleStartsAt: '2026-12-12T20:00:00.000Z' },
      { email: 'bea@example.com' },
    );
    const element = await cartView(arranged);
    const note = $(element, '.sale-note');
    expect(textOf(note)).toBe('On sale at 20:00:00: check out from then.');
    expect($(note, 'time').getAttribute('datetime')).toBe('2026-12-12T20:00:00.000Z');
    await expectNoAxeViolations(element);

    button(element, 'Checkout').click();
    await waitFor(() => status(element).startsWith('Not checked out'), 'the refusal');
    expect(status(element)).toBe(
      'Not checked out: the Flash Sneaker drop opens at 20:00:00 (in 42 s). Nothing was bought and your cart is kept.',
    );
    expect(arranged.store.orders.size).toBe(0);
    await settle(element);
    await expectNoAxeViolations(element);
  });

  it('a sale that ended: the line says so, and to remove it', async () => {
    const arranged = arrangeLimited({ saleEndsAt: '2026-12-12T19:00:00.000Z' });
    const element = await cartView(arranged);
    const note = $(element, '.sale-note');
    expect(textOf(note)).toBe('This sale ended at 19:00:00: remove it to check out.');
    expect(note.classList.contains('warning')).toBe(true);
    await expectNoAxeViolations(element);
  });

  describe('when the store is too busy to take the checkout (503 OVERLOADED, Retry-After)', () => {
    const BUSY = { status: 503, code: 'OVERLOADED' as const, retryAfterSeconds: 2 };

    async function busyCart() {
      const store = new FakeStore();
      const hoodie = store.addProduct({ name: 'Zip Hoodie', priceCents: 4900, stock: 80 });
      const cartId = store.addCart([{ productId: hoodie.id, quantity: 2 }]);
      store.failNext('POST /cart/*/checkout', BUSY);
      const shop = store.shop({ cartId, random: () => 0 });
      const element = await mount<CartView>(html`<cart-view .shop=${shop}></cart-view>`);
      await until(() => textOf(element).includes('Subtotal'), 'the cart');
      await settle(element);
      return { store, cartId, element };
    }

    it('waits, says so (not as an error), and checks out with the same key', async () => {
      vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
      const { store, cartId, element } = await busyCart();
      const placed = nextEvent<CustomEvent<OrderPlacedDetail>>(element, 'order-placed');
      button(element, 'Checkout').click();
      await until(() => status(element).includes('very busy'), 'the wait, told');
      await settle(element);
      expect(status(element)).toBe('The store is very busy; trying again in 2 s…');
      expect($(element, '[role=status]').dataset.tone).toBe('info');
      expect($$(element, '[role=alert]')).toEqual([]);
      expect(button(element, 'Checkout').getAttribute('aria-busy')).toBe('true');
      await vi.advanceTimersByTimeAsync(1999);
      expect(store.count(`POST /cart/${cartId}/checkout`)).toBe(1);

      await vi.advanceTimersByTimeAsync(1);
      const { detail } = await placed;
      expect(detail.order.items[0].quantity).toBe(2);
      const sent = store.sent.filter((s) => s.route === `POST /cart/${cartId}/checkout`);
      expect(sent).toHaveLength(2);
      expect(sent[1].idempotencyKey).toBe(sent[0].idempotencyKey);
      expect(store.orders.size).toBe(1);
    });

    it('passes axe-core while the checkout waits for a busy store', async () => {
      const { element } = await busyCart();
      button(element, 'Checkout').click();
      await waitFor(() => status(element).includes('very busy'), 'the wait, told');
      await settle(element);
      await expectNoAxeViolations(element);
      await waitFor(() => status(element).startsWith('Checked out'), 'the success', 4000);
    });
  });
});
