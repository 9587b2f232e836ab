// An in-memory stand-in for the Flash Store API, behind the SDK's `fetch` option: the components
// and the Shop run unchanged on top of the real SDK; only the HTTP server is replaced. It follows
// the API's contract (status codes, problem documents with `code`, versions) for the operations
// the storefront uses, drops included (sale windows on the service's clock, `serverTime` on each
// product page, limits per customer by normalised email), and lets a test play "another shopper"
// or make a request fail or wait.
import { StockFeed } from '../live/stock-feed.js';
import { memoryCartIds } from '../shop/cart-ids.js';
import { type EmailStore, memoryEmails } from '../shop/customer-email.js';
import type { ServerClock } from '../shop/server-clock.js';
import type {
  CartDto,
  CheckoutCartDto,
  CheckoutDto,
  Client,
  CreateCartDto,
  ErrorCode,
  OrderDto,
  ProblemDetailsDto,
  ProductDto,
  SetCartItemDto,
  StockShortageDto,
} from '../shop/sdk.js';
import { createStoreClient } from '../shop/sdk.js';
import { Shop } from '../shop/shop.js';

interface StoredCart {
  id: string;
  version: number;
  status: 'open' | 'checked_out';
  items: { productId: string; quantity: number }[];
}

type Problem = Partial<ProblemDetailsDto> & { status: number; code: ErrorCode | 'RATE_LIMITED' };

interface Hold {
  route: string;
  reached: () => void;
  released: Promise<void>;
}

let counter = 0;
const uuid = () => `00000000-0000-4000-8000-${String(++counter).padStart(12, '0')}`;

const TITLES: Partial<Record<string, string>> = {
  NOT_FOUND: 'Not found',
  OUT_OF_STOCK: 'Out of stock',
  VERSION_CONFLICT: 'Version conflict',
  CART_CHECKED_OUT: 'Cart checked out',
  CART_EMPTY: 'Cart empty',
  SALE_NOT_STARTED: 'Sale not started',
  SALE_ENDED: 'Sale ended',
  EMAIL_REQUIRED: 'Email required',
  PURCHASE_LIMIT_REACHED: 'Purchase limit reached',
};

/**
 * Who a customer is for per-customer limits, as the API decides it: the email trimmed, in lower
 * case, without a `+tag` in its local part.
 */
export function customerKey(email: string): string {
  const address = email.trim().toLowerCase();
  const at = address.lastIndexOf('@');
  const local = address.slice(0, at);
  const plus = local.indexOf('+');
  return plus > 0 ? local.slice(0, plus) + address.slice(at) : address;
}

function problem({ status, code, ...rest }: Problem): Response {
  const body = {
    type: 'about:blank',
    title: TITLES[code] ?? code,
    status,
    code,
    detail: `${code} (fake)`,
    ...rest,
  };
  return new Response(JSON.stringify(body), {
    status,
    headers: { 'content-type': 'application/problem+json' },
  });
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
  /** Every request that carried a body, with its route, in order. */
  readonly bodies: { route: string; body: unknown }[] = [];
  /**
   * The service's clock (ms since the epoch): sale windows open and close by it, and each product
   * page carries it as `serverTime`. A test may set it, e.g. ahead of the page's clock.
   */
  now: () => number = () => Date.now();
  #failures: { route: string; problem: Problem }[] = [];
  #holds: Hold[] = [];

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
  }

  /** The admin edits the product. */
  edit(productId: string, fields: Partial<ProductDto>): void {
    Object.assign(this.#product(productId), fields);
    this.#product(productId).version += 1;
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
    } = {},
  ): Shop {
    return new Shop({
      client: this.client(),
      cartIds: memoryCartIds(options.cartId ?? null),
      feed: options.feed ?? new StockFeed(),
      clock: options.clock,
      emails: options.emails ?? memoryEmails(),
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
    const items = cart.items.map(({ productId, quantity }) => {
      const product = this.#product(productId);
      return {
        productId,
        name: product.name,
        priceCents: product.priceCents,
        quantity,
        available: product.stock,
        lineTotalCents: product.priceCents * quantity,
        maxPerCustomer: product.maxPerCustomer,
        saleStartsAt: product.saleStartsAt,
        saleEndsAt: product.saleEndsAt,
      };
    });
    return {
      id: cart.id,
      version: cart.version,
      status: cart.status,
      items,
      subtotalCents: items.reduce((sum, line) => sum + line.lineTotalCents, 0),
      currency: items.length > 0 ? this.#product(items[0].productId).currency : null,
    };
  }

  readonly fetch = async (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
    const request = input instanceof Request ? input : new Request(input, init);
    const url = new URL(request.url);
    const route = `${request.method} ${url.pathname}`;
    this.requests.push(route);
    const pattern = (r: string) => r === route || routeMatches(r, route);
    for (const hold of this.#holds.filter((h) => pattern(h.route))) {
      hold.reached();
      await hold.released;
    }
    const failure = this.#failures.find((f) => pattern(f.route));
    if (failure) {
      this.#failures = this.#failures.filter((f) => f !== failure);
      return problem(failure.problem);
    }
    const text = request.method === 'GET' ? undefined : await request.text();
    const body: unknown = text ? JSON.parse(text) : undefined;
    if (body !== undefined) this.bodies.push({ route, body });
    return this.#handle(request.method, url, body);
  };

  #handle(method: string, url: URL, body: unknown): Response {
    const path = url.pathname.split('/').filter(Boolean);
    const [first, id, sub, productId] = path;
    if (method === 'GET' && first === 'products' && path.length === 1) {
      const limit = Number(url.searchParams.get('limit') ?? 20);
      const offset = Number(url.searchParams.get('offset') ?? 0);
      const all = [...this.products.values()];
      return json(200, {
        items: all.slice(offset, offset + limit),
        serverTime: new Date(this.now()).toISOString(),
        total: all.length,
        limit,
        offset,
      });
    }
    if (method === 'GET' && first === 'products' && id) {
      const product = this.products.get(id);
      return product ? json(200, product) : problem({ status: 404, code: 'NOT_FOUND' });
    }
    if (method === 'POST' && first === 'checkout') return this.#checkout(body as CheckoutDto);
    if (method === 'POST' && first === 'cart' && !id) {
      const cartId = this.addCart((body as CreateCartDto).items);
      return json(201, this.cartDto(cartId));
    }
    if (first === 'cart' && id) {
      const cart = this.carts.get(id);
      if (!cart) return problem({ status: 404, code: 'NOT_FOUND' });
      if (method === 'GET' && !sub) return json(200, this.cartDto(id));
      if (method === 'PUT' && sub === 'items')
        return this.#setItem(cart, productId, body as SetCartItemDto);
      if (method === 'POST' && sub === 'checkout') {
        return this.#checkoutCart(cart, body as CheckoutCartDto | undefined);
      }
    }
    if (method === 'GET' && first === 'orders' && id) {
      const order = this.orders.get(id);
      return order ? json(200, order) : problem({ status: 404, code: 'NOT_FOUND' });
    }
    return problem({ status: 404, code: 'ROUTE_NOT_FOUND' });
  }

  #checkout(body: CheckoutDto): Response {
    const product = this.products.get(body.productId);
    if (!product) return problem({ status: 404, code: 'NOT_FOUND' });
    if (body.expectedVersion !== undefined && body.expectedVersion !== product.version) {
      return problem({ status: 409, code: 'VERSION_CONFLICT', currentVersion: product.version });
    }
    const refusal = this.#saleRefusal([{ product, quantity: body.quantity }], body.email);
    if (refusal) return problem(refusal);
    if (product.stock < body.quantity) {
      return problem({
        status: 409,
        code: 'OUT_OF_STOCK',
        productId: product.id,
        requested: body.quantity,
        available: product.stock,
      });
    }
    product.stock -= body.quantity;
    product.version += 1;
    return json(201, this.#order([{ product, quantity: body.quantity }], body.email));
  }

  #setItem(cart: StoredCart, productId: string, body: SetCartItemDto): Response {
    if (body.version !== cart.version) {
      return problem({ status: 409, code: 'VERSION_CONFLICT', currentVersion: cart.version });
    }
    if (cart.status === 'checked_out') return problem({ status: 409, code: 'CART_CHECKED_OUT' });
    if (!this.products.has(productId)) return problem({ status: 404, code: 'NOT_FOUND' });
    const line = cart.items.find((item) => item.productId === productId);
    if (body.quantity === 0) cart.items = cart.items.filter((item) => item !== line);
    else if (line) line.quantity = body.quantity;
    else cart.items.push({ productId, quantity: body.quantity });
    cart.version += 1;
    return json(200, this.cartDto(cart.id));
  }

  #checkoutCart(cart: StoredCart, body: CheckoutCartDto | undefined): Response {
    if (cart.status === 'checked_out') return problem({ status: 409, code: 'CART_CHECKED_OUT' });
    if (cart.items.length === 0) return problem({ status: 422, code: 'CART_EMPTY' });
    const lines = cart.items.map(({ productId, quantity }) => ({
      product: this.#product(productId),
      quantity,
    }));
    const refusal = this.#saleRefusal(lines, body?.email);
    if (refusal) return problem(refusal);
    const shortages: StockShortageDto[] = lines
      .filter(({ product, quantity }) => quantity > product.stock)
      .map(({ product, quantity }) => ({
        productId: product.id,
        requested: quantity,
        available: product.stock,
      }));
    if (shortages.length > 0) {
      return problem({ status: 409, code: 'OUT_OF_STOCK', ...shortages[0], shortages });
    }
    for (const { product, quantity } of lines) {
      product.stock -= quantity;
      product.version += 1;
    }
    cart.status = 'checked_out';
    cart.version += 1;
    return json(201, this.#order(lines, body?.email));
  }

  /**
   * A drop's rules, in the API's order, for lines bought together: the email a limited product
   * needs, the sale window by {@link FakeStore.now}, then the limit per customer. The first
   * refusal, if any.
   */
  #saleRefusal(
    lines: { product: ProductDto; quantity: number }[],
    email: string | undefined,
  ): Problem | undefined {
    const now = this.now();
    for (const { product, quantity } of lines) {
      const productId = product.id;
      const limit = product.maxPerCustomer;
      if (limit !== null && !email) {
        return { status: 422, code: 'EMAIL_REQUIRED', productId, limit };
      }
      const startsAt = product.saleStartsAt ? Date.parse(product.saleStartsAt) : undefined;
      if (startsAt !== undefined && now < startsAt) {
        return {
          status: 409,
          code: 'SALE_NOT_STARTED',
          productId,
          startsAt: new Date(startsAt).toISOString(),
          retryAfterSeconds: Math.max(1, Math.ceil((startsAt - now) / 1000)),
        };
      }
      const endsAt = product.saleEndsAt ? Date.parse(product.saleEndsAt) : undefined;
      if (endsAt !== undefined && now >= endsAt) {
        return {
          status: 409,
          code: 'SALE_ENDED',
          productId,
          endsAt: new Date(endsAt).toISOString(),
        };
      }
      if (limit !== null && email) {
        const bought = this.bought(email, productId);
        if (bought + quantity > limit) {
          const remaining = Math.max(0, limit - bought);
          return { status: 409, code: 'PURCHASE_LIMIT_REACHED', productId, limit, remaining };
        }
      }
    }
    return undefined;
  }

  #order(lines: { product: ProductDto; quantity: number }[], email?: string): OrderDto {
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

  #product(id: string): ProductDto {
    const product = this.products.get(id);
    if (!product) throw new Error(`FakeStore: no product ${id}`);
    return product;
  }
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
