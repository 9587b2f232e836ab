import { OptimisticLockError } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import { type QueryExecutorProvider, type RawBuilder, sql } from 'kysely';
import {
  assertCanCheckOut,
  cartsToCheckOut,
  type CartToCheckOut,
  checkOut,
  checkOutStatements,
  lockedCartsToCheckOut,
  productsInCarts,
} from '../cart/cart-checkout';
import { customerKey } from '../checkout/customer-email';
import type { OrderDto } from '../checkout/dto/checkout.dto';
import { type NewOrder, newOrder, orderInserts } from '../checkout/new-orders';
import { Order } from '../checkout/order.entity';
import { toOrderDto } from '../checkout/order.mapper';
import { anyOf } from '../common/database/list-parameters';
import { DomainError, type ErrorCode, NotFoundError, VersionConflictError } from '../common/errors';
import { toProblem } from '../common/problem-details';
import {
  type IdempotencyService,
  IdempotentReplay,
  type KeyClaim,
  type KeyRecord,
} from '../idempotency/idempotency.service';
import {
  assertStockWritten,
  lockedProductsOnSale,
  type ProductOnSale,
  productsOnSaleOf,
  saleRefusal,
  shortage,
  stockUpdate,
  take,
} from '../products/product-sale';
import { OutOfStockError } from '../products/products.errors';
import type { CartPurchase, ProductPurchase, Purchase } from './purchase';

/** How one purchase of a batch ended. */
export type SaleOutcome = OrderDto | IdempotentReplay | DomainError;

/**
 * Refusals decided by the purchase itself, kept under its Idempotency-Key and answered again to
 * a retry. Others give the key back, to be used again: a stale expectedVersion (the purchase did
 * not really run), and a sale not started yet (the same request may succeed once it starts).
 */
const KEPT_REFUSALS = new Set<ErrorCode>([
  'NOT_FOUND',
  'OUT_OF_STOCK',
  'SALE_ENDED',
  'EMAIL_REQUIRED',
  'PURCHASE_LIMIT_REACHED',
  'CART_CHECKED_OUT',
  'CART_EMPTY',
  'CURRENCY_MISMATCH',
  'ORDER_TOTAL_TOO_LARGE',
]);

const byId = <T extends { id: string }>(rows: T[]) => new Map(rows.map((row) => [row.id, row]));
const distinctSorted = (ids: string[]) => [...new Set(ids)].sort();

/**
 * Serves a batch of purchases in one transaction, in two statements besides BEGIN and COMMIT (one
 * more when a product is limited per customer, or a key's order must be answered again):
 *   1. reads what the batch needs in one round trip: locks the carts and reads their lines,
 *      reads what earlier requests left under the Idempotency-Keys, and locks the products
 *      touched, in id order (see `lockedProductsOnSale`), so that batches of other instances
 *      wait rather than race;
 *   2. grants the purchases in arrival order, each all or nothing, against the stock read;
 *   3. writes, in one statement: the orders and their lines, the carts checked out, one
 *      versioned update per product sold from, and the keys' records (their claims, and the
 *      refusals kept under them).
 * Rows are read and written as plain rows, lists and rows as parameters: a batch costs the same
 * few round trips whatever its size, and no unit-of-work bookkeeping per order. A refusal is an
 * outcome of its own purchase and never fails the others. Losing a race (a product or a key
 * written meanwhile, a cart changed while its lock was awaited) throws OptimisticLockError, and
 * the batch runs again. The caller commits.
 */
export async function sellBatch(
  em: EntityManager,
  purchases: Purchase[],
  idempotency: IdempotencyService,
): Promise<SaleOutcome[]> {
  const db = em.getKysely();
  const cartIds = distinctSorted(
    purchases.filter((p): p is CartPurchase => p.kind === 'cart').map((p) => p.cartId),
  );
  const keyed = purchases.flatMap((p) => (p.idempotency ? [p.idempotency] : []));
  const productIds = anyOf(
    distinctSorted(
      purchases.filter((p): p is ProductPurchase => p.kind === 'product').map((p) => p.productId),
    ),
    'uuid',
  );
  // Carts are locked before products, by every batch of every instance.
  const {
    rows: [read],
  } = await sql<{ carts: unknown; keys: unknown; products: unknown }>`
    select ${cartIds.length > 0 ? lockedCartsToCheckOut(cartIds) : sql`'[]'::json`} as carts,
           ${keyed.length > 0 ? idempotency.storedKeys(keyed) : sql`'[]'::json`} as keys,
           ${lockedProductsOnSale(
             cartIds.length > 0 ? sql`${productIds} || ${productsInCarts(cartIds)}` : productIds,
           )} as products`.execute(db);
  const carts = cartsToCheckOut(read.carts);
  const claims = idempotency.claimsOf(keyed, read.keys);
  const earlier = await ordersCreatedUnder(em, claims);
  const products = byId(productsOnSaleOf(read.products));
  // Read under the product locks: every order of these products that committed before is seen.
  const bought = await unitsBoughtByCustomer(db, purchases, products);
  const sale: SaleState = { products, touched: new Set(), bought, now: new Date() };

  const orders: NewOrder[] = [];
  const records: KeyRecord[] = [];
  const outcomes = purchases.map((purchase): SaleOutcome => {
    const claim = purchase.idempotency && claims.get(purchase.idempotency.key);
    if (claim?.kind === 'replay') return claim.replay;
    if (claim?.kind === 'refused') return claim.error;
    if (claim?.kind === 'created') return replayOf(earlier.get(claim.claimId));
    const claimId = claim?.claimId;
    try {
      const order =
        purchase.kind === 'product'
          ? sellProduct(purchase, sale, claimId)
          : sellCart(purchase, carts, sale, claimId);
      orders.push(order);
      // The order carries the key's claim, and is its answer: no response is kept.
      if (purchase.idempotency) records.push({ request: purchase.idempotency, claimId: claimId! });
      return order.dto;
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      if (purchase.idempotency && KEPT_REFUSALS.has(error.code)) {
        const problem = toProblem(error);
        records.push({
          request: purchase.idempotency,
          claimId: claimId!,
          response: { status: problem.status, body: problem },
        });
      }
      return error;
    }
  });

  const sold = [...sale.touched].map((id) => products.get(id)!);
  if (orders.length === 0 && records.length === 0) return outcomes;
  const [stockWritten, keysWritten] = await writeAll(
    db,
    [stockUpdate(sold), idempotency.recordStatement(records)],
    [...orderInserts(orders), ...checkOutStatements(orders.flatMap((order) => order.cartId ?? []))],
  );
  assertStockWritten(sold, stockWritten);
  if (keysWritten !== records.length) throw OptimisticLockError.lockFailed('IdempotencyRecord');
  return outcomes;
}

/**
 * Runs a batch's writes as one statement, so that they cost one round trip whatever the batch
 * holds: each statement a data-modifying WITH clause. PostgreSQL runs them all, on one snapshot;
 * the foreign keys are checked at the end. Returns how many rows each of `counted` returned.
 */
async function writeAll(
  db: QueryExecutorProvider,
  counted: RawBuilder<unknown>[],
  others: RawBuilder<unknown>[],
): Promise<number[]> {
  const name = (i: number) => sql.raw(`write_${i}`);
  const { rows } = await sql<{ counts: number[] }>`
    with ${sql.join([...counted, ...others].map((statement, i) => sql`${name(i)} as (${statement})`))}
    select array[${sql.join(counted.map((_, i) => sql`(select count(*) from ${name(i)})::int`))}] as counts`.execute(
    db,
  );
  return rows[0].counts;
}

/** The orders that earlier requests created under the keys found taken, by claim id. */
async function ordersCreatedUnder(
  em: EntityManager,
  claims: Map<string, KeyClaim>,
): Promise<Map<string, Order>> {
  const claimIds = [...claims.values()].flatMap((c) => (c.kind === 'created' ? [c.claimId] : []));
  if (claimIds.length === 0) return new Map();
  const orders = await em.find(
    Order,
    { idempotencyClaim: { $in: claimIds } },
    { populate: ['items'] },
  );
  return new Map(orders.map((order) => [order.idempotencyClaim!, order]));
}

/** The answer for a key whose order was created earlier: that order, again. */
function replayOf(order: Order | undefined): IdempotentReplay {
  // A created claim always has its order: both are written in one transaction.
  if (!order) throw new Error('An Idempotency-Key claimed by an order has no order');
  return new IdempotentReplay(201, toOrderDto(order));
}

/** What the grants of one batch read and change, purchase after purchase. */
interface SaleState {
  /** The products touched by the batch, locked. */
  products: Map<string, ProductOnSale>;
  /** Products whose version this batch has already moved. */
  touched: Set<string>;
  /** Units bought so far of each limited product, per customer (`boughtKey`). */
  bought: Map<string, number>;
  /** The moment the batch sells at, for sale windows. */
  now: Date;
}

const boughtKey = (customer: string, productId: string) => `${customer} ${productId}`;

/**
 * What each customer of the batch has bought of each product of it that is limited per
 * customer, across all their orders. Read after the products are locked, so it counts every
 * order of them committed before; the batch then adds its own grants.
 */
async function unitsBoughtByCustomer(
  db: QueryExecutorProvider,
  purchases: Purchase[],
  products: Map<string, ProductOnSale>,
): Promise<Map<string, number>> {
  const limited = [...products.values()].filter((p) => p.maxPerCustomer !== null).map((p) => p.id);
  const customers = [
    ...new Set(purchases.flatMap((p) => (p.email === undefined ? [] : [customerKey(p.email)]))),
  ];
  if (limited.length === 0 || customers.length === 0) return new Map();
  const { rows } = await sql<{ customer: string; productId: string; units: number }>`
    select o.customer, i.product_id as "productId", sum(i.quantity)::int as units
      from orders o join order_items i on i.order_id = o.id
     where o.customer = any(${anyOf(customers)})
       and i.product_id = any(${anyOf(limited, 'uuid')})
     group by o.customer, i.product_id`.execute(db);
  return new Map(rows.map((row) => [boughtKey(row.customer, row.productId), row.units]));
}

/**
 * Applies the drop's rules (`saleRefusal`) to lines bought together, all or nothing,
 * then the stock; the first refusal is thrown. Returns the customer, to record the grant.
 */
function assertSellable(
  lines: { product: ProductOnSale; quantity: number }[],
  email: string | undefined,
  sale: SaleState,
  { itemised }: { itemised: boolean },
): string | undefined {
  const customer = email === undefined ? undefined : customerKey(email);
  for (const { product, quantity } of lines) {
    const bought =
      customer === undefined ? 0 : (sale.bought.get(boughtKey(customer, product.id)) ?? 0);
    const refusal = saleRefusal(product, quantity, sale.now, { email, bought });
    if (refusal) throw refusal;
  }
  const short = lines.flatMap(({ product, quantity }) => shortage(product, quantity) ?? []);
  if (short.length > 0) throw new OutOfStockError(short, { itemised });
  return customer;
}

/** Takes the stock of granted lines, and counts them against the customer's limits. */
function grant(
  lines: { product: ProductOnSale; quantity: number }[],
  customer: string | undefined,
  sale: SaleState,
): void {
  for (const { product, quantity } of lines) {
    take(product, quantity);
    sale.touched.add(product.id);
    if (customer !== undefined && product.maxPerCustomer !== null) {
      const key = boughtKey(customer, product.id);
      sale.bought.set(key, (sale.bought.get(key) ?? 0) + quantity);
    }
  }
}

function sellProduct(
  { productId, quantity, expectedVersion, email }: ProductPurchase,
  sale: SaleState,
  idempotencyClaim?: string,
): NewOrder {
  const product = sale.products.get(productId);
  if (!product) throw new NotFoundError('Product', productId);
  // The version moves once per batch: an earlier purchase of this batch already changed it.
  const moved = sale.touched.has(productId);
  if (expectedVersion !== undefined && (moved || product.version !== expectedVersion)) {
    throw new VersionConflictError(
      `Product ${productId} has changed since version ${expectedVersion}; reload it and try again.`,
      moved ? product.version + 1 : product.version,
    );
  }
  const lines = [{ product, quantity }];
  const customer = assertSellable(lines, email, sale, { itemised: false });
  const order = newOrder(lines, { idempotencyClaim, email });
  grant(lines, customer, sale);
  return order;
}

function sellCart(
  { cartId, email }: CartPurchase,
  carts: Map<string, CartToCheckOut>,
  sale: SaleState,
  idempotencyClaim?: string,
): NewOrder {
  const cart = carts.get(cartId);
  if (!cart) throw new NotFoundError('Cart', cartId);
  assertCanCheckOut(cart);
  // Every product of a locked cart's lines is locked: cart lines reference their product.
  const lines = cart.lines.map(({ productId, quantity }) => ({
    product: sale.products.get(productId)!,
    quantity,
  }));
  const customer = assertSellable(lines, email, sale, { itemised: true });
  const order = newOrder(lines, { cartId, idempotencyClaim, email });
  checkOut(cart);
  grant(lines, customer, sale);
  return order;
}
