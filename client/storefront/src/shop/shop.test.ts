import { describe, expect, it } from 'vitest';
import { StockFeed, type StockUpdate } from '../live/stock-feed.js';
import { FakeStore } from '../testing/fake-store.js';
import { memoryCartIds } from './cart-ids.js';
import { EMAIL_KEY } from './customer-email.js';
import { type ProductDto, createStoreClient } from './sdk.js';
import { ServerClock } from './server-clock.js';
import { Shop, ShopError, describeCartChanges } from './shop.js';

async function failure(work: Promise<unknown>): Promise<ShopError> {
  try {
    await work;
  } catch (error) {
    if (error instanceof ShopError) return error;
    throw error;
  }
  throw new Error('expected a ShopError');
}

describe('shop', () => {
  it('describes what changed between two readings of a cart', () => {
    const line = (name: string, quantity: number) => ({
      productId: name,
      name,
      quantity,
      priceCents: 100,
      available: 9,
      lineTotalCents: 100 * quantity,
      maxPerCustomer: null,
      saleStartsAt: null,
      saleEndsAt: null,
    });
    const cart = (...items: ReturnType<typeof line>[]) => ({
      id: 'c',
      version: 1,
      status: 'open' as const,
      items,
      subtotalCents: 0,
      currency: 'USD',
    });
    expect(describeCartChanges(cart(line('Tee', 1), line('Cap', 2)), cart(line('Tee', 3)))).toBe(
      'Tee 1 → 3; Cap removed',
    );
    expect(describeCartChanges(cart(line('Tee', 1)), cart(line('Tee', 1), line('Mug', 2)))).toBe(
      'Mug added (2)',
    );
    expect(describeCartChanges(cart(line('Tee', 1)), null)).toBe(
      'it has been checked out or no longer exists',
    );
  });

  it('buyNow says plainly that nothing was bought when the server gives up a race', async () => {
    const store = new FakeStore();
    const tee = store.addProduct({ name: 'Tee', stock: 50 });
    store.failNext('POST /checkout', { status: 409, code: 'VERSION_CONFLICT' });
    const error = await failure(store.shop().buyNow(tee));
    expect(error.message).toBe('Tee is selling fast. Nothing was bought; please try again.');
    expect(store.count('POST /checkout')).toBe(1);
    expect(store.orders.size).toBe(0);
  });

  it('buyNow asks again with the same key when the store is briefly unavailable', async () => {
    const store = new FakeStore();
    const tee = store.addProduct({ name: 'Tee', stock: 5 });
    store.failNext('POST /checkout', { status: 503, code: 'OVERLOADED' });
    const order = await store.shop().buyNow(tee);
    expect(order.items[0].productId).toBe(tee.id);
    expect(store.count('POST /checkout')).toBe(2);
  });

  it('buyNow publishes the stock it learns from a refusal', async () => {
    const store = new FakeStore();
    const cap = store.addProduct({ name: 'Wool Cap', stock: 1 });
    const feed = new StockFeed();
    const heard: StockUpdate[] = [];
    feed.subscribe((update) => heard.push(update));
    store.sell(cap.id, 1);
    const error = await failure(store.shop({ feed }).buyNow({ ...cap, version: 2 }));
    expect(error.problem?.code).toBe('OUT_OF_STOCK');
    expect(heard[0]).toEqual({ productId: cap.id, stock: 0 });
  });

  it('addToCart starts a new cart when the stored one was checked out', async () => {
    const store = new FakeStore();
    const tee = store.addProduct({ name: 'Tee' });
    const old = store.addCart([{ productId: tee.id, quantity: 1 }]);
    store.carts.get(old)!.status = 'checked_out';
    const shop = store.shop({ cartId: old });
    const { cart } = await shop.addToCart(tee);
    expect(cart.id === old).toBe(false);
    expect(shop.cartIds.get()).toBe(cart.id);
    expect(cart.items.map((l) => l.quantity)).toEqual([1]);
  });

  it('addToCart refuses a second currency, saying why', async () => {
    const store = new FakeStore();
    const tee = store.addProduct({ name: 'Tee', currency: 'USD' });
    const euroTee = store.addProduct({ name: 'Euro Tee', currency: 'EUR' });
    const cartId = store.addCart([{ productId: tee.id, quantity: 1 }]);
    store.failNext('PUT /cart/*/items/*', { status: 422, code: 'CURRENCY_MISMATCH' });
    const error = await failure(store.shop({ cartId }).addToCart(euroTee));
    expect(error.message).toBe(
      'Euro Tee is priced in EUR, but your cart holds items in USD; one cart holds one currency.',
    );
  });

  it('explains network failures, rate limits and invalid input in plain words', async () => {
    const offline = new Shop({
      client: createStoreClient({
        baseUrl: 'http://store.test',
        fetch: () => Promise.reject(new TypeError('Failed to fetch')),
      }),
      cartIds: memoryCartIds(),
    });
    expect((await failure(offline.products())).message).toBe(
      'Cannot reach the store. Check your connection and try again.',
    );

    const store = new FakeStore();
    const tee = store.addProduct({ name: 'Tee' });
    store.failNext('POST /checkout', {
      status: 429,
      code: 'RATE_LIMITED',
      detail: 'At most 60 checkouts a minute per client; try again in 12 s.',
    });
    expect((await failure(store.shop().buyNow(tee))).message).toBe(
      'At most 60 checkouts a minute per client; try again in 12 s.',
    );

    const cartId = store.addCart([{ productId: tee.id, quantity: 1 }]);
    store.failNext('PUT /cart/*/items/*', {
      status: 400,
      code: 'VALIDATION_FAILED',
      errors: [{ field: 'quantity', message: 'quantity must not be greater than 1000' }],
    });
    const shop = store.shop({ cartId });
    const error = await failure(shop.setQuantity(store.cartDto(cartId), tee.id, 5000));
    expect(error.message).toBe('Quantity must not be greater than 1000.');
  });

  it('keeps the cart id in localStorage by default', async () => {
    const store = new FakeStore();
    const tee = store.addProduct({ name: 'Tee' });
    const shop = new Shop({ client: store.client() });
    const { cart } = await shop.addToCart(tee);
    expect(localStorage.getItem('flash-store.cart-id')).toBe(cart.id);
    await shop.checkoutCart(cart);
    expect(localStorage.getItem('flash-store.cart-id')).toBe(null);
  });

  describe('drops', () => {
    /** The service's clock: 42 s before a drop opens at 20:00:00 (the tests run in UTC). */
    const NOW = Date.parse('2026-12-12T19:59:18Z');

    /** A store on that clock, and a shop whose shopper's clock is two minutes behind it. */
    function arrange(fields: Partial<ProductDto> = {}) {
      const store = new FakeStore();
      store.now = () => NOW;
      const sneaker = store.addProduct({
        name: 'Flash Sneaker',
        stock: 10,
        maxPerCustomer: 2,
        ...fields,
      });
      const shop = store.shop({ clock: new ServerClock(() => NOW - 120_000) });
      return { store, sneaker, shop };
    }

    /** Orders placed earlier with `email`. */
    function boughtBefore(store: FakeStore, product: ProductDto, email: string, quantity: number) {
      const cartId = store.addCart([{ productId: product.id, quantity }]);
      return store.shop().checkoutCart(store.cartDto(cartId), email);
    }

    it('a drop not open yet: when it opens and how long to wait; the clock and product are read again', async () => {
      const { store, sneaker, shop } = arrange({ saleStartsAt: '2026-12-12T20:00:00.000Z' });
      const error = await failure(shop.buyNow(sneaker, 1, 'ann@example.com'));
      expect(error.message).toBe(
        'The Flash Sneaker drop opens at 20:00:00 (in 42 s). Nothing was bought.',
      );
      expect(error.problem).toMatchObject({ code: 'SALE_NOT_STARTED', retryAfterSeconds: 42 });
      // The page counted down on a clock or a window out of date: both are read again.
      expect(store.count('GET /products')).toBe(1);
      expect(shop.clock.offsetMs).toBe(120_000);
      expect(error.refreshed.product?.saleStartsAt).toBe('2026-12-12T20:00:00.000Z');
      expect(store.orders.size).toBe(0);
    });

    it('a drop not open yet, without Retry-After: the wait from the start, or no wait at all', async () => {
      const { store, sneaker, shop } = arrange();
      store.failNext('POST /checkout', {
        status: 409,
        code: 'SALE_NOT_STARTED',
        productId: sneaker.id,
        startsAt: '2026-12-14T09:30:00.000Z',
      });
      expect((await failure(shop.buyNow(sneaker, 1, 'ann@example.com'))).message).toBe(
        'The Flash Sneaker drop opens on Dec 14 at 09:30 (in 1 day 13 h). Nothing was bought.',
      );
      store.failNext('POST /checkout', { status: 409, code: 'SALE_NOT_STARTED' });
      expect((await failure(shop.buyNow(sneaker, 1, 'ann@example.com'))).message).toBe(
        'The Flash Sneaker drop has not opened yet. Nothing was bought.',
      );
    });

    it('a sale that ended: when', async () => {
      const { sneaker, shop } = arrange({ saleEndsAt: '2026-12-12T19:00:00.000Z' });
      expect((await failure(shop.buyNow(sneaker, 1, 'ann@example.com'))).message).toBe(
        'The sale of Flash Sneaker ended at 19:00:00. Nothing was bought.',
      );
      const yesterday = arrange({ saleEndsAt: '2026-12-11T23:30:00.000Z' });
      expect(
        (await failure(yesterday.shop.buyNow(yesterday.sneaker, 1, 'ann@example.com'))).message,
      ).toBe('The sale of Flash Sneaker ended on Dec 11 at 23:30. Nothing was bought.');
    });

    it('a limited product without an email: says that it needs one', async () => {
      const { store, sneaker, shop } = arrange();
      const error = await failure(shop.buyNow(sneaker));
      expect(error.message).toBe(
        'Flash Sneaker is limited to 2 per customer, so buying it needs your email. Nothing was bought.',
      );
      expect(error.problem?.code).toBe('EMAIL_REQUIRED');
      // Spaces only are no email either.
      await failure(shop.buyNow(sneaker, 1, '   '));
      expect(store.bodies.at(-1)?.body).not.toHaveProperty('email');
    });

    it('the limit used up by the same customer (any case, any +tag): how many were bought, with which email', async () => {
      const { store, sneaker, shop } = arrange();
      await boughtBefore(store, sneaker, 'ann@example.com', 2);
      const error = await failure(shop.buyNow(sneaker, 1, 'Ann+drop@Example.com'));
      expect(error.message).toBe(
        'Flash Sneaker is limited to 2 per customer, and you have already bought 2 with Ann+drop@Example.com. Nothing was bought.',
      );
      expect(error.problem).toMatchObject({ code: 'PURCHASE_LIMIT_REACHED', remaining: 0 });
      // Not a sale-window refusal: nothing is read again.
      expect(store.count('GET /products')).toBe(0);
    });

    it('part of the limit left: how many more can be bought', async () => {
      const { store, sneaker, shop } = arrange();
      await boughtBefore(store, sneaker, 'ann@example.com', 1);
      const error = await failure(shop.buyNow(sneaker, 2, 'ann@example.com'));
      expect(error.message).toBe(
        'Flash Sneaker is limited to 2 per customer, and you have already bought 1 with ann@example.com: you can buy 1 more (you asked for 2). Nothing was bought.',
      );
      const order = await shop.buyNow(sneaker, 1, 'ann@example.com');
      expect(order.items[0].quantity).toBe(1);
    });

    it('sends the email trimmed, keeps it on the order, and remembers it', async () => {
      const { store, sneaker, shop } = arrange();
      const order = await shop.buyNow(sneaker, 1, '  ann@example.com \n');
      expect(store.bodies.at(-1)).toEqual({
        route: 'POST /checkout',
        body: { productId: sneaker.id, quantity: 1, email: 'ann@example.com' },
      });
      expect(order.email).toBe('ann@example.com');
      expect(shop.email).toBe('ann@example.com');

      const cartId = store.addCart([{ productId: sneaker.id, quantity: 1 }]);
      const cartShop = store.shop({ cartId });
      await cartShop.checkoutCart(store.cartDto(cartId), ' Bea@Example.com ');
      expect(store.bodies.at(-1)).toEqual({
        route: `POST /cart/${cartId}/checkout`,
        body: { email: 'Bea@Example.com' },
      });
      expect(cartShop.email).toBe('Bea@Example.com');
    });

    it('sends no email when none is given', async () => {
      const { store, shop } = arrange();
      const tee = store.addProduct({ name: 'Tee' });
      const order = await shop.buyNow(tee);
      expect(store.bodies.at(-1)?.body).toEqual({ productId: tee.id, quantity: 1 });
      expect(order.email).toBeNull();
      expect(shop.email).toBe('');
    });

    it('remembers the email in sessionStorage by default', async () => {
      const { store, sneaker } = arrange();
      const shop = new Shop({ client: store.client(), cartIds: memoryCartIds() });
      await shop.buyNow(sneaker, 1, ' ann@example.com ');
      expect(sessionStorage.getItem(EMAIL_KEY)).toBe('ann@example.com');
      expect(new Shop({ client: store.client() }).email).toBe('ann@example.com');
    });

    it('a cart with a drop refused: says why and what to change', async () => {
      const { store, sneaker } = arrange({ saleEndsAt: '2026-12-12T19:00:00.000Z' });
      const cartId = store.addCart([{ productId: sneaker.id, quantity: 1 }]);
      const shop = store.shop({ cartId });
      const error = await failure(shop.checkoutCart(store.cartDto(cartId), 'ann@example.com'));
      expect(error.message).toBe(
        'Not checked out: the sale of Flash Sneaker ended at 19:00:00. Nothing was bought and your cart is kept; remove Flash Sneaker and check out again.',
      );
      expect(error.refreshed.cart?.id).toBe(cartId);
    });

    it("each product page sets the shop's clock from serverTime", async () => {
      const { shop } = arrange();
      expect(shop.clock.synced).toBe(false);
      await shop.products();
      expect(shop.clock.synced).toBe(true);
      expect(shop.clock.now()).toBe(NOW);
    });
  });
});
