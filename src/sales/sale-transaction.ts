import type { EntityManager } from '@mikro-orm/postgresql';
import { type QueryExecutorProvider, type RawBuilder, sql } from 'kysely';
import {
  assertCanCheckOut,
  type CartToCheckOut,
  checkOut,
  checkOutStatements,
  lockCartsForCheckout,
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
  type KeyCompletion,
} from '../idempotency/idempotency.service';
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
 * Serves a batch of purchases in one transaction:
 *   1. locks the carts, claims the Idempotency-Keys (or finds what earlier requests left under
 *      them), then locks the products touched, in id order (see `readProductsOnSale`), so that
 *      batches of other instances wait rather than race;
 *   2. grants the purchases in arrival order, each all or nothing, against the stock read;
 *   3. writes, in one statement: the orders and their lines, the carts checked out, one
 *      versioned update per product sold from, and the refusals kept under their keys.
 * Rows are read and written as plain rows, lists and rows as parameters: a batch costs the same few
 * round trips whatever its size, and no unit-of-work bookkeeping per order.
 * A refusal is an outcome of its own purchase and never fails the others. The caller commits.
 */
export async function sellBatch(
  em: EntityManager,
  purchases: Purchase[],
  idempotency: IdempotencyService,
): Promise<SaleOutcome[]> {
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
  const earlier = await ordersCreatedUnder(em, claims);

  const productIds = distinctSorted([
    ...purchases.filter((p): p is ProductPurchase => p.kind === 'product').map((p) => p.productId),
    ...[...carts.values()].flatMap((cart) => cart.lines.map((line) => line.productId)),
  ]);
  const products = byId(await readProductsOnSale(db, productIds, { lock: true }));
  // Read under the product locks: every order of these products that committed before is seen.
  const bought = await unitsBoughtByCustomer(db, purchases, products);
  const sale: SaleState = { products, touched: new Set(), bought, now: new Date() };

  const orders: NewOrder[] = [];
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
      return order.dto;
    } catch (error) {
      if (error instanceof DomainError) return error;
      throw error;
    }
  });

  const completions: KeyCompletion[] = [];
  purchases.forEach((purchase, i) => {
    const key = purchase.idempotency?.key;
    if (!key || claims.get(key)?.kind !== 'fresh') return;
    const outcome = outcomes[i];
    // A created order needs nothing more: it carries the key's claim, and is its answer.
    if (!(outcome instanceof DomainError)) return;
    if (KEPT_REFUSALS.has(outcome.code)) {
      const problem = toProblem(outcome);
      completions.push({ key, status: problem.status, body: problem });
    } else {
      completions.push({ key, release: true });
    }
  });

  const sold = [...sale.touched].map((id) => products.get(id)!);
  await writeAll(db, sold, [
    ...orderInserts(orders),
    ...checkOutStatements(orders.flatMap((order) => order.cartId ?? [])),
    ...idempotency.completionStatements(completions),
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
