import { EntityManager } from '@mikro-orm/postgresql';
import { sql } from 'kysely';
import { Cart, CartItem } from '../cart/cart.entity';
import { Order } from '../checkout/order.entity';
import { toOrderDto } from '../checkout/order.mapper';
import { DomainError, NotFoundError, VersionConflictError } from '../common/errors';
import { toProblem } from '../common/problem-details';
import {
  type IdempotencyService,
  IdempotentReplay,
  type KeyClaim,
  type KeyCompletion,
} from '../idempotency/idempotency.service';
import { Product } from '../products/product.entity';
import { OutOfStockError } from '../products/products.errors';
import type { CartPurchase, ProductPurchase, Purchase } from './purchase';

/** How one purchase of a batch ended. */
export type SaleOutcome = Order | IdempotentReplay | DomainError;

/**
 * Refusals decided by the purchase itself, kept under its Idempotency-Key and answered again to
 * a retry. Others (a stale expectedVersion) give the key back: the purchase did not really run.
 */
const KEPT_REFUSALS = new Set([
  'NOT_FOUND',
  'OUT_OF_STOCK',
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
 *      them), then locks the products touched, in id order (see `lockRows`), so that batches of
 *      other instances wait rather than race;
 *   2. grants the purchases in arrival order, each all or nothing, against the stock read;
 *   3. writes the orders and their lines with multi-row inserts, one versioned update per
 *      product and cart touched, and the refusals to answer again under their keys.
 * A refusal is an outcome of its own purchase and never fails the others. The caller commits.
 */
export async function sellBatch(
  em: EntityManager,
  purchases: Purchase[],
  idempotency: IdempotencyService,
): Promise<SaleOutcome[]> {
  const cartIds = distinctSorted(
    purchases.filter((p): p is CartPurchase => p.kind === 'cart').map((p) => p.cartId),
  );
  const carts = byId(await lockRows(em, Cart, cartIds));
  const cartLines = new Map<string, CartItem[]>();
  if (carts.size > 0) {
    const items = await em.find(
      CartItem,
      { cart: { $in: [...carts.keys()] } },
      { orderBy: { addedAt: 'asc' } },
    );
    for (const item of items) {
      const lines = cartLines.get(item.cart.id) ?? [];
      lines.push(item);
      cartLines.set(item.cart.id, lines);
    }
  }
  // Keys before products: the product locks, which every batch of every instance waits for, are
  // then held for the shortest time. Every batch takes carts, keys, products in this order.
  const keyed = purchases.flatMap((p) => (p.idempotency ? [p.idempotency] : []));
  const claims: Map<string, KeyClaim> =
    keyed.length > 0 ? await idempotency.claim(em, keyed) : new Map();
  const earlier = await ordersCreatedUnder(em, claims);

  const productIds = distinctSorted([
    ...purchases.filter((p): p is ProductPurchase => p.kind === 'product').map((p) => p.productId),
    ...[...cartLines.values()].flat().map((item) => item.product.id),
  ]);
  const products = byId(await lockRows(em, Product, productIds));

  const touched = new Set<string>();
  const outcomes = purchases.map((purchase): SaleOutcome => {
    const claim = purchase.idempotency && claims.get(purchase.idempotency.key);
    if (claim?.kind === 'replay') return claim.replay;
    if (claim?.kind === 'refused') return claim.error;
    if (claim?.kind === 'created') return replayOf(earlier.get(claim.claimId));
    const claimId = claim?.claimId;
    try {
      return purchase.kind === 'product'
        ? sellProduct(purchase, products, touched, claimId)
        : sellCart(purchase, carts, cartLines, touched, claimId);
    } catch (error) {
      if (error instanceof DomainError) return error;
      throw error;
    }
  });

  const orders = outcomes.filter((o): o is Order => o instanceof Order);
  if (orders.length > 0) {
    // insertMany writes the rows without the unit of work's change-set computation; the flush
    // is then only the versioned updates of the products and carts.
    await em.insertMany(orders);
    await em.insertMany(orders.flatMap((order) => order.items.getItems()));
    await em.flush();
  }

  const completions: KeyCompletion[] = [];
  purchases.forEach((purchase, i) => {
    const key = purchase.idempotency?.key;
    if (!key || claims.get(key)?.kind !== 'fresh') return;
    const outcome = outcomes[i];
    // A created order needs nothing more: it carries the key's claim, and is its answer.
    if (outcome instanceof Order) return;
    if (outcome instanceof DomainError && KEPT_REFUSALS.has(outcome.code)) {
      const problem = toProblem(outcome);
      completions.push({ key, status: problem.status, body: problem });
    } else {
      completions.push({ key, release: true });
    }
  });
  if (completions.length > 0) await idempotency.complete(em, completions);
  return outcomes;
}

/**
 * Reads and locks rows in id order for the rest of the transaction, so that the batches of every
 * instance touching them take turns rather than race. FOR NO KEY UPDATE, not FOR UPDATE: it still
 * excludes other writers, but not the key-share locks that inserting a cart line or an order line
 * takes on the row it references, so a shopper filling a cart never waits for (or deadlocks with)
 * a sale in flight. MikroORM's lock modes stop at FOR UPDATE, hence a statement of its own, whose
 * rows `em.map` makes managed entities (initialising any reference already loaded).
 */
async function lockRows<T extends Cart | Product>(
  em: EntityManager,
  entity: new (...args: never[]) => T,
  ids: string[],
): Promise<T[]> {
  if (ids.length === 0) return [];
  const table = em.getMetadata().get(entity).tableName;
  const { rows } = await sql<Record<string, unknown>>`
    select * from ${sql.table(table)}
     where id in (select jsonb_array_elements_text(${JSON.stringify(ids)}::jsonb)::uuid)
     order by id for no key update`.execute(em.getKysely());
  return rows.map((row) => em.map(entity, row as never));
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

function sellProduct(
  { productId, quantity, expectedVersion }: ProductPurchase,
  products: Map<string, Product>,
  touched: Set<string>,
  idempotencyClaim?: string,
): Order {
  const product = products.get(productId);
  if (!product) throw new NotFoundError('Product', productId);
  // The version moves once per batch: an earlier purchase of this batch already changed it.
  if (
    expectedVersion !== undefined &&
    (touched.has(productId) || product.version !== expectedVersion)
  ) {
    throw new VersionConflictError(
      `Product ${productId} has changed since version ${expectedVersion}; reload it and try again.`,
      touched.has(productId) ? product.version + 1 : product.version,
    );
  }
  const short = product.shortage(quantity);
  if (short) throw new OutOfStockError([short]);
  const order = new Order([{ product, quantity }], { idempotencyClaim });
  product.take(quantity);
  touched.add(productId);
  return order;
}

function sellCart(
  { cartId }: CartPurchase,
  carts: Map<string, Cart>,
  cartLines: Map<string, CartItem[]>,
  touched: Set<string>,
  idempotencyClaim?: string,
): Order {
  const cart = carts.get(cartId);
  if (!cart) throw new NotFoundError('Cart', cartId);
  const lines = (cartLines.get(cartId) ?? []).map(({ product, quantity }) => ({
    product,
    quantity,
  }));
  cart.assertCanCheckOut(lines.length);
  const short = lines.flatMap(({ product, quantity }) => product.shortage(quantity) ?? []);
  if (short.length > 0) throw new OutOfStockError(short, { itemised: true });
  const order = new Order(lines, { cart, idempotencyClaim });
  cart.checkOut(lines.length);
  for (const { product, quantity } of lines) {
    product.take(quantity);
    touched.add(product.id);
  }
  return order;
}
