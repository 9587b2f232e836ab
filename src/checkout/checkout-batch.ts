import type { EntityManager } from '@mikro-orm/postgresql';
import { type QueryExecutorProvider, type RawBuilder, sql } from 'kysely';
import {
  assertCanCheckOut,
  type CartToCheckOut,
  checkOut,
  checkOutStatements,
  lockCartsForCheckout,
} from '../cart/cart-checkout';
import { DomainError, NotFoundError, VersionConflictError } from '../common/errors';
import {
  type IdempotencyService,
  IdempotentReplay,
  type KeyClaim,
} from '../idempotency/idempotency.service';
import { customerKey } from '../orders/customer-email';
import type { OrderDto } from '../orders/dto/order.dto';
import { type NewOrder, newOrder, orderInserts } from '../orders/new-orders';
import { ordersCreatedUnder, unitsBought } from '../orders/order-reads';
import {
  assertStockWritten,
  type ProductOnSale,
  readProductsOnSale,
  saleRefusal,
  shortage,
  stockUpdate,
  take,
} from '../products/product-sale';
import { OutOfStockError } from '../products/products.errors';
import type { CartPurchase, ProductPurchase, Purchase } from './purchase';

/** How one purchase of a batch ended. */
export type CheckoutOutcome = OrderDto | IdempotentReplay | DomainError;

const byId = <T extends { id: string }>(rows: T[]) => new Map(rows.map((row) => [row.id, row]));
const distinctSorted = (ids: string[]) => [...new Set(ids)].sort();

/**
 * Serves a batch of purchases in one transaction:
 *   1. locks the carts, claims the Idempotency-Keys (or finds what earlier requests left under
 *      them), then locks the products touched, in id order (see `readProductsOnSale`), so that
 *      batches of other instances wait rather than race;
 *   2. checks out the purchases in arrival order, each all or nothing, against the stock read;
 *   3. writes, in one statement: the orders and their lines, the carts checked out, one
 *      versioned update per product sold from, and the refusals kept under their keys.
 * Rows are read and written as plain rows, lists and rows as parameters: a batch costs the same few
 * round trips whatever its size, and no unit-of-work bookkeeping per order.
 * A refusal is an outcome of its own purchase and never fails the others. The caller commits.
 */
export async function checkoutBatch(
  em: EntityManager,
  purchases: Purchase[],
  idempotency: IdempotencyService,
): Promise<CheckoutOutcome[]> {
  const db = em.getKysely();
  const carts = await lockCartsForCheckout(
    db,
    distinctSorted(
      purchases.filter((p): p is CartPurchase => p.kind === 'cart').map((p) => p.cartId),
    ),
  );
  // Keys before products: the product locks, which every batch of every instance waits for, are
  // then held for the shortest time. Every batch takes carts, keys, products in this order.
  const keyed = purchases.flatMap((p) => (p.idempotency ? [p.idempotency] : []));
  const claims: Map<string, KeyClaim> =
    keyed.length > 0 ? await idempotency.claim(em, keyed) : new Map();
  const earlier = await ordersCreatedUnder(
    em,
    [...claims.values()].flatMap((c) => (c.kind === 'created' ? [c.claimId] : [])),
  );

  const productIds = distinctSorted([
    ...purchases.filter((p): p is ProductPurchase => p.kind === 'product').map((p) => p.productId),
    ...[...carts.values()].flatMap((cart) => cart.lines.map((line) => line.productId)),
  ]);
  const products = byId(await readProductsOnSale(db, productIds, { lock: true }));
  // Read under the product locks: every order of these products that committed before is seen.
  const bought = await boughtByCustomer(db, purchases, products);
  const batch: BatchState = { products, touched: new Set(), bought, now: new Date() };

  const orders: NewOrder[] = [];
  const outcomes = purchases.map((purchase): CheckoutOutcome => {
    const claim = purchase.idempotency && claims.get(purchase.idempotency.key);
    if (claim?.kind === 'replay') return claim.replay;
    if (claim?.kind === 'refused') return claim.error;
    if (claim?.kind === 'created') return replayOf(earlier.get(claim.claimId));
    const claimId = claim?.claimId;
    try {
      const order =
        purchase.kind === 'product'
          ? checkoutProduct(purchase, batch, claimId)
          : checkoutCart(purchase, carts, batch, claimId);
      orders.push(order);
      return order.dto;
    } catch (error) {
      if (error instanceof DomainError) return error;
      throw error;
    }
  });

  const sold = [...batch.touched].map((id) => products.get(id)!);
  await writeAll(db, sold, [
    ...orderInserts(orders),
    ...checkOutStatements(orders.flatMap((order) => order.cartId ?? [])),
    ...idempotency.completionStatements(
      claims,
      purchases.map((purchase, i) => ({ key: purchase.idempotency?.key, outcome: outcomes[i] })),
    ),
  ]);
  return outcomes;
}

/**
 * Runs a batch's writes as one statement, so that they cost one round trip whatever the batch
 * holds: each statement a data-modifying WITH clause, the stock update among them. PostgreSQL
 * runs them all, on one snapshot; the foreign keys are checked at the end.
 */
async function writeAll(
  db: QueryExecutorProvider,
  sold: ProductOnSale[],
  statements: RawBuilder<unknown>[],
): Promise<void> {
  if (sold.length === 0 && statements.length === 0) return;
  const stock = sold.length === 0 ? sql`select null::uuid as id where false` : stockUpdate(sold);
  const clauses = [
    sql`stock as (${stock})`,
    ...statements.map((statement, i) => sql`${sql.raw(`write_${i}`)} as (${statement})`),
  ];
  const { rows } = await sql<{ updated: number }>`
    with ${sql.join(clauses)}
    select count(*)::int as updated from stock`.execute(db);
  assertStockWritten(sold, rows[0].updated);
}

/** The answer for a key whose order was created earlier: that order, again. */
function replayOf(order: OrderDto | undefined): IdempotentReplay {
  // A created claim always has its order: both are written in one transaction.
  if (!order) throw new Error('An Idempotency-Key claimed by an order has no order');
  return new IdempotentReplay(201, order);
}

/** What the purchases of one batch read and change, one after the other. */
interface BatchState {
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
 * customer, across all their orders, read under the product locks; the batch then adds its own.
 */
async function boughtByCustomer(
  db: QueryExecutorProvider,
  purchases: Purchase[],
  products: Map<string, ProductOnSale>,
): Promise<Map<string, number>> {
  const limited = [...products.values()].filter((p) => p.maxPerCustomer !== null).map((p) => p.id);
  const customers = [
    ...new Set(purchases.flatMap((p) => (p.email === undefined ? [] : [customerKey(p.email)]))),
  ];
  const rows = await unitsBought(db, customers, limited);
  return new Map(rows.map((row) => [boughtKey(row.customer, row.productId), row.units]));
}

/**
 * Applies the drop's rules (`saleRefusal`) to lines bought together, all or nothing,
 * then the stock; the first refusal is thrown. Returns the customer, to count what they take.
 */
function assertAllowed(
  lines: { product: ProductOnSale; quantity: number }[],
  email: string | undefined,
  batch: BatchState,
  { itemised }: { itemised: boolean },
): string | undefined {
  const customer = email === undefined ? undefined : customerKey(email);
  for (const { product, quantity } of lines) {
    const bought =
      customer === undefined ? 0 : (batch.bought.get(boughtKey(customer, product.id)) ?? 0);
    const refusal = saleRefusal(product, quantity, batch.now, { email, bought });
    if (refusal) throw refusal;
  }
  const short = lines.flatMap(({ product, quantity }) => shortage(product, quantity) ?? []);
  if (short.length > 0) throw new OutOfStockError(short, { itemised });
  return customer;
}

/** Takes the stock of allowed lines, and counts them against the customer's limits. */
function takeStock(
  lines: { product: ProductOnSale; quantity: number }[],
  customer: string | undefined,
  batch: BatchState,
): void {
  for (const { product, quantity } of lines) {
    take(product, quantity);
    batch.touched.add(product.id);
    if (customer !== undefined && product.maxPerCustomer !== null) {
      const key = boughtKey(customer, product.id);
      batch.bought.set(key, (batch.bought.get(key) ?? 0) + quantity);
    }
  }
}

function checkoutProduct(
  { productId, quantity, expectedVersion, email }: ProductPurchase,
  batch: BatchState,
  idempotencyClaim?: string,
): NewOrder {
  const product = batch.products.get(productId);
  if (!product) throw new NotFoundError('Product', productId);
  // The version moves once per batch: an earlier purchase of this batch already changed it.
  const moved = batch.touched.has(productId);
  if (expectedVersion !== undefined && (moved || product.version !== expectedVersion)) {
    throw new VersionConflictError(
      `Product ${productId} has changed since version ${expectedVersion}; reload it and try again.`,
      moved ? product.version + 1 : product.version,
    );
  }
  const lines = [{ product, quantity }];
  const customer = assertAllowed(lines, email, batch, { itemised: false });
  const order = newOrder(lines, { idempotencyClaim, email });
  takeStock(lines, customer, batch);
  return order;
}

function checkoutCart(
  { cartId, email }: CartPurchase,
  carts: Map<string, CartToCheckOut>,
  batch: BatchState,
  idempotencyClaim?: string,
): NewOrder {
  const cart = carts.get(cartId);
  if (!cart) throw new NotFoundError('Cart', cartId);
  assertCanCheckOut(cart);
  // Every product of a locked cart's lines is locked: cart lines reference their product.
  const lines = cart.lines.map(({ productId, quantity }) => ({
    product: batch.products.get(productId)!,
    quantity,
  }));
  const customer = assertAllowed(lines, email, batch, { itemised: true });
  const order = newOrder(lines, { cartId, idempotencyClaim, email });
  checkOut(cart);
  takeStock(lines, customer, batch);
  return order;
}
