import { OptimisticLockError } from '@mikro-orm/core';
import { type QueryExecutorProvider, type RawBuilder, sql } from 'kysely';
import { anyOf, recordsOf } from '../common/database/list-parameters';
import { isoTimestamp } from './timestamps';
import type { DomainError } from '../common/errors';
import type { Product } from './product.entity';
import {
  EmailRequiredError,
  OutOfStockError,
  PurchaseLimitReachedError,
  SaleEndedError,
  SaleNotStartedError,
  type StockShortage,
} from './products.errors';

/** What a sale reads of a product, and changes (its stock). */
export type ProductOnSale = Pick<
  Product,
  | 'id'
  | 'name'
  | 'priceCents'
  | 'currency'
  | 'stock'
  | 'version'
  | 'maxPerCustomer'
  | 'saleStartsAt'
  | 'saleEndsAt'
>;

/**
 * The stock rule: a purchase is served whole or not at all, never below zero. What `quantity`
 * would lack, or undefined when the stock covers it.
 */
export function shortage(product: ProductOnSale, quantity: number): StockShortage | undefined {
  return quantity <= product.stock
    ? undefined
    : { productId: product.id, requested: quantity, available: product.stock };
}

/** Takes `quantity` units, within the stock rule. */
export function take(product: ProductOnSale, quantity: number): void {
  const short = shortage(product, quantity);
  if (short) throw new OutOfStockError([short]);
  product.stock -= quantity;
}

/**
 * The drop's rules, in the order a shopper can act on them: an email where the product is
 * limited per customer, the sale window at `now`, then the limit: first on the request alone
 * (more than `limit` units is refused without `remaining`, whatever the email bought, so that
 * the answer tells nothing of anyone's orders), then counted across the customer's orders
 * (`bought` is what they bought of it before). What refuses the purchase of `quantity` units, or
 * undefined when these rules allow it; the stock is `shortage`'s.
 */
export function saleRefusal(
  product: ProductOnSale,
  quantity: number,
  now: Date,
  customer: { email?: string; bought: number },
): DomainError | undefined {
  const { id, maxPerCustomer: limit, saleStartsAt, saleEndsAt } = product;
  if (limit !== null && !customer.email) return new EmailRequiredError(id, limit);
  if (saleStartsAt && now < saleStartsAt) return new SaleNotStartedError(id, saleStartsAt, now);
  if (saleEndsAt && now >= saleEndsAt) return new SaleEndedError(id, saleEndsAt);
  if (limit !== null && quantity > limit) return new PurchaseLimitReachedError(id, limit);
  if (limit !== null && customer.bought + quantity > limit) {
    return new PurchaseLimitReachedError(id, limit, Math.max(0, limit - customer.bought));
  }
  return undefined;
}

/**
 * What a sale reads of products, as plain rows. With `lock`, it also locks them, in id order, for
 * the rest of the transaction, so that the batches of every instance touching them take turns
 * rather than race. FOR NO KEY UPDATE, not FOR UPDATE: it still excludes other writers, but not
 * the key-share locks that inserting a cart line or an order line takes on the row it references,
 * so a shopper filling a cart never waits for (or deadlocks with) a sale in flight.
 */
export async function readProductsOnSale(
  db: QueryExecutorProvider,
  ids: string[],
  { lock = false } = {},
): Promise<ProductOnSale[]> {
  if (ids.length === 0) return [];
  const { rows } = await sql<
    Omit<ProductOnSale, 'saleStartsAt' | 'saleEndsAt'> & {
      saleStartsAt: string | null;
      saleEndsAt: string | null;
    }
  >`
    select id, name, price_cents as "priceCents", currency, stock, version,
           max_per_customer as "maxPerCustomer",
           ${sql.raw(isoTimestamp('sale_starts_at'))} as "saleStartsAt",
           ${sql.raw(isoTimestamp('sale_ends_at'))} as "saleEndsAt"
      from products
     where id = any(${anyOf(ids, 'uuid')})
     ${lock ? sql`order by id for no key update` : sql``}`.execute(db);
  return rows.map((row) => ({
    ...row,
    saleStartsAt: row.saleStartsAt === null ? null : new Date(row.saleStartsAt),
    saleEndsAt: row.saleEndsAt === null ? null : new Date(row.saleEndsAt),
  }));
}

/**
 * The statement that writes the stock of products sold from, each at the version it was read
 * at, moving the version as every update of a product does; it returns the ids it updated. One
 * missing from them was changed by someone else: `assertStockWritten` then throws MikroORM's
 * OptimisticLockError, as the unit of work would.
 */
export const stockUpdate = (products: ProductOnSale[]): RawBuilder<unknown> => sql`
  update products p
     set stock = t.stock, version = p.version + 1, updated_at = now()
    from ${recordsOf(products.map(({ id, stock, version }) => ({ id, stock, version })))}
      as t(id uuid, stock int, version int)
   where p.id = t.id and p.version = t.version
  returning p.id`;

export function assertStockWritten(products: ProductOnSale[], updated: number): void {
  if (updated !== products.length) throw OptimisticLockError.lockFailed('Product');
}
