// An in-memory stand-in for the Flash Store API, behind the SDK's `fetch` option: the components
// and the Shop run unchanged on top of the real SDK; only the HTTP server is replaced. It applies
// the API's rules from the SDK (drops: sale windows on the service's clock, limits per customer;
// stock; the cart's lines and subtotal), answers the operations the storefront uses, and lets a
// test play "another shopper" or make a request fail or wait. It also serves the live-stock
// stream to EventSources of its own (eventSource), which behave as the browser's do. Every answer
// is checked against openapi/openapi.json (contract.ts): one the document does not allow fails
// the test.
import { type EventSourceLike, StockFeed } from '../live/stock-feed.js';
import { memoryCartIds } from '../shop/cart-ids.js';
import { type EmailStore, memoryEmails } from '../shop/customer-email.js';
import type { ServerClock } from '../shop/server-clock.js';
import {
  type CartDto,
  type CheckoutCartDto,
  type CheckoutDto,
  type Client,
  type CreateCartDto,
  type OrderDto,
  type ProductDto,
  type SetCartItemDto,
  cartDto,
  createStoreClient,
  customerKey,
  saleRefusal,
  shortage,
} from '../shop/sdk.js';
import { Shop } from '../shop/shop.js';
import { assertConforms } from './contract.js';
import {
  type Problem,
  cartCheckedOut,
  cartEmpty,
  notFound,
  outOfStock,
  problemDocument,
  routeNotFound,
  saleRefused,
  versionConflict,
} from './problems.js';

interface StoredCart {
  id: string;
  version: number;
  status: 'open' | 'checked_out';
  items: { productId: string; quantity: number }[];
}

interface Hold {
  route: string;
  reached: () => void;
  released: Promise<void>;
}

let counter = 0;
let requests = 0;
const uuid = () => `00000000-0000-4000-8000-${String(++counter).padStart(12, '0')}`;

/** A line of a purchase, on the product it buys. */
interface Line {
  product: ProductDto;
  quantity: number;
}

function json(status: number, body: unknown): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { 'content-type': 'application/json' },
  });
}

export class FakeStore {
  readonly products = new Map<string, ProductDto>();
  readonly carts = new Map<string, StoredCart>();
  readonly orders = new Map<string, OrderDto>();
  /** Every request, as "METHOD /path". */
  readonly requests: string[] = [];
  /** Every request's Idempotency-Key (null when none) and cache mode, with its route, in order. */
  readonly sent: { route: string; idempotencyKey: string | null; cache: RequestCache }[] = [];
  /** Every request that carried a body, with its route, in order. */
  readonly bodies: { route: string; body: unknown }[] = [];
  /**
   * The service's clock (ms since the epoch): sale windows open and close by it, and each product
   * page carries it as `serverTime`. A test may set it, e.g. ahead of the page's clock.
   */
  now: () => number = () => Date.now();
  /**
   * The most live-stock streams open at once (the service's EVENT_STREAMS_MAX): past it, and
   * while it is 0, `GET /products/events` answers 503 with Retry-After.
   */
  streamsMax = Number.POSITIVE_INFINITY;
  /** How long a browser waits before reopening a lost stream (the stream's `retry:`). */
  streamRetryMs = 1000;
  /**
   * Plays the browser's HTTP cache in front of this fake (whose `fetch` no browser cache sees):
   * the catalogue comes with an ETag and `Cache-Control: no-cache`, so the browser keeps it and
   * asks again with If-None-Match; on a 304 it hands the page the body it kept, `serverTime`
   * included. A read made with `cache: 'no-store'` bypasses it.
   */
  httpCache = false;
  /** Reads the played cache answered with a kept body after a 304 (see {@link FakeStore.httpCache}). */
  revalidated = 0;
  readonly #cached = new Map<string, { etag: string; text: string }>();
  #failures: { route: string; problem: Problem }[] = [];
  #holds: Hold[] = [];
  readonly #streams = new Set<FakeEventSource>();

  // ---- arranging -----------------------------------------------------------------------------

  addProduct(fields: Partial<ProductDto> & { name: string }): ProductDto {
    const product: ProductDto = {
      id: uuid(),
      sku: `SKU-${counter}`,
      description: '',
      priceCents: 1000,
      currency: 'USD',
      stock: 10,
      version: 1,
      saleStartsAt: null,
      saleEndsAt: null,
      maxPerCustomer: null,
      compareAtPriceCents: null,
      imageUrl: null,
      ...fields,
    };
    this.products.set(product.id, product);
    return { ...product };
  }

  /** Makes a cart directly (as if made earlier) and returns its id. */
  addCart(items: { productId: string; quantity: number }[]): string {
    const id = uuid();
    this.carts.set(id, { id, version: 1, status: 'open', items: items.map((i) => ({ ...i })) });
    return id;
  }

  /** Another shopper buys `quantity`: stock and version change behind the page's back. */
  sell(productId: string, quantity: number): void {
    const product = this.#product(productId);
    product.stock -= quantity;
    product.version += 1;
    this.#announce(product);
  }

  /** The admin edits the product. */
  edit(productId: string, fields: Partial<ProductDto>): void {
    Object.assign(this.#product(productId), fields);
    this.#product(productId).version += 1;
    this.#announce(this.#product(productId));
  }

  // ---- live stock ----------------------------------------------------------------------------

  /**
   * Opens `GET /products/events` on this fake as a browser's EventSource does (hand it to
   * LiveStockFeed's `openEventSource`): open on a 200 text/event-stream answer, then a `stock`
   * event for each change of a product (a sale here, {@link FakeStore.sell}, {@link FakeStore.edit});
   * on any other answer, `error` with readyState CLOSED, and it never tries again.
   */
  readonly eventSource = (url: string): EventSourceLike => {
    const source = new FakeEventSource(this, url);
    void source.connect();
    return source;
  };

  /** Streams open now. */
  get openStreams(): number {
    return this.#streams.size;
  }

  /**
   * Every open stream's connection is lost (the service restarted, a proxy cut it): as a browser
   * does, each says `error` while CONNECTING and asks again after {@link FakeStore.streamRetryMs}.
   */
  dropStreams(): void {
    const dropped = [...this.#streams];
    this.#streams.clear();
    for (const source of dropped) source.lost(this.streamRetryMs);
  }

  /** Several products' stock in one burst, as a service that conflates changes sends them. */
  announce(...productIds: string[]): void {
    for (const id of productIds) this.#announce(this.#product(id));
  }

  /** @internal: a stream's answer was accepted (true) or it ended (false). */
  track(source: FakeEventSource, open: boolean): void {
    if (open) this.#streams.add(source);
    else this.#streams.delete(source);
  }

  #announce({ id, stock, version }: ProductDto): void {
    const data = JSON.stringify({ productId: id, stock, version });
    for (const source of this.#streams) source.emit('stock', data);
  }

  /** Another window changes a cart line (0 removes it). */
  editCart(cartId: string, productId: string, quantity: number): void {
    const cart = this.carts.get(cartId)!;
    cart.items = cart.items.filter((line) => line.productId !== productId);
    if (quantity > 0) cart.items.push({ productId, quantity });
    cart.version += 1;
  }

  /** The next request to `route` (e.g. "POST /checkout", "GET /products") gets this problem. */
  failNext(route: string, problem: Problem): void {
    this.#failures.push({ route, problem });
  }

  /**
   * Requests to `route` wait until `release()`; `reached` resolves when the first one arrives.
   */
  hold(route: string): { reached: Promise<void>; release: () => void } {
    let release!: () => void;
    let reached!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    const arrived = new Promise<void>((resolve) => (reached = resolve));
    const hold: Hold = { route, reached, released };
    this.#holds.push(hold);
    return {
      reached: arrived,
      release: () => {
        this.#holds = this.#holds.filter((h) => h !== hold);
        release();
      },
    };
  }

  count(route: string): number {
    return this.requests.filter((request) => request === route).length;
  }

  // ---- the SDK's view ------------------------------------------------------------------------

  client(): Client {
    return createStoreClient({ baseUrl: 'http://store.test', fetch: this.fetch });
  }

  /**
   * A Shop on this fake, with its cart id and the shopper's email in memory (so that no test
   * leaves them behind for the next), and a feed the test can also publish to. `clock`: the
   * page's view of the service's clock, e.g. a ServerClock on a shopper's clock the test sets.
   */
  shop(
    options: {
      cartId?: string | null;
      feed?: StockFeed;
      clock?: ServerClock;
      emails?: EmailStore;
      random?: () => number;
    } = {},
  ): Shop {
    return new Shop({
      client: this.client(),
      cartIds: memoryCartIds(options.cartId ?? null),
      feed: options.feed ?? new StockFeed(),
      clock: options.clock,
      emails: options.emails ?? memoryEmails(),
      random: options.random,
    });
  }

  /** Units of a product in every order placed with this customer's email (any +tag or case). */
  bought(email: string, productId: string): number {
    const customer = customerKey(email);
    let units = 0;
    for (const order of this.orders.values()) {
      if (order.email === null || customerKey(order.email) !== customer) continue;
      for (const line of order.items) if (line.productId === productId) units += line.quantity;
    }
    return units;
  }

  cartDto(id: string): CartDto {
    const cart = this.carts.get(id)!;
    return cartDto(cart, this.#lines(cart.items));
  }

  readonly fetch = async (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
    const request = input instanceof Request ? input : new Request(input, init);
    const url = new URL(request.url);
    const route = `${request.method} ${url.pathname}`;
    this.requests.push(route);
    const idempotencyKey = request.headers.get('idempotency-key');
    this.sent.push({ route, idempotencyKey, cache: request.cache });
    const pattern = (r: string) => r === route || routeMatches(r, route);
    for (const hold of this.#holds.filter((h) => pattern(h.route))) {
      hold.reached();
      await hold.released;
    }
    const cacheable = this.httpCache && request.method === 'GET' && request.cache !== 'no-store';
    const kept = cacheable ? this.#cached.get(request.url) : undefined;
    const ifNoneMatch = request.headers.get('if-none-match') ?? kept?.etag;
    const failure = this.#failures.find((f) => pattern(f.route));
    let answer: Response | Problem;
    if (failure) {
      this.#failures = this.#failures.filter((f) => f !== failure);
      answer = failure.problem;
    } else {
      const text = request.method === 'GET' ? undefined : await request.text();
      const body: unknown = text ? JSON.parse(text) : undefined;
      if (body !== undefined) this.bodies.push({ route, body });
      answer = this.#handle(request.method, url, body, ifNoneMatch);
    }
    const response = this.#respond(answer, url);
    await assertConforms(request, response);
    if (!cacheable) return response;
    // The played browser cache: a 304 becomes the kept body; a fresh tagged answer is kept.
    if (response.status === 304 && kept) {
      this.revalidated += 1;
      const headers = new Headers(response.headers);
      headers.set('content-type', 'application/json');
      return new Response(kept.text, { status: 200, headers });
    }
    const etag = response.headers.get('etag');
    if (response.status === 200 && etag) {
      this.#cached.set(request.url, { etag, text: await response.clone().text() });
    }
    return response;
  };

  /**
   * A catalogue answer as the service gives it: with a weak ETag of what it shows (not
   * `serverTime`) and `Cache-Control: no-cache`; 304 without a body when If-None-Match names it.
   */
  #tagged(body: object, ifNoneMatch: string | null | undefined): Response {
    const shown: Record<string, unknown> = { ...body };
    delete shown.serverTime;
    const etag = `W/"${hash(JSON.stringify(shown))}"`;
    const headers = { etag, 'cache-control': 'no-cache' };
    if (
      ifNoneMatch !== undefined &&
      ifNoneMatch !== null &&
      ifNoneMatch.split(/\s*,\s*/).includes(etag)
    ) {
      return new Response(null, { status: 304, headers });
    }
    return new Response(JSON.stringify(body), {
      status: 200,
      headers: { ...headers, 'content-type': 'application/json' },
    });
  }

  /** The answer as the service sends it: with its request id; a problem as a problem document. */
  #respond(answer: Response | Problem, url: URL): Response {
    const requestId = `fake-${++requests}`;
    if (answer instanceof Response) {
      answer.headers.set('x-request-id', requestId);
      return answer;
    }
    const body = problemDocument(answer, { instance: url.pathname + url.search, requestId });
    const headers = new Headers({
      'content-type': 'application/problem+json',
      'x-request-id': requestId,
    });
    if (body.retryAfterSeconds !== undefined) {
      headers.set('retry-after', String(body.retryAfterSeconds));
    }
    return new Response(JSON.stringify(body), { status: body.status, headers });
  }

  #handle(
    method: string,
    url: URL,
    body: unknown,
    ifNoneMatch?: string | null,
  ): Response | Problem {
    const path = url.pathname.split('/').filter(Boolean);
    const [first, id, sub, productId] = path;
    if (method === 'GET' && first === 'products' && path.length === 1) {
      const limit = Number(url.searchParams.get('limit') ?? 20);
      const offset = Number(url.searchParams.get('offset') ?? 0);
      const all = [...this.products.values()];
      return this.#tagged(
        {
          items: all.slice(offset, offset + limit),
          serverTime: new Date(this.now()).toISOString(),
          total: all.length,
          limit,
          offset,
        },
        ifNoneMatch,
      );
    }
    if (method === 'GET' && first === 'products' && id === 'events' && path.length === 2) {
      if (this.#streams.size >= this.streamsMax) {
        return {
          code: 'OVERLOADED',
          detail: `${this.streamsMax} live-stock streams are already open; try again later.`,
          retryAfterSeconds: 5,
        };
      }
      return new Response(': ok\n\n', {
        status: 200,
        headers: { 'content-type': 'text/event-stream', 'cache-control': 'no-store' },
      });
    }
    if (method === 'GET' && first === 'products' && id && path.length === 2) {
      const product = this.products.get(id);
      return product ? this.#tagged(product, ifNoneMatch) : notFound('Product', id);
    }
    if (method === 'POST' && first === 'checkout' && path.length === 1) {
      return this.#checkout(body as CheckoutDto);
    }
    if (method === 'POST' && first === 'cart' && path.length === 1) {
      const { items } = body as CreateCartDto;
      const missing = items.find((line) => !this.products.has(line.productId));
      if (missing) return notFound('Product', missing.productId);
      return json(201, this.cartDto(this.addCart(items)));
    }
    if (first === 'cart' && id) {
      const cart = this.carts.get(id);
      if (!cart) return notFound('Cart', id);
      if (method === 'GET' && path.length === 2) return json(200, this.cartDto(id));
      if (method === 'PUT' && sub === 'items' && productId && path.length === 4) {
        return this.#setItem(cart, productId, body as SetCartItemDto);
      }
      if (method === 'POST' && sub === 'checkout' && path.length === 3) {
        return this.#checkoutCart(cart, body as CheckoutCartDto | undefined);
      }
    }
    if (method === 'GET' && first === 'orders' && id && path.length === 2) {
      const order = this.orders.get(id);
      return order ? json(200, order) : notFound('Order', id);
    }
    return routeNotFound(method, url.pathname);
  }

  #checkout(body: CheckoutDto): Response | Problem {
    const product = this.products.get(body.productId);
    if (!product) return notFound('Product', body.productId);
    if (body.expectedVersion !== undefined && body.expectedVersion !== product.version) {
      return versionConflict(
        product.version,
        `Product ${product.id} has changed since version ${body.expectedVersion}; reload it and try again.`,
      );
    }
    return (
      this.#sell([{ product, quantity: body.quantity }], body.email) ??
      json(201, this.#order([{ product, quantity: body.quantity }], body.email))
    );
  }

  #setItem(cart: StoredCart, productId: string, body: SetCartItemDto): Response | Problem {
    if (body.version !== cart.version) return versionConflict(cart.version);
    if (cart.status === 'checked_out') return cartCheckedOut(cart.id);
    if (!this.products.has(productId)) return notFound('Product', productId);
    const line = cart.items.find((item) => item.productId === productId);
    if (body.quantity === 0) cart.items = cart.items.filter((item) => item !== line);
    else if (line) line.quantity = body.quantity;
    else cart.items.push({ productId, quantity: body.quantity });
    cart.version += 1;
    return json(200, this.cartDto(cart.id));
  }

  #checkoutCart(cart: StoredCart, body: CheckoutCartDto | undefined): Response | Problem {
    if (cart.status === 'checked_out') return cartCheckedOut(cart.id);
    if (cart.items.length === 0) return cartEmpty(cart.id);
    const lines = this.#lines(cart.items);
    const refusal = this.#sell(lines, body?.email, { itemised: true });
    if (refusal) return refusal;
    cart.status = 'checked_out';
    cart.version += 1;
    return json(201, this.#order(lines, body?.email));
  }

  /**
   * Sells lines bought together, all or nothing, by the API's rules (the SDK's): each line's
   * drop rules at {@link FakeStore.now}, then the stock. The refusal, or nothing when sold.
   */
  #sell(lines: Line[], email: string | undefined, { itemised = false } = {}): Problem | undefined {
    for (const { product, quantity } of lines) {
      const bought = email ? this.bought(email, product.id) : 0;
      const refusal = saleRefusal(product, quantity, this.now(), { email, bought });
      if (refusal) return saleRefused(refusal);
    }
    const shortages = lines.flatMap(({ product, quantity }) => shortage(product, quantity) ?? []);
    if (shortages.length > 0) return outOfStock(shortages, { itemised });
    for (const { product, quantity } of lines) {
      product.stock -= quantity;
      product.version += 1;
    }
    for (const { product } of lines) this.#announce(product);
    return undefined;
  }

  #order(lines: Line[], email?: string): OrderDto {
    const order: OrderDto = {
      id: uuid(),
      status: 'confirmed',
      email: email ? email.trim() : null,
      items: lines.map(({ product, quantity }) => ({
        productId: product.id,
        name: product.name,
        quantity,
        unitPriceCents: product.priceCents,
      })),
      totalCents: lines.reduce(
        (sum, { product, quantity }) => sum + product.priceCents * quantity,
        0,
      ),
      currency: lines[0].product.currency,
      createdAt: new Date('2026-11-24T10:30:00Z').toISOString(),
    };
    this.orders.set(order.id, order);
    return order;
  }

  #lines(items: StoredCart['items']): Line[] {
    return items.map(({ productId, quantity }) => ({
      product: this.#product(productId),
      quantity,
    }));
  }

  #product(id: string): ProductDto {
    const product = this.products.get(id);
    if (!product) throw new Error(`FakeStore: no product ${id}`);
    return product;
  }
}

const CONNECTING = 0;
const OPEN = 1;
const CLOSED = 2;

/** A browser's EventSource on the FakeStore's stream (see {@link FakeStore.eventSource}). */
class FakeEventSource extends EventTarget implements EventSourceLike {
  readyState = CONNECTING;
  #retry: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly store: FakeStore,
    readonly url: string,
  ) {
    super();
  }

  async connect(): Promise<void> {
    let response: Response | undefined;
    try {
      response = await this.store.fetch(new URL(this.url, 'http://store.test'), {
        headers: { accept: 'text/event-stream' },
      });
    } catch {
      // No answer (or one the document does not allow, which fails the test anyway).
    }
    if (this.readyState === CLOSED) return;
    const type = response?.headers.get('content-type') ?? '';
    if (response?.status === 200 && type.startsWith('text/event-stream')) {
      this.readyState = OPEN;
      this.store.track(this, true);
      this.dispatchEvent(new Event('open'));
    } else {
      // Any other answer: the browser fails the stream for good.
      this.readyState = CLOSED;
      this.dispatchEvent(new Event('error'));
    }
  }

  emit(type: string, data: string): void {
    if (this.readyState === OPEN) this.dispatchEvent(new MessageEvent(type, { data }));
  }

  /** The connection broke: the browser says so, and asks again after `retryMs`. */
  lost(retryMs: number): void {
    if (this.readyState !== OPEN) return;
    this.readyState = CONNECTING;
    this.dispatchEvent(new Event('error'));
    this.#retry = setTimeout(() => {
      if (this.readyState === CONNECTING) void this.connect();
    }, retryMs);
  }

  close(): void {
    this.readyState = CLOSED;
    clearTimeout(this.#retry);
    this.store.track(this, false);
  }
}

/** A short hash of `text` (FNV-1a), for the played ETags. */
function hash(text: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return (h >>> 0).toString(16);
}

/** "GET /cart/*" matches "GET /cart/123"; "*" stands for one path segment. */
function routeMatches(pattern: string, route: string): boolean {
  if (!pattern.includes('*')) return false;
  const regex = new RegExp(`^${pattern.split('*').map(escape).join('[^/]+')}$`);
  return regex.test(route);
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
