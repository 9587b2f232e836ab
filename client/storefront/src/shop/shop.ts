import type { StockFeed } from '../live/stock-feed.js';
import { type CartIdStore, localCartIds } from './cart-ids.js';
import { type EmailStore, sessionEmails } from './customer-email.js';
import { formatMoney } from './money.js';
import { formatWait, momentPhrase } from './sale-window.js';
import { ServerClock } from './server-clock.js';
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

/** The codes by which a drop's rules refuse a purchase. */
const DROP_REFUSALS = [
  'SALE_NOT_STARTED',
  'SALE_ENDED',
  'EMAIL_REQUIRED',
  'PURCHASE_LIMIT_REACHED',
] as const;

/**
 * Why a drop's rules refused a purchase of `name`, in one sentence without the final "Nothing
 * was bought" and not capitalised: when it opens, that it ended, or how much of the limit this
 * email has used.
 * `email` is the address sent, `requested` the units asked for, `now` the service's clock.
 */
export function dropRefusalSentence(
  problem: ProblemDetailsDto,
  name: string,
  { email, requested, now }: { email?: string; requested: number; now: number },
): string {
  const limit = problem.limit ?? 0;
  switch (problem.code) {
    case 'SALE_NOT_STARTED': {
      const startsAt = problem.startsAt;
      const wait =
        problem.retryAfterSeconds !== undefined
          ? formatWait(problem.retryAfterSeconds * 1000)
          : startsAt
            ? formatWait(Date.parse(startsAt) - now)
            : undefined;
      if (!startsAt) return `the ${name} drop has not opened yet.`;
      return `the ${name} drop opens ${momentPhrase(startsAt, now)}${wait ? ` (in ${wait})` : ''}.`;
    }
    case 'SALE_ENDED':
      return problem.endsAt
        ? `the sale of ${name} ended ${momentPhrase(problem.endsAt, now)}.`
        : `the sale of ${name} has ended.`;
    case 'EMAIL_REQUIRED':
      return `${name} is limited to ${limit} per customer, so buying it needs your email.`;
    case 'PURCHASE_LIMIT_REACHED': {
      const remaining = problem.remaining ?? 0;
      const bought = Math.max(0, limit - remaining);
      const withEmail = email ? ` with ${email}` : '';
      if (remaining <= 0) {
        return `${name} is limited to ${limit} per customer, and you have already bought ${bought}${withEmail}.`;
      }
      return (
        `${name} is limited to ${limit} per customer, and you have already bought ${bought}${withEmail}: ` +
        `you can buy ${remaining} more (you asked for ${requested}).`
      );
    }
    default:
      return describeFailure(problem).replace(/\.$/, '');
  }
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
  /** The service's clock, set from each product page's `serverTime`; a new one by default. */
  clock?: ServerClock;
  /** Where the shopper's email is remembered; `sessionStorage` by default. */
  emails?: EmailStore;
}

/**
 * What a shopper can do, on top of the SDK: each method either returns what was asked for or throws
 * a {@link ShopError} whose message can be shown as it is.
 */
export class Shop {
  readonly client: Client;
  readonly cartIds: CartIdStore;
  readonly feed: StockFeed | undefined;
  /**
   * The service's clock, by which sale windows open and close: count down on this, not on the
   * shopper's clock. Every product page read sets it again.
   */
  readonly clock: ServerClock;
  readonly emails: EmailStore;

  constructor({
    client,
    cartIds = localCartIds(),
    feed,
    clock = new ServerClock(),
    emails = sessionEmails(),
  }: ShopOptions) {
    this.client = client;
    this.cartIds = cartIds;
    this.feed = feed;
    this.clock = clock;
    this.emails = emails;
  }

  /** The email the shopper last bought with in this session, to offer again; "" when none. */
  get email(): string {
    return this.emails.get() ?? '';
  }

  /** The whole catalogue, reading it a page at a time. */
  async products(signal?: AbortSignal): Promise<ProductDto[]> {
    const products: ProductDto[] = [];
    for (let offset = 0; ; offset += PAGE_SIZE) {
      const page = await this.#page({ limit: PAGE_SIZE, offset }, signal);
      products.push(...page.items);
      if (page.items.length < PAGE_SIZE || products.length >= page.total) return products;
    }
  }

  /** Reads the service's clock again (one product, for its page's `serverTime`). */
  async syncClock(): Promise<void> {
    await this.#page({ limit: 1, offset: 0 });
  }

  /** One page of the catalogue; its `serverTime` sets {@link Shop.clock}. */
  async #page(query: { limit: number; offset: number }, signal?: AbortSignal) {
    const sentAt = this.clock.local();
    const result = await listProducts({ client: this.client, query, signal });
    const receivedAt = this.clock.local();
    const page = this.#unwrap(result);
    // Optional at run time: a service older than sale windows does not send it.
    if (typeof page.serverTime === 'string') {
      this.clock.observe(page.serverTime, sentAt, receivedAt);
    }
    return page;
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
   * keeps the price at purchase time, and the confirmation shows it. `email` is needed for a
   * product limited per customer (`maxPerCustomer`); it is sent trimmed and remembered.
   */
  async buyNow(seen: ProductDto, quantity = 1, email?: string): Promise<OrderDto> {
    const customer = this.#customer(email);
    const { data, error } = await sendOnce((headers) =>
      checkout({
        client: this.client,
        body: { productId: seen.id, quantity, ...customer },
        headers,
      }),
    );
    if (data) {
      void this.#refreshQuietly(seen.id);
      return data;
    }
    if (isProblem(error, ...DROP_REFUSALS)) {
      const now = await this.#afterDropRefusal(error, seen.id);
      throw new ShopError(
        `${capitalize(dropRefusalSentence(error, seen.name, { email: customer.email, requested: quantity, now: this.clock.now() }))} Nothing was bought.`,
        error,
        now ? { product: now } : {},
      );
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

  /**
   * Buys the whole cart, all or nothing. `email` is needed when a line is limited per customer
   * (`maxPerCustomer`); it is sent trimmed and remembered.
   */
  async checkoutCart(cart: CartDto, email?: string): Promise<OrderDto> {
    const customer = this.#customer(email);
    const { data, error } = await sendOnce((headers) =>
      checkoutCart({
        client: this.client,
        path: { id: cart.id },
        body: customer.email === undefined ? undefined : customer,
        headers,
      }),
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
    if (isProblem(error, ...DROP_REFUSALS)) {
      const line = cart.items.find((item) => item.productId === error.productId);
      const name = line?.name ?? 'an item';
      await this.#afterDropRefusal(error);
      const why = dropRefusalSentence(error, name, {
        email: customer.email,
        requested: line?.quantity ?? 1,
        now: this.clock.now(),
      });
      const fix =
        error.code === 'SALE_NOT_STARTED' || error.code === 'EMAIL_REQUIRED'
          ? ''
          : error.code === 'PURCHASE_LIMIT_REACHED' && (error.remaining ?? 0) > 0
            ? `; lower ${name} to ${error.remaining} and check out again`
            : `; remove ${name} and check out again`;
      throw new ShopError(
        `Not checked out: ${why} Nothing was bought and your cart is kept${fix}.`,
        error,
        { cart: await this.cart().catch(() => undefined) },
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

  /** The email to send (trimmed), remembered for the session; nothing when none was given. */
  #customer(email: string | undefined): { email?: string } {
    const trimmed = email?.trim();
    if (!trimmed) return {};
    this.emails.set(trimmed);
    return { email: trimmed };
  }

  /**
   * After a drop's rule refused a purchase: when the refusal was about the sale window, the page
   * counted down on a clock or a window that are out of date, so read both again. Returns the
   * product as it is now, when it was re-read.
   */
  async #afterDropRefusal(
    problem: ProblemDetailsDto,
    productId?: string,
  ): Promise<ProductDto | undefined> {
    if (problem.code !== 'SALE_NOT_STARTED' && problem.code !== 'SALE_ENDED') return undefined;
    const [product] = await Promise.all([
      productId ? this.product(productId).catch(() => undefined) : undefined,
      this.syncClock().catch(() => undefined),
    ]);
    return product;
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
