import type { StockFeed } from '../live/stock-feed.js';
import { type CartIdStore, localCartIds } from './cart-ids.js';
import { formatMoney } from './money.js';
import {
  type CartDto,
  type Client,
  type OrderDto,
  type ProblemDetailsDto,
  type ProductDto,
  type StockShortageDto,
  checkout,
  checkoutCart,
  createCart,
  getCart,
  getOrder,
  getProduct,
  isProblem,
  listProducts,
  setCartItem,
} from './sdk.js';

/**
 * A request the shop could not carry out, with a sentence for the shopper that says what happened
 * and what (if anything) changed. `cart` is the cart as it is now when the shop re-read it (`null`:
 * the shopper has no open cart any more); `product` a product re-read after a conflict.
 */
export class ShopError extends Error {
  constructor(
    message: string,
    readonly problem?: ProblemDetailsDto,
    readonly refreshed: { cart?: CartDto | null; product?: ProductDto } = {},
  ) {
    super(message);
    this.name = 'ShopError';
  }
}

export interface AddToCartResult {
  cart: CartDto;
  /** Set when the cart had changed elsewhere (another window) and the item was added to that. */
  notice?: string;
}

interface SdkResult<T> {
  data?: T;
  error?: unknown;
}

const PAGE_SIZE = 100;
const SEND_ATTEMPTS = 3;
const RESEND_DELAY_MS = 500;

/** A fresh key per purchase (crypto.randomUUID needs a secure context; this does not). */
function idempotencyKey(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (byte) => byte.toString(16).padStart(2, '0')).join('');
}

/**
 * Sends a purchase with an Idempotency-Key and asks again with the same key when no answer
 * arrives (the connection dropped) or the store answers 503 (busy, or its database away): the
 * server then answers what happened the first time instead of buying twice.
 */
async function sendOnce<R extends SdkResult<unknown>>(
  send: (headers: Record<string, string>) => Promise<R>,
): Promise<R> {
  const headers = { 'Idempotency-Key': idempotencyKey() };
  for (let attempt = 1; ; attempt++) {
    try {
      const result = await send(headers);
      if (attempt >= SEND_ATTEMPTS || !(isProblem(result.error) && result.error.status === 503)) {
        return result;
      }
    } catch (error) {
      // fetch rejects with a TypeError when no answer came back at all.
      if (attempt >= SEND_ATTEMPTS || !(error instanceof TypeError)) throw error;
    }
    // Jitter, so that the shoppers a blip turned away do not all come back in the same instant.
    await new Promise((resolve) => setTimeout(resolve, RESEND_DELAY_MS * (0.5 + Math.random())));
  }
}

/** Sentence for an error no operation-specific rule covers. */
export function describeFailure(error: unknown): string {
  if (isProblem(error)) {
    if (error.status === 429) return error.detail;
    if (error.code === 'VALIDATION_FAILED' && error.errors?.length) {
      return `${capitalize(error.errors.map((e) => e.message).join('; '))}.`;
    }
    if (error.code === 'DATABASE_UNAVAILABLE' || error.status >= 500) {
      return 'The store is not answering properly right now. Please try again in a moment.';
    }
    return `${error.title}: ${error.detail}`;
  }
  return 'Cannot reach the store. Check your connection and try again.';
}

/** The units short in an OUT_OF_STOCK problem, from `shortages` or the single-product members. */
function shortagesOf(problem: ProblemDetailsDto): StockShortageDto[] {
  if (problem.shortages?.length) return problem.shortages;
  if (problem.productId !== undefined && problem.available !== undefined) {
    return [
      {
        productId: problem.productId,
        requested: problem.requested ?? 1,
        available: problem.available,
      },
    ];
  }
  return [];
}

function shortageSentence(name: string, { requested, available }: StockShortageDto): string {
  return available === 0
    ? `${name} sold out`
    : `only ${available} ${name} left (you asked for ${requested})`;
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** What differs between two readings of a cart, e.g. "Zip Hoodie 1 → 3; Wool Cap removed". */
export function describeCartChanges(before: CartDto, after: CartDto | null): string {
  if (!after) return 'it has been checked out or no longer exists';
  const changes: string[] = [];
  const afterById = new Map(after.items.map((line) => [line.productId, line]));
  for (const line of before.items) {
    const now = afterById.get(line.productId);
    if (!now) changes.push(`${line.name} removed`);
    else if (now.quantity !== line.quantity)
      changes.push(`${line.name} ${line.quantity} → ${now.quantity}`);
    afterById.delete(line.productId);
  }
  for (const line of afterById.values()) changes.push(`${line.name} added (${line.quantity})`);
  return changes.length > 0 ? changes.join('; ') : 'its items are the same as before';
}

/** What a shopper would notice between two readings of a product (besides its stock). */
function describeProductChanges(seen: ProductDto, now: ProductDto): string[] {
  const changes: string[] = [];
  if (seen.priceCents !== now.priceCents || seen.currency !== now.currency) {
    changes.push(
      `The price of ${now.name} changed from ${formatMoney(seen.priceCents, seen.currency)} to ` +
        `${formatMoney(now.priceCents, now.currency)}.`,
    );
  }
  if (seen.name !== now.name) changes.push(`“${seen.name}” is now called “${now.name}”.`);
  return changes;
}

export interface ShopOptions {
  /** From `createStoreClient`. */
  client: Client;
  /** Where the cart id is kept; `localStorage` by default. */
  cartIds?: CartIdStore;
  /** Receives every stock count the shop learns (refusals, refreshed products). */
  feed?: StockFeed;
}

/**
 * What a shopper can do, on top of the SDK: each method either returns what was asked for or throws
 * a {@link ShopError} whose message can be shown as it is.
 */
export class Shop {
  readonly client: Client;
  readonly cartIds: CartIdStore;
  readonly feed: StockFeed | undefined;

  constructor({ client, cartIds = localCartIds(), feed }: ShopOptions) {
    this.client = client;
    this.cartIds = cartIds;
    this.feed = feed;
  }

  /** The whole catalogue, reading it a page at a time. */
  async products(signal?: AbortSignal): Promise<ProductDto[]> {
    const products: ProductDto[] = [];
    for (let offset = 0; ; offset += PAGE_SIZE) {
      const page = this.#unwrap(
        await listProducts({ client: this.client, query: { limit: PAGE_SIZE, offset }, signal }),
      );
      products.push(...page.items);
      if (page.items.length < PAGE_SIZE || products.length >= page.total) return products;
    }
  }

  /** Re-reads one product and publishes its stock. */
  async product(id: string): Promise<ProductDto> {
    const product = this.#unwrap(await getProduct({ client: this.client, path: { id } }));
    this.feed?.publish({ productId: id, stock: product.stock, version: product.version });
    return product;
  }

  /**
   * Buys `quantity` of a product on the flash-sale path: concurrent buyers are served in arrival
   * order for as long as stock lasts, so nobody is turned away while units remain. The order
   * keeps the price at purchase time, and the confirmation shows it.
   */
  async buyNow(seen: ProductDto, quantity = 1): Promise<OrderDto> {
    const { data, error } = await sendOnce((headers) =>
      checkout({ client: this.client, body: { productId: seen.id, quantity }, headers }),
    );
    if (data) {
      void this.#refreshQuietly(seen.id);
      return data;
    }
    if (isProblem(error, 'OUT_OF_STOCK')) {
      const [shortage] = shortagesOf(error);
      const available = shortage?.available ?? 0;
      this.feed?.publish({ productId: seen.id, stock: available });
      void this.#refreshQuietly(seen.id);
      throw new ShopError(
        `${capitalize(shortageSentence(seen.name, { productId: seen.id, requested: quantity, available }))}. Nothing was bought.`,
        error,
      );
    }
    if (isProblem(error, 'VERSION_CONFLICT')) {
      // Only once the server's own retries ran out: the product is changing very fast.
      const now = await this.product(seen.id).catch(() => undefined);
      const changes = now ? describeProductChanges(seen, now) : [];
      throw new ShopError(
        [...changes, `${seen.name} is selling fast.`, 'Nothing was bought; please try again.'].join(
          ' ',
        ),
        error,
        now ? { product: now } : {},
      );
    }
    throw this.#failure(error);
  }

  async cart(signal?: AbortSignal): Promise<CartDto | null> {
    const id = this.cartIds.get();
    if (!id) return null;
    const { data, error } = await getCart({ client: this.client, path: { id }, signal });
    if (data && data.status === 'open') return data;
    if (data || isProblem(error, 'NOT_FOUND', 'VALIDATION_FAILED')) {
      this.cartIds.clear();
      return null;
    }
    throw this.#failure(error);
  }

  /** Adds `quantity` of a product to the cart, making the cart first when there is none. */
  async addToCart(product: ProductDto, quantity = 1): Promise<AddToCartResult> {
    let cart = await this.cart();
    let notice: string | undefined;
    for (let attempt = 1; attempt <= 2; attempt++) {
      if (!cart) return { cart: await this.#newCart(product, quantity), notice };
      const line = cart.items.find((item) => item.productId === product.id);
      const { data, error } = await setCartItem({
        client: this.client,
        path: { id: cart.id, productId: product.id },
        body: { quantity: (line?.quantity ?? 0) + quantity, version: cart.version },
      });
      if (data) return { cart: data, notice };
      if (isProblem(error, 'VERSION_CONFLICT')) {
        // Changed in another window: adding one more is still what the shopper asked for.
        const before = cart;
        cart = await this.cart();
        notice = `Your cart had changed in another window (${describeCartChanges(before, cart)}); ${product.name} was added to it as it is now.`;
        continue;
      }
      if (isProblem(error, 'CART_CHECKED_OUT', 'NOT_FOUND')) {
        this.cartIds.clear();
        cart = null;
        continue;
      }
      if (isProblem(error, 'CURRENCY_MISMATCH')) {
        throw new ShopError(
          `${product.name} is priced in ${product.currency}, but your cart holds items in ${cart.currency}; one cart holds one currency.`,
          error,
        );
      }
      throw this.#failure(error);
    }
    throw new ShopError(
      'Your cart keeps changing in another window; nothing was added. Please try again.',
    );
  }

  /** Sets a line's quantity on the cart version the shopper sees; 0 removes the line. */
  async setQuantity(cart: CartDto, productId: string, quantity: number): Promise<CartDto> {
    const { data, error } = await setCartItem({
      client: this.client,
      path: { id: cart.id, productId },
      body: { quantity, version: cart.version },
    });
    if (data) return data;
    if (isProblem(error, 'VERSION_CONFLICT')) {
      const now = await this.cart();
      throw new ShopError(
        `Your cart was changed in another window: ${describeCartChanges(cart, now)}. Nothing was changed here; this is your cart as it is now.`,
        error,
        { cart: now },
      );
    }
    if (isProblem(error, 'CART_CHECKED_OUT', 'NOT_FOUND')) throw this.#cartGone(error);
    throw this.#failure(error);
  }

  /** Buys the whole cart, all or nothing. */
  async checkoutCart(cart: CartDto): Promise<OrderDto> {
    const { data, error } = await sendOnce((headers) =>
      checkoutCart({ client: this.client, path: { id: cart.id }, headers }),
    );
    if (data) {
      this.cartIds.clear();
      for (const line of cart.items) void this.#refreshQuietly(line.productId);
      return data;
    }
    if (isProblem(error, 'OUT_OF_STOCK')) {
      const shortages = shortagesOf(error);
      for (const { productId, available } of shortages) {
        this.feed?.publish({ productId, stock: available });
      }
      const names = new Map(cart.items.map((line) => [line.productId, line.name]));
      const what = shortages
        .map((s) => shortageSentence(names.get(s.productId) ?? 'An item', s))
        .join('; ');
      const now = await this.cart().catch(() => undefined);
      throw new ShopError(
        `Not checked out: ${what}. Nothing was bought and your cart is kept; change or remove ${shortages.length === 1 ? 'that item' : 'those items'} and check out again.`,
        error,
        { cart: now },
      );
    }
    if (isProblem(error, 'VERSION_CONFLICT')) {
      const now = await this.cart().catch(() => undefined);
      const changes = now === undefined ? '' : ` (${describeCartChanges(cart, now)})`;
      throw new ShopError(
        `Your cart changed while checking out${changes}. Nothing was bought; check it and check out again.`,
        error,
        { cart: now },
      );
    }
    if (isProblem(error, 'CART_CHECKED_OUT', 'NOT_FOUND')) throw this.#cartGone(error);
    if (isProblem(error, 'CART_EMPTY')) {
      throw new ShopError('Your cart is empty: there is nothing to check out.', error, {
        cart: await this.cart().catch(() => undefined),
      });
    }
    throw this.#failure(error);
  }

  async order(id: string, signal?: AbortSignal): Promise<OrderDto> {
    const { data, error } = await getOrder({ client: this.client, path: { id }, signal });
    if (data) return data;
    if (isProblem(error, 'NOT_FOUND', 'VALIDATION_FAILED')) {
      throw new ShopError(`There is no order ${id}.`, error);
    }
    throw this.#failure(error);
  }

  async #newCart(product: ProductDto, quantity: number): Promise<CartDto> {
    const { data, error } = await createCart({
      client: this.client,
      body: { items: [{ productId: product.id, quantity }] },
    });
    if (data) {
      this.cartIds.set(data.id);
      return data;
    }
    if (isProblem(error, 'NOT_FOUND')) {
      throw new ShopError(`${product.name} is no longer for sale.`, error);
    }
    throw this.#failure(error);
  }

  #cartGone(problem: ProblemDetailsDto): ShopError {
    this.cartIds.clear();
    return new ShopError(
      'This cart has already been checked out (perhaps in another window), so it cannot change any more. Your cart is now empty.',
      problem,
      { cart: null },
    );
  }

  async #refreshQuietly(productId: string): Promise<void> {
    await this.product(productId).catch(() => undefined);
  }

  #unwrap<T>({ data, error }: SdkResult<T>): T {
    if (data !== undefined && error === undefined) return data;
    throw this.#failure(error);
  }

  #failure(error: unknown): ShopError {
    if (error instanceof DOMException && error.name === 'AbortError') throw error;
    return new ShopError(describeFailure(error), isProblem(error) ? error : undefined);
  }
}
