import { describe, expect, it } from 'vitest';
import { StockFeed, type StockUpdate } from '../live/stock-feed.js';
import { FakeStore } from '../testing/fake-store.js';
import { memoryCartIds } from './cart-ids.js';
import { createStoreClient } from './sdk.js';
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
});
