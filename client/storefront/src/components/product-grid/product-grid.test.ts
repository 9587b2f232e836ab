import { html } from 'lit';
import { describe, expect, it, vi } from 'vitest';
import { userEvent } from 'vitest/browser';
import { type FeedStatus, StockFeed } from '../../live/stock-feed.js';
import { FakeStore } from '../../testing/fake-store.js';
import { expectNamedControls, expectNoAxeViolations, expectRole } from '../../testing/a11y.js';
import {
  $,
  $$,
  button,
  mount,
  nextEvent,
  recordEvents,
  settle,
  textOf,
  until,
  waitFor,
} from '../../testing/dom.js';
import type { ProductDto } from '../../shop/sdk.js';
import type { Shop } from '../../shop/shop.js';
import type { ProductCard } from '../product-card/product-card.js';
import './product-grid.js';
import type { OrderPlacedDetail, ProductGrid } from './product-grid.js';

/** A feed whose connection state the test sets. */
class TestFeed extends StockFeed {
  set(status: FeedStatus): void {
    this.setStatus(status);
  }
}

function arrange() {
  const store = new FakeStore();
  const hoodie = store.addProduct({ name: 'Zip Hoodie', priceCents: 4900, stock: 80 });
  const sneaker = store.addProduct({ name: 'Flash Sneaker', priceCents: 12900, stock: 1 });
  const feed = new TestFeed();
  const shop = store.shop({ feed });
  return { store, hoodie, sneaker, feed, shop };
}

async function grid(arranged: { shop: Shop; feed?: StockFeed }): Promise<ProductGrid> {
  const element = await mount<ProductGrid>(
    html`<product-grid .shop=${arranged.shop} .feed=${arranged.feed}></product-grid>`,
  );
  await waitFor(
    () => $$(element, 'product-card').length > 0 || textOf(element).includes('Nothing'),
    'products',
  );
  await settle(element);
  return element;
}

function cardOf(element: ProductGrid, name: string): ProductCard {
  const card = $$<ProductCard>(element, 'product-card').find((c) => c.product.name === name);
  if (!card) throw new Error(`no card for ${name}`);
  return card;
}

const status = (element: ProductGrid) => textOf($(element, '[role=status]'));

describe('product-grid', () => {
  it('shows a loading state, then a card per product', async () => {
    const arranged = arrange();
    const held = arranged.store.hold('GET /products');
    const element = await mount<ProductGrid>(
      html`<product-grid .shop=${arranged.shop} .feed=${arranged.feed}></product-grid>`,
    );
    await held.reached;
    expect(textOf(element)).toContain('Loading products…');
    held.release();
    await waitFor(() => $$(element, 'product-card').length === 2, 'two cards');
    await settle(element);
    expect(textOf(element)).toContain('Zip Hoodie');
    expect(textOf(element)).toContain('$129.00');
    expectRole('heading', 'Flash sale');
    expectRole('button', 'Buy now: Flash Sneaker');
    expectNamedControls(element);
  });

  it('says so when nothing is for sale', async () => {
    const store = new FakeStore();
    const element = await mount<ProductGrid>(
      html`<product-grid .shop=${store.shop()}></product-grid>`,
    );
    await waitFor(() => textOf(element).includes('Nothing is for sale right now.'), 'empty state');
  });

  it('shows an error with "Try again" when the products cannot be loaded', async () => {
    const arranged = arrange();
    arranged.store.failNext('GET /products', { status: 503, code: 'DATABASE_UNAVAILABLE' });
    const element = await mount<ProductGrid>(
      html`<product-grid .shop=${arranged.shop}></product-grid>`,
    );
    await waitFor(() => textOf(element).includes('could not be loaded'), 'error state');
    expect(textOf($(element, '[role=alert]'))).toContain('try again in a moment');
    expectRole('button', 'Try again');
    button(element, 'Try again').click();
    await waitFor(() => $$(element, 'product-card').length === 2, 'cards after retry');
  });

  it('live stock: updates from the feed change the counts without reloading', async () => {
    const arranged = arrange();
    const element = await grid(arranged);
    const requests = arranged.store.requests.length;
    arranged.feed.publish({ productId: arranged.hoodie.id, stock: 77, version: 5 });
    await settle(element);
    expect(textOf(cardOf(element, 'Zip Hoodie'))).toContain('77 left');
    // An older event arriving late does not undo a newer one.
    arranged.feed.publish({ productId: arranged.hoodie.id, stock: 79, version: 4 });
    await settle(element);
    expect(textOf(cardOf(element, 'Zip Hoodie'))).toContain('77 left');
    arranged.feed.publish({ productId: arranged.sneaker.id, stock: 0, version: 2 });
    await settle(element);
    expect(textOf(cardOf(element, 'Flash Sneaker'))).toContain('Sold out');
    expect(button(element, 'Buy now: Flash Sneaker').disabled).toBe(true);
    expect(arranged.store.requests.length).toBe(requests);
  });

  it('"Buy now" buys one at the version seen, once, and reports the order', async () => {
    const arranged = arrange();
    const element = await grid(arranged);
    const held = arranged.store.hold('POST /checkout');
    const placed = nextEvent<CustomEvent<OrderPlacedDetail>>(element, 'order-placed');
    const buy = button(element, 'Buy now: Zip Hoodie');
    buy.click();
    await held.reached;
    await settle(element);
    expect(buy.getAttribute('aria-disabled')).toBe('true');
    expect(status(element)).toBe('Buying Zip Hoodie…');
    buy.click();
    buy.click();
    held.release();
    const { detail } = await placed;
    expect(detail.order.items[0].name).toBe('Zip Hoodie');
    expect(arranged.store.count('POST /checkout')).toBe(1);
    await waitFor(() => status(element).includes('Bought Zip Hoodie'), 'success message');
    await waitFor(
      () => textOf(cardOf(element, 'Zip Hoodie')).includes('79 left'),
      'stock refreshed',
    );
    expect(buy.getAttribute('aria-disabled')).toBe('false');
  });

  it('"Buy now" when someone else took the last one: says it sold out, shows Sold out', async () => {
    const arranged = arrange();
    const element = await grid(arranged);
    // Another shopper buys it, with no news reaching this page (the stream is slow).
    arranged.store.sell(arranged.sneaker.id, 1);
    arranged.store.edit(arranged.sneaker.id, {}); // the version moves on too
    const placed = recordEvents(element, 'order-placed');
    button(element, 'Buy now: Flash Sneaker').click();
    await waitFor(() => status(element).includes('sold out'), 'sold-out message');
    expect(status(element)).toBe('Flash Sneaker sold out. Nothing was bought.');
    expect($(element, '[role=status]').dataset.tone).toBe('error');
    await waitFor(() => textOf(cardOf(element, 'Flash Sneaker')).includes('Sold out'), 'badge');
    expect(placed.length).toBe(0);
  });

  it('"Buy now" after a price change: buys at the price of the moment, which the order shows', async () => {
    const arranged = arrange();
    const element = await grid(arranged);
    arranged.store.edit(arranged.hoodie.id, { priceCents: 5900 });
    const placed = nextEvent<CustomEvent<OrderPlacedDetail>>(element, 'order-placed');
    button(element, 'Buy now: Zip Hoodie').click();
    const { detail } = await placed;
    expect(detail.order.items[0].unitPriceCents).toBe(5900);
    expect(detail.order.totalCents).toBe(5900);
  });

  it('"Buy now" while others buy the same product: one request, served while stock lasts', async () => {
    const arranged = arrange();
    const element = await grid(arranged);
    arranged.store.sell(arranged.hoodie.id, 5);
    const placed = nextEvent<CustomEvent<OrderPlacedDetail>>(element, 'order-placed');
    button(element, 'Buy now: Zip Hoodie').click();
    await placed;
    expect(arranged.store.count('POST /checkout')).toBe(1);
    expect(arranged.store.products.get(arranged.hoodie.id)!.stock).toBe(74);
  });

  it('"Add to cart" makes a cart, then adds to it, and says how many are in it', async () => {
    const arranged = arrange();
    const element = await grid(arranged);
    const changes = recordEvents<CustomEvent>(element, 'cart-changed');
    button(element, 'Add to cart: Zip Hoodie').click();
    await waitFor(() => status(element).startsWith('Added'), 'first add');
    expect(status(element)).toBe('Added Zip Hoodie to your cart (1 item).');
    button(element, 'Add to cart: Zip Hoodie').click();
    await waitFor(() => status(element).includes('(2 items)'), 'second add');
    button(element, 'Add to cart: Flash Sneaker').click();
    await waitFor(() => status(element).includes('(3 items)'), 'third add');
    expect(arranged.store.count('POST /cart')).toBe(1);
    expect(changes.length).toBe(3);
    const cart = changes[2].detail.cart;
    expect(cart.items.map((l: { quantity: number }) => l.quantity)).toEqual([2, 1]);
  });

  it('"Add to cart" when the cart changed in another window still adds, and says so', async () => {
    const arranged = arrange();
    const element = await grid(arranged);
    button(element, 'Add to cart: Zip Hoodie').click();
    await waitFor(() => status(element).startsWith('Added'), 'first add');
    const cartId = arranged.shop.cartIds.get()!;
    // Between this page reading the cart and sending its change, another window changes the cart.
    const held = arranged.store.hold('PUT /cart/*/items/*');
    button(element, 'Add to cart: Zip Hoodie').click();
    await held.reached;
    arranged.store.editCart(cartId, arranged.sneaker.id, 1);
    held.release();
    await waitFor(() => status(element).includes('another window'), 'conflict notice');
    expect(status(element)).toContain('Flash Sneaker added (1)');
    expect(
      arranged.store.cartDto(cartId).items.find((l) => l.name === 'Zip Hoodie')!.quantity,
    ).toBe(2);
  });

  it('says whether the stock shown is live', async () => {
    const arranged = arrange();
    const element = await grid(arranged);
    const line = () => textOf($(element, '[part=feed]'));
    expect(line()).toBe('Stock as of loading this page.');
    arranged.feed.set('live');
    await settle(element);
    expect(line()).toBe('Live stock: counts change as other shoppers buy.');
    arranged.feed.set('polling');
    await settle(element);
    expect(line()).toBe(
      'Live stock paused: counts may be out of date; they refresh every few seconds meanwhile.',
    );
    expect($(element, '[part=feed]').dataset.feed).toBe('polling');
    arranged.feed.set('live');
    await settle(element);
    expect(line()).toBe('Live stock: counts change as other shoppers buy.');
    expect($(element, '[part=feed]').dataset.feed).toBe('live');
  });

  it('passes axe-core with products, one of them sold out, and live stock', async () => {
    const arranged = arrange();
    arranged.store.sell(arranged.sneaker.id, 1);
    const element = await grid(arranged);
    arranged.feed.set('live');
    await settle(element);
    expect(textOf(cardOf(element, 'Flash Sneaker'))).toContain('Sold out');
    await expectNoAxeViolations(element);
  });

  it('passes axe-core with a message after "Add to cart", and when nothing is for sale', async () => {
    const arranged = arrange();
    const element = await grid(arranged);
    button(element, 'Add to cart: Zip Hoodie').click();
    await waitFor(() => status(element).startsWith('Added'), 'the message');
    await expectNoAxeViolations(element);

    const empty = await mount<ProductGrid>(
      html`<product-grid .shop=${new FakeStore().shop()}></product-grid>`,
    );
    await waitFor(() => textOf(empty).includes('Nothing is for sale'), 'empty state');
    await expectNoAxeViolations(empty);
  });

  it('passes axe-core when the products cannot be loaded', async () => {
    const arranged = arrange();
    arranged.store.failNext('GET /products', { status: 503, code: 'DATABASE_UNAVAILABLE' });
    const element = await mount<ProductGrid>(
      html`<product-grid .shop=${arranged.shop}></product-grid>`,
    );
    await waitFor(() => textOf(element).includes('could not be loaded'), 'error state');
    await expectNoAxeViolations(element);
  });
});

describe('product-grid: drops', () => {
  /** The service's clock in these tests: 19:59:18 (the tests run in UTC). */
  const NOW = Date.parse('2026-12-12T19:59:18Z');

  function arrangeDrop(fields: Partial<ProductDto> = {}) {
    const store = new FakeStore();
    store.now = () => NOW;
    const sneaker = store.addProduct({
      name: 'Flash Sneaker',
      priceCents: 12900,
      stock: 5,
      maxPerCustomer: 2,
      ...fields,
    });
    const cap = store.addProduct({ name: 'Wool Cap', stock: 9, maxPerCustomer: 1 });
    const hoodie = store.addProduct({ name: 'Zip Hoodie', stock: 80 });
    const feed = new TestFeed();
    const shop = store.shop({ feed });
    return { store, sneaker, cap, hoodie, feed, shop };
  }

  const emailOf = (element: ProductGrid, name: string) =>
    $<HTMLInputElement>(cardOf(element, name), 'input[type=email]');

  it('buys a limited product with the email typed, and offers it on the other limited cards', async () => {
    const arranged = arrangeDrop();
    const element = await grid(arranged);
    expect($$(cardOf(element, 'Zip Hoodie'), 'input')).toEqual([]);
    const placed = nextEvent<CustomEvent<OrderPlacedDetail>>(element, 'order-placed');
    await userEvent.fill(emailOf(element, 'Flash Sneaker'), '  ann@example.com ');
    button(element, 'Buy now: Flash Sneaker').click();
    const { detail } = await placed;
    expect(arranged.store.bodies.filter((b) => b.route === 'POST /checkout')).toEqual([
      {
        route: 'POST /checkout',
        body: { productId: arranged.sneaker.id, quantity: 1, email: 'ann@example.com' },
      },
    ]);
    expect(detail.order.email).toBe('ann@example.com');
    await waitFor(() => status(element).startsWith('Bought'), 'the success message');
    expect(status(element)).toBe('Bought Flash Sneaker. Your order is confirmed.');
    await settle(element);
    expect(emailOf(element, 'Wool Cap').value).toBe('ann@example.com');
  });

  it('an invalid email sends nothing', async () => {
    const arranged = arrangeDrop();
    const element = await grid(arranged);
    await userEvent.fill(emailOf(element, 'Flash Sneaker'), 'ann@example');
    button(element, 'Buy now: Flash Sneaker').click();
    const card = cardOf(element, 'Flash Sneaker');
    await waitFor(() => $$(card, '[part=email-error]').length > 0, 'the inline error');
    expect(arranged.store.count('POST /checkout')).toBe(0);
    expect(status(element)).toBe('');
    await expectNoAxeViolations(element);
  });

  it('the limit reached by the same customer under another spelling: said in words', async () => {
    const arranged = arrangeDrop();
    await arranged.store.shop().buyNow(arranged.sneaker, 2, 'ann@example.com');
    const element = await grid(arranged);
    await userEvent.fill(emailOf(element, 'Flash Sneaker'), 'Ann+drop@Example.com');
    button(element, 'Buy now: Flash Sneaker').click();
    await waitFor(() => status(element).includes('limited'), 'the refusal');
    expect(status(element)).toBe(
      'Flash Sneaker is limited to 2 per customer, and you have already bought 2 with Ann+drop@Example.com. Nothing was bought.',
    );
    expect($(element, '[role=status]').dataset.tone).toBe('error');
    expect(arranged.store.orders.size).toBe(1);
    await settle(element);
    await expectNoAxeViolations(element);
  });

  it('a sale that ended while the page showed it open: says when, and the card shows it ended', async () => {
    const arranged = arrangeDrop({ maxPerCustomer: null });
    const element = await grid(arranged);
    arranged.store.edit(arranged.sneaker.id, { saleEndsAt: '2026-12-12T19:00:00.000Z' });
    button(element, 'Buy now: Flash Sneaker').click();
    await waitFor(() => status(element).includes('ended'), 'the refusal');
    expect(status(element)).toBe(
      'The sale of Flash Sneaker ended at 19:00:00. Nothing was bought.',
    );
    const card = cardOf(element, 'Flash Sneaker');
    await waitFor(() => textOf($(card, '[part=badge]')) === 'Sale ended', 'the card to say so');
    expect(button(element, 'Buy now: Flash Sneaker').disabled).toBe(true);
  });

  it('a drop moved by the staff while the page is open: the card counts down to the new start', async () => {
    const arranged = arrangeDrop({ maxPerCustomer: null });
    const element = await grid(arranged);
    expect(button(element, 'Buy now: Flash Sneaker').disabled).toBe(false);
    arranged.store.edit(arranged.sneaker.id, { saleStartsAt: '2026-12-12T20:00:00.000Z' });
    const edited = arranged.store.products.get(arranged.sneaker.id)!;
    // The live stream says only that the version moved, with the same stock.
    arranged.feed.publish({ productId: edited.id, stock: edited.stock, version: edited.version });
    const card = cardOf(element, 'Flash Sneaker');
    await waitFor(() => textOf(card).includes('Drop starts in'), 'the countdown');
    expect(button(element, 'Buy now: Flash Sneaker').disabled).toBe(true);
    expect(arranged.store.count(`GET /products/${edited.id}`)).toBe(1);
  });

  it('a sale only moves the stock: no product is read again', async () => {
    const arranged = arrangeDrop({ maxPerCustomer: null });
    const element = await grid(arranged);
    arranged.feed.publish({ productId: arranged.sneaker.id, stock: 4, version: 2 });
    await waitFor(() => textOf(cardOf(element, 'Flash Sneaker')).includes('4 left'), 'the count');
    expect(arranged.store.requests.filter((r) => r.startsWith('GET /products/'))).toEqual([]);
  });

  /** Every text the live region showed, in order. */
  function announcements(element: ProductGrid): string[] {
    const region = $(element, '[role=status]');
    const said: string[] = [];
    new MutationObserver(() => {
      const text = textOf(region);
      if (text) said.push(text);
    }).observe(region, { childList: true, characterData: true, subtree: true });
    return said;
  }

  it('says once that a drop is on sale, when it opens on the service clock', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    vi.setSystemTime(NOW);
    const store = new FakeStore();
    // The service's clock is five minutes ahead of the shopper's: the page must count on it.
    store.now = () => Date.now() + 5 * 60_000;
    store.addProduct({
      name: 'Midnight Parka',
      saleStartsAt: new Date(store.now() + 1500).toISOString(),
      maxPerCustomer: 2,
    });
    store.addProduct({ name: 'Zip Hoodie' });
    const feed = new TestFeed();
    const element = await grid({ shop: store.shop({ feed }), feed });
    const parka = cardOf(element, 'Midnight Parka');
    const said = announcements(element);
    expect(textOf($(parka, '[part=sale-window] time'))).toBe('0:02');
    expect(button(element, 'Buy now: Midnight Parka').disabled).toBe(true);

    await vi.advanceTimersByTimeAsync(1500 + 50); // the card opens
    await vi.advanceTimersByTimeAsync(250); // drops opening together are named together
    await settle(element);
    expect(button(element, 'Buy now: Midnight Parka').disabled).toBe(false);
    expect(status(element)).toBe('Midnight Parka is on sale now.');

    // Time passing, stock moving and products re-rendering say nothing more.
    await vi.advanceTimersByTimeAsync(10_000);
    feed.publish({ productId: parka.product.id, stock: 7, version: 5 });
    await settle(element);
    await vi.advanceTimersByTimeAsync(1000);
    expect(textOf(parka)).toContain('7 left');
    expect(said.filter((text) => text.includes('on sale now'))).toEqual([
      'Midnight Parka is on sale now.',
    ]);
  });

  it('drops opening at the same moment are named in one message', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    vi.setSystemTime(NOW);
    const store = new FakeStore();
    const startsAt = new Date(NOW + 1000).toISOString();
    for (const name of ['Midnight Parka', 'Drop Beanie', 'Drop Socks']) {
      store.addProduct({ name, saleStartsAt: startsAt });
    }
    const element = await grid({ shop: store.shop() });
    const said = announcements(element);
    await vi.advanceTimersByTimeAsync(1000 + 50);
    await vi.advanceTimersByTimeAsync(250);
    await settle(element);
    expect(said.filter((text) => text.includes('on sale now'))).toEqual([
      'Midnight Parka, Drop Beanie and Drop Socks are on sale now.',
    ]);
  });

  describe('when the store is too busy to take a purchase (503 OVERLOADED, Retry-After)', () => {
    const BUSY = { status: 503, code: 'OVERLOADED' as const, retryAfterSeconds: 2 };

    async function busyGrid() {
      const store = new FakeStore();
      const hoodie = store.addProduct({ name: 'Zip Hoodie', priceCents: 4900, stock: 80 });
      store.failNext('POST /checkout', BUSY);
      // No jitter: the wait is exactly the Retry-After.
      const element = await mount<ProductGrid>(
        html`<product-grid .shop=${store.shop({ random: () => 0 })}></product-grid>`,
      );
      await until(() => $$(element, 'product-card').length === 1, 'the card');
      await settle(element);
      return { store, hoodie, element };
    }

    const note = (element: ProductGrid) =>
      $$(cardOf(element, 'Zip Hoodie'), '[part=note]').map((p) => textOf(p));

    it('"Buy now" waits, says so on the card and in the live region (not as an error), and buys with the same key', async () => {
      vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
      const { store, hoodie, element } = await busyGrid();
      const placed = nextEvent<CustomEvent<OrderPlacedDetail>>(element, 'order-placed');
      const buy = button(element, 'Buy now: Zip Hoodie');
      buy.click();
      await until(() => status(element).includes('very busy'), 'the wait, told');
      await settle(element);
      expect(status(element)).toBe(
        'Still buying Zip Hoodie. The store is very busy; trying again in 2 s…',
      );
      expect($(element, '[role=status]').dataset.tone).toBe('info');
      expect(note(element)).toEqual(['The store is very busy; trying again in 2 s…']);
      expect($$(element, '[role=alert]')).toEqual([]);
      expect(buy.getAttribute('aria-busy')).toBe('true');
      // A second click while it waits sends nothing more.
      buy.click();
      await vi.advanceTimersByTimeAsync(1999);
      expect(store.count('POST /checkout')).toBe(1);

      await vi.advanceTimersByTimeAsync(1);
      const { detail } = await placed;
      expect(detail.order.items[0].productId).toBe(hoodie.id);
      await until(() => status(element).startsWith('Bought'), 'the success');
      await settle(element);
      expect(note(element)).toEqual([]);
      expect(buy.getAttribute('aria-busy')).toBe('false');
      const keys = store.sent.filter((s) => s.route === 'POST /checkout');
      expect(keys).toHaveLength(2);
      expect(keys[1].idempotencyKey).toBe(keys[0].idempotencyKey);
      expect(store.orders.size).toBe(1);
    });

    it('passes axe-core while a purchase waits for a busy store', async () => {
      const { element } = await busyGrid();
      button(element, 'Buy now: Zip Hoodie').click();
      await waitFor(() => note(element).length === 1, 'the note on the card');
      await settle(element);
      await expectNoAxeViolations(element);
      await waitFor(() => status(element).startsWith('Bought'), 'the success', 4000);
    });
  });
});
