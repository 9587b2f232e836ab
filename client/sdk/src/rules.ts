// The API's own rules, for a client to apply ahead of a request and for stand-ins of the API in
// tests (the storefront's FakeStore). Each equals the service's rule of the same name.
import type { CartDto, StockShortageDto } from './generated/types.gen.js';

/**
 * What checkout takes as a customer's `email`: the pattern and length of `CheckoutDto.email` in
 * the API's document (a test keeps them equal). A plain `local@domain`: a local part of
 * letters, digits and `_ % ' + - .` (no leading `+`, no leading, trailing or doubled dot), a
 * domain of two or more labels of letters, digits and inner hyphens (1 to 63 each, no trailing
 * dot). Spaces around the address are allowed.
 */
export const EMAIL_PATTERN =
  "^\\s*[A-Za-z0-9_%'-][A-Za-z0-9_%'+-]*(?:\\.[A-Za-z0-9_%'+-]+)*@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+\\s*$";
export const MAX_EMAIL_LENGTH = 254;
const email = new RegExp(EMAIL_PATTERN);

/** True when checkout would take `text` as a customer's email. */
export function isEmail(text: string): boolean {
  return text.length <= MAX_EMAIL_LENGTH && email.test(text);
}

/**
 * The most units of one product a cart line or a purchase can hold: the `maximum` of every
 * `quantity` in the API's document.
 */
export const MAX_QUANTITY = 1000;

/**
 * Who a customer is, for per-customer limits: the email trimmed and in lower case, without a
 * `+tag` in its local part. `Ann.Lee+drop@Example.com` and `ann.lee@example.com` are one
 * customer; dots are kept, since only some mail providers ignore them.
 */
export function customerKey(email: string): string {
  const address = email.trim().toLowerCase();
  const at = address.lastIndexOf('@');
  const local = address.slice(0, at);
  const plus = local.indexOf('+');
  return plus > 0 ? local.slice(0, plus) + address.slice(at) : address;
}

/** The fields of a product (or cart line) that bound its sale. */
export interface SaleWindow {
  saleStartsAt: string | null;
  saleEndsAt: string | null;
}

/** `upcoming`: before `saleStartsAt`; `ended`: from `saleEndsAt` on; `open` otherwise. */
export type SalePhase = 'upcoming' | 'open' | 'ended';

function time(iso: string | null): number | undefined {
  if (!iso) return undefined;
  const ms = Date.parse(iso);
  return Number.isFinite(ms) ? ms : undefined;
}

/** The phase at `now` (ms since the epoch, by the service's clock, e.g. a page's `serverTime`). */
export function salePhase(window: SaleWindow, now: number): SalePhase {
  const starts = time(window.saleStartsAt);
  const ends = time(window.saleEndsAt);
  if (starts !== undefined && now < starts) return 'upcoming';
  if (ends !== undefined && now >= ends) return 'ended';
  return 'open';
}

/** Milliseconds from `now` until the phase changes next, or undefined when it never will. */
export function untilPhaseChange(window: SaleWindow, now: number): number | undefined {
  const starts = time(window.saleStartsAt);
  const ends = time(window.saleEndsAt);
  if (starts !== undefined && now < starts) return starts - now;
  if (ends !== undefined && now < ends) return ends - now;
  return undefined;
}

/** What a drop's rules read of a product. */
export interface Drop extends SaleWindow {
  id: string;
  maxPerCustomer: number | null;
}

/** A refusal by a drop's rules: the problem's `code` and the members it carries with it. */
export type SaleRefusal =
  | { code: 'EMAIL_REQUIRED'; productId: string; limit: number }
  | { code: 'SALE_NOT_STARTED'; productId: string; startsAt: string; retryAfterSeconds: number }
  | { code: 'SALE_ENDED'; productId: string; endsAt: string }
  | { code: 'PURCHASE_LIMIT_REACHED'; productId: string; limit: number; remaining?: number };

/**
 * The drop's rules, in the order a shopper can act on them: an email where the product is
 * limited per customer, the sale window at `now` (ms, the service's clock), then the limit:
 * first on the request alone (more than `limit` units is refused without `remaining`, whatever
 * the email bought), then counted across the customer's orders (`bought`: units of it they
 * bought before, and `remaining` what is left). What refuses buying `quantity` units, or
 * undefined when these rules allow it; the stock is `shortage`'s.
 */
export function saleRefusal(
  product: Drop,
  quantity: number,
  now: number,
  customer: { email?: string; bought: number },
): SaleRefusal | undefined {
  const { id: productId, maxPerCustomer: limit } = product;
  if (limit !== null && !customer.email) return { code: 'EMAIL_REQUIRED', productId, limit };
  const phase = salePhase(product, now);
  if (phase === 'upcoming') {
    const startsAt = time(product.saleStartsAt)!;
    return {
      code: 'SALE_NOT_STARTED',
      productId,
      startsAt: new Date(startsAt).toISOString(),
      retryAfterSeconds: Math.max(1, Math.ceil((startsAt - now) / 1000)),
    };
  }
  if (phase === 'ended') {
    const endsAt = new Date(time(product.saleEndsAt)!).toISOString();
    return { code: 'SALE_ENDED', productId, endsAt };
  }
  if (limit !== null && quantity > limit) {
    return { code: 'PURCHASE_LIMIT_REACHED', productId, limit };
  }
  if (limit !== null && customer.bought + quantity > limit) {
    const remaining = Math.max(0, limit - customer.bought);
    return { code: 'PURCHASE_LIMIT_REACHED', productId, limit, remaining };
  }
  return undefined;
}

/**
 * The stock rule: a purchase is served whole or not at all, never below zero. What `quantity`
 * would lack, as an OUT_OF_STOCK problem lists it, or undefined when the stock covers it.
 */
export function shortage(
  product: { id: string; stock: number },
  quantity: number,
): StockShortageDto | undefined {
  return quantity <= product.stock
    ? undefined
    : { productId: product.id, requested: quantity, available: product.stock };
}

/** What a cart line shows of its product. */
export interface CartLineProduct extends SaleWindow {
  id: string;
  name: string;
  priceCents: number;
  currency: string;
  stock: number;
  maxPerCustomer: number | null;
}

/**
 * A cart as the API answers it: each line priced at the product's price now, with the units
 * left; the subtotal; the currency of its lines (one per cart), null while it is empty.
 */
export function cartDto(
  cart: Pick<CartDto, 'id' | 'version' | 'status'>,
  lines: { product: CartLineProduct; quantity: number }[],
): CartDto {
  const items = lines.map(({ product, quantity }) => ({
    productId: product.id,
    name: product.name,
    priceCents: product.priceCents,
    quantity,
    available: product.stock,
    lineTotalCents: product.priceCents * quantity,
    maxPerCustomer: product.maxPerCustomer,
    saleStartsAt: product.saleStartsAt,
    saleEndsAt: product.saleEndsAt,
  }));
  return {
    id: cart.id,
    version: cart.version,
    status: cart.status,
    items,
    subtotalCents: items.reduce((sum, line) => sum + line.lineTotalCents, 0),
    currency: lines[0]?.product.currency ?? null,
  };
}
