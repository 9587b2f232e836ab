import { describe, expect, it, vi } from 'vitest';
import { StockFeed, type StockUpdate } from '../live/stock-feed.js';
import { until } from '../testing/dom.js';
import { FakeStore } from '../testing/fake-store.js';
import { memoryCartIds } from './cart-ids.js';
import { EMAIL_KEY } from './customer-email.js';
import { type ProductDto, createStoreClient } from './sdk.js';
import { ServerClock } from './server-clock.js';
import {
  type RetryNotice,
  Shop,
  ShopError,
  describeCartChanges,
  retryAfterMs,
  retryText,
} from './shop.js';

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

  describe('when the store is too busy to take a purchase (503 OVERLOADED, Retry-After)', () => {
    const busy = (retryAfterSeconds = 1) => ({
      status: 503,
      code: 'OVERLOADED' as const,
      retryAfterSeconds,
    });
    const keysOf = (store: FakeStore, route: string) =>
      store.sent.filter((s) => s.route === route).map((s) => s.idempotencyKey);

    it('buyNow waits as long as Retry-After asks, says so, and sends it again with the same key', async () => {
      vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
      const store = new FakeStore();
      const tee = store.addProduct({ name: 'Tee', stock: 5 });
      store.failNext('POST /checkout', busy(3));
      store.failNext('POST /checkout', busy(3));
      const notices: RetryNotice[] = [];
      // No jitter: each wait is exactly the larger of Retry-After and the backoff.
      const buying = store
        .shop({ random: () => 0 })
        .buyNow(tee, 1, undefined, { onRetry: (notice) => notices.push(notice) });
      await until(() => notices.length === 1, 'the first notice');
      expect(notices[0]).toEqual({ reason: 'busy', seconds: 3, attempt: 2 });
      expect(retryText(notices[0])).toBe('The store is very busy; trying again in 3 s…');
      await vi.advanceTimersByTimeAsync(2999);
      expect(store.count('POST /checkout')).toBe(1); // not before Retry-After
      await vi.advanceTimersByTimeAsync(1);
      await until(() => notices.length === 2, 'the second notice');
      expect(notices[1]).toEqual({ reason: 'busy', seconds: 3, attempt: 3 });
      await vi.advanceTimersByTimeAsync(3000);
      const order = await buying;
      expect(order.items[0].productId).toBe(tee.id);
      const keys = keysOf(store, 'POST /checkout');
      expect(keys).toHaveLength(3);
      expect(new Set(keys).size).toBe(1);
      expect(keys[0]).toMatch(/^[0-9a-f]{32}$/);
      expect(store.orders.size).toBe(1);
    });

    it('each wait is jittered up to half as long again, never shorter than asked', async () => {
      vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
      const store = new FakeStore();
      const tee = store.addProduct({ name: 'Tee', stock: 5 });
      store.failNext('POST /checkout', busy(2));
      const notices: RetryNotice[] = [];
      const buying = store
        .shop({ random: () => 0.999 })
        .buyNow(tee, 1, undefined, { onRetry: (notice) => notices.push(notice) });
      await until(() => notices.length === 1, 'the notice');
      expect(notices[0].seconds).toBe(3); // 2 s × 1.4995, rounded up for the shopper
      await vi.advanceTimersByTimeAsync(2998);
      expect(store.count('POST /checkout')).toBe(1);
      await vi.advanceTimersByTimeAsync(2);
      await buying;
      expect(store.count('POST /checkout')).toBe(2);
    });

    it('gives up after a bounded number of sends, says nothing was bought, and the same purchase asked again keeps its key', async () => {
      vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
      const store = new FakeStore();
      const tee = store.addProduct({ name: 'Tee', stock: 5 });
      for (let i = 0; i < 6; i++) store.failNext('POST /checkout', busy(1));
      const shop = store.shop({ random: () => 0 });
      const notices: RetryNotice[] = [];
      const buying = failure(
        shop.buyNow(tee, 1, undefined, { onRetry: (notice) => notices.push(notice) }),
      );
      // Retry-After 1 s, the backoff doubling from 1 s up to 8 s: 1 + 2 + 4 + 8 + 8 s, 6 sends.
      await until(() => notices.length === 1, 'the first notice');
      const waits: number[] = [];
      while (store.count('POST /checkout') < 6) {
        const seen = notices.length;
        waits.push(notices[seen - 1].seconds);
        await vi.advanceTimersByTimeAsync(notices[seen - 1].seconds * 1000);
        await until(
          () => notices.length > seen || store.count('POST /checkout') === 6,
          'the next send',
        );
      }
      expect(waits).toEqual([1, 2, 4, 8, 8]);
      const error = await buying;
      expect(error.message).toBe(
        'The store is too busy right now; nothing was bought. Please try again in a moment.',
      );
      expect(error.problem?.code).toBe('OVERLOADED');
      expect(store.count('POST /checkout')).toBe(6);
      expect(store.orders.size).toBe(0);

      // Asked again, the same purchase goes with the same key (it was never settled)...
      store.failNext('POST /checkout', { status: 409, code: 'VERSION_CONFLICT' });
      await failure(shop.buyNow(tee));
      // ...and once settled, the next purchase is a new one, with a new key.
      await shop.buyNow(tee);
      const keys = keysOf(store, 'POST /checkout');
      expect(keys[6]).toBe(keys[0]);
      expect(keys[7] === keys[0]).toBe(false);
    });

    it('does not wait past the bound on the total time: a Retry-After of a minute is not waited for', async () => {
      const store = new FakeStore();
      const tee = store.addProduct({ name: 'Tee', stock: 5 });
      store.failNext('POST /checkout', busy(60));
      const notices: RetryNotice[] = [];
      const error = await failure(
        store.shop().buyNow(tee, 1, undefined, { onRetry: (notice) => notices.push(notice) }),
      );
      expect(error.problem?.code).toBe('OVERLOADED');
      expect(notices).toEqual([]);
      expect(store.count('POST /checkout')).toBe(1);
    });

    it('checkoutCart waits and sends again with the same key too', async () => {
      vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
      const store = new FakeStore();
      const tee = store.addProduct({ name: 'Tee', stock: 5 });
      const cartId = store.addCart([{ productId: tee.id, quantity: 2 }]);
      store.failNext('POST /cart/*/checkout', busy(2));
      const notices: RetryNotice[] = [];
      const shop = store.shop({ cartId, random: () => 0 });
      const buying = shop.checkoutCart(store.cartDto(cartId), undefined, {
        onRetry: (notice) => notices.push(notice),
      });
      await until(() => notices.length === 1, 'the notice');
      expect(notices[0]).toEqual({ reason: 'busy', seconds: 2, attempt: 2 });
      await vi.advanceTimersByTimeAsync(2000);
      const order = await buying;
      expect(order.items[0].quantity).toBe(2);
      const keys = keysOf(store, `POST /cart/${cartId}/checkout`);
      expect(keys).toHaveLength(2);
      expect(keys[1]).toBe(keys[0]);
    });

    it("reads Retry-After in seconds or as a date, else the problem's retryAfterSeconds", () => {
      const answer = (retryAfter: string | null, error?: unknown) => ({
        error,
        response: new Response(null, {
          status: 503,
          headers: retryAfter === null ? {} : { 'retry-after': retryAfter },
        }),
      });
      const now = Date.parse('2026-12-12T12:00:00Z');
      expect(retryAfterMs(answer('7'), now)).toBe(7000);
      expect(retryAfterMs(answer('Sat, 12 Dec 2026 12:00:05 GMT'), now)).toBe(5000);
      expect(retryAfterMs(answer(null, { code: 'OVERLOADED', retryAfterSeconds: 2 }), now)).toBe(
        2000,
      );
      expect(retryAfterMs(answer(null), now)).toBe(0);
    });
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

    it('more than the limit at once: says so without naming what the email bought', async () => {
      const { store, sneaker, shop } = arrange();
      await boughtBefore(store, sneaker, 'ann@example.com', 1);
      const error = await failure(shop.buyNow(sneaker, 3, 'ann@example.com'));
      expect(error.message).toBe(
        'Flash Sneaker is limited to 2 per customer; you asked for 3. Nothing was bought.',
      );
      expect(error.problem).not.toHaveProperty('remaining');
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

    it('the clock is never set from a catalogue the browser revalidated (its serverTime is as old as the copy)', async () => {
      let serviceTime = NOW;
      let shopperTime = NOW - 120_000;
      const store = new FakeStore();
      store.now = () => serviceTime;
      store.httpCache = true;
      store.addProduct({ name: 'Flash Sneaker', stock: 10 });
      const shop = store.shop({ clock: new ServerClock(() => shopperTime) });

      // A poll keeps a copy of the catalogue in the (played) browser cache, and sets no clock.
      expect((await shop.stock()).map((update) => update.stock)).toEqual([10]);
      expect(shop.clock.synced).toBe(false);
      expect(store.sent.at(-1)?.cache).toBe('default');

      // Ten minutes on, unchanged: a poll is answered 304 and gets the kept body...
      serviceTime += 600_000;
      shopperTime += 600_000;
      await shop.stock();
      expect(store.revalidated).toBe(1);
      expect(shop.clock.synced).toBe(false);

      // ...but the reads that set the clock bypass the cache, so it reads the service's time now.
      await shop.products();
      await shop.syncClock();
      expect(store.revalidated).toBe(1);
      expect(store.sent.slice(-2).map((request) => request.cache)).toEqual([
        'no-store',
        'no-store',
      ]);
      expect(shop.clock.now()).toBe(serviceTime);
    });
  });
});
