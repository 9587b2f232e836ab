import type { StockFeed, StockUpdate } from '../live/stock-feed.js';
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
  /** The HTTP answer (absent when none came). */
  response?: Response;
}

const PAGE_SIZE = 100;

/**
 * Resending a purchase the store could not take (503, or no answer): at most this many sends,
 * and at most this long spent waiting between them, before the shopper is told to try later.
 */
const MAX_SENDS = 6;
const MAX_WAITING_MS = 30_000;
/** The wait before a resend when the store names none; doubles with each resend, up to the most. */
const FIRST_RESEND_MS = 1000;
const MOST_RESEND_MS = 8000;

/** A fresh key per purchase (crypto.randomUUID needs a secure context; this does not). */
function idempotencyKey(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (byte) => byte.toString(16).padStart(2, '0')).join('');
}

/**
 * Why a purchase is about to be sent again, and in how long: told to the shopper, who sees a
 * wait instead of an error. `busy`: the store's queue is full (503 OVERLOADED, at a drop's start);
 * `unavailable`: another 503 (its database away); `no-answer`: the connection dropped.
 */
export interface RetryNotice {
  reason: 'busy' | 'unavailable' | 'no-answer';
  /** Whole seconds until the next send, at least 1. */
  seconds: number;
  /** The send about to be made: 2 for the first resend. */
  attempt: number;
}

/** What the shopper reads while a purchase waits to be sent again. */
export function retryText({ reason, seconds }: RetryNotice): string {
  const when = `trying again in ${seconds} s…`;
  if (reason === 'busy') return `The store is very busy; ${when}`;
  if (reason === 'unavailable') return `The store is not answering properly; ${when}`;
  return `No answer from the store; ${when}`;
}

/** Options of the purchases ({@link Shop.buyNow}, {@link Shop.checkoutCart}). */
export interface PurchaseOptions {
  /** Called before each wait to resend the purchase (same Idempotency-Key), to tell the shopper. */
  onRetry?: (notice: RetryNotice) => void;
}

/**
 * The wait a 503 asks for, in ms: its Retry-After header (seconds, or an HTTP date), else the
 * problem's `retryAfterSeconds`; 0 when it names none.
 */
export function retryAfterMs(result: SdkResult<unknown>, now = Date.now()): number {
  const header = result.response?.headers.get('retry-after')?.trim();
  if (header) {
    if (/^\d+$/.test(header)) return Number(header) * 1000;
    const date = Date.parse(header);
    if (Number.isFinite(date)) return Math.max(0, date - now);
  }
  const seconds = isProblem(result.error) ? result.error.retryAfterSeconds : undefined;
  return typeof seconds === 'number' && seconds > 0 ? seconds * 1000 : 0;
}

/** Sentence for an error no operation-specific rule covers. */
export function describeFailure(error: unknown): string {
  if (isProblem(error)) {
    if (error.status === 429) return error.detail;
    if (error.code === 'VALIDATION_FAILED' && error.errors?.length) {
      return `${capitalize(error.errors.map((e) => e.message).join('; '))}.`;
    }
    if (error.code === 'OVERLOADED') {
      // Refused before it was queued: certainly not bought.
      return 'The store is too busy right now; nothing was bought. Please try again in a moment.';
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
      // No `remaining`: the quantity asked for is past the limit whatever was bought before.
      if (problem.remaining === undefined) {
        return `${name} is limited to ${limit} per customer; you asked for ${requested}.`;
      }
      const remaining = problem.remaining;
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
  /** Source of randomness for the jitter of resends (tests pass a fixed one). */
  random?: () => number;
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
  readonly #random: () => number;
  /**
   * The Idempotency-Key of each purchase (by route and body) whose last send ended without an
   * answer that settles it (a 503 to the end, or no answer): the same purchase asked again gets
   * the same key, so that it is never bought twice, even across clicks.
   */
  readonly #unsettledKeys = new Map<string, string>();

  constructor({
    client,
    cartIds = localCartIds(),
    feed,
    clock = new ServerClock(),
    emails = sessionEmails(),
    random = Math.random,
  }: ShopOptions) {
    this.client = client;
    this.cartIds = cartIds;
    this.feed = feed;
    this.clock = clock;
    this.emails = emails;
    this.#random = random;
  }

  /** The email the shopper last bought with in this session, to offer again; "" when none. */
  get email(): string {
    return this.emails.get() ?? '';
  }

  /** The whole catalogue, reading it a page at a time; sets {@link Shop.clock}. */
  products(signal?: AbortSignal): Promise<ProductDto[]> {
    return this.#catalogue({ clock: true, signal });
  }

  /**
   * Every product's stock as it is now, for a page whose live stock is down: the catalogue read
   * again, which the browser may revalidate (ETag, 304) instead of downloading; so it leaves the
   * clock alone (see {@link Shop.#page}).
   */
  async stock(signal?: AbortSignal): Promise<StockUpdate[]> {
    const products = await this.#catalogue({ clock: false, signal });
    return products.map(({ id, stock, version }) => ({ productId: id, stock, version }));
  }

  /** Reads the service's clock again (one product, for its page's `serverTime`). */
  async syncClock(): Promise<void> {
    await this.#page({ limit: 1, offset: 0 }, { clock: true });
  }

  async #catalogue({ clock, signal }: { clock: boolean; signal?: AbortSignal }) {
    const products: ProductDto[] = [];
    for (let offset = 0; ; offset += PAGE_SIZE) {
      const page = await this.#page({ limit: PAGE_SIZE, offset }, { clock, signal });
      products.push(...page.items);
      if (page.items.length < PAGE_SIZE || products.length >= page.total) return products;
    }
  }

  /**
   * One page of the catalogue. With `clock`, its `serverTime` sets {@link Shop.clock}, and it is
   * read with `cache: 'no-store'`: the service answers the catalogue with an ETag and
   * `Cache-Control: no-cache`, and a browser that revalidates it (304) hands back the stored body,
   * whose `serverTime` is as old as that copy, which would set the clock back by its age. A read
   * that may come from the cache (the polls, {@link Shop.stock}) does not set the clock.
   */
  async #page(
    query: { limit: number; offset: number },
    { clock, signal }: { clock: boolean; signal?: AbortSignal },
  ) {
    const sentAt = this.clock.local();
    const result = await listProducts({
      client: this.client,
      query,
      signal,
      ...(clock ? { cache: 'no-store' as const } : {}),
    });
    const receivedAt = this.clock.local();
    const page = this.#unwrap(result);
    // Optional at run time: a service older than sale windows does not send it.
    if (clock && typeof page.serverTime === 'string') {
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
  async buyNow(
    seen: ProductDto,
    quantity = 1,
    email?: string,
    { onRetry }: PurchaseOptions = {},
  ): Promise<OrderDto> {
    const customer = this.#customer(email);
    const body = { productId: seen.id, quantity, ...customer };
    const { data, error } = await this.#send(
      `POST /checkout ${JSON.stringify(body)}`,
      (headers) => checkout({ client: this.client, body, headers }),
      onRetry,
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
  async checkoutCart(
    cart: CartDto,
    email?: string,
    { onRetry }: PurchaseOptions = {},
  ): Promise<OrderDto> {
    const customer = this.#customer(email);
    const body = customer.email === undefined ? undefined : customer;
    const { data, error } = await this.#send(
      `POST /cart/${cart.id}/checkout ${JSON.stringify(body ?? null)}`,
      (headers) => checkoutCart({ client: this.client, path: { id: cart.id }, body, headers }),
      onRetry,
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

  /**
   * Sends a purchase with an Idempotency-Key, and sends it again with the same key when the store
   * answers 503 (its queue is full at a drop's start, or its database is away) or no answer
   * arrives (the connection dropped): the server then answers what happened the first time
   * instead of buying twice. Each wait is at least the Retry-After the store asked for and the
   * backoff, plus up to half as much again at random, so that the shoppers turned away together
   * do not all come back in the same instant; `onRetry` hears of each. After {@link MAX_SENDS}
   * sends, or when the next wait would take the waiting past {@link MAX_WAITING_MS}, the last
   * answer is returned (or its failure thrown). `purchase` names the purchase (route and body).
   */
  async #send<R extends SdkResult<unknown>>(
    purchase: string,
    send: (headers: Record<string, string>) => Promise<R>,
    onRetry?: (notice: RetryNotice) => void,
  ): Promise<R> {
    const key = this.#unsettledKeys.get(purchase) ?? idempotencyKey();
    this.#unsettledKeys.set(purchase, key);
    const headers = { 'Idempotency-Key': key };
    let waited = 0;
    for (let attempt = 1; ; attempt++) {
      let last: () => R;
      let reason: RetryNotice['reason'];
      let askedMs = 0;
      try {
        const result = await send(headers);
        if (!(isProblem(result.error) && result.error.status === 503)) {
          this.#unsettledKeys.delete(purchase);
          return result;
        }
        last = () => result;
        reason = result.error.code === 'OVERLOADED' ? 'busy' : 'unavailable';
        askedMs = retryAfterMs(result);
      } catch (error) {
        // fetch rejects with a TypeError when no answer came back at all.
        if (!(error instanceof TypeError)) throw error;
        last = () => {
          throw error;
        };
        reason = 'no-answer';
      }
      const backoff = Math.min(FIRST_RESEND_MS * 2 ** (attempt - 1), MOST_RESEND_MS);
      const wait = Math.round(Math.max(askedMs, backoff) * (1 + this.#random() / 2));
      if (attempt >= MAX_SENDS || waited + wait > MAX_WAITING_MS) return last();
      onRetry?.({ reason, seconds: Math.max(1, Math.ceil(wait / 1000)), attempt: attempt + 1 });
      await new Promise((resolve) => setTimeout(resolve, wait));
      waited += wait;
    }
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
