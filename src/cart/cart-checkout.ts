import { type QueryExecutorProvider, type RawBuilder, sql } from 'kysely';
import { anyOf } from '../common/database/list-parameters';
import { CartStatus } from './cart.entity';
import { CartCheckedOutError, CartEmptyError } from './cart.errors';

/** A cart being checked out: its status and its lines, in the order they were added. */
export interface CartToCheckOut {
  id: string;
  status: CartStatus;
  lines: { productId: string; quantity: number }[];
}

/**
 * Locks the carts (in id order, for the rest of the transaction) and reads their lines. Two
 * statements: the lines are read after the locks are held, so a change of the cart that
 * committed while this waited for its lock is seen. FOR NO KEY UPDATE, as for the products (see
 * `readProductsOnSale`).
 */
export async function lockCartsForCheckout(
  db: QueryExecutorProvider,
  ids: string[],
): Promise<Map<string, CartToCheckOut>> {
  if (ids.length === 0) return new Map();
  const { rows: carts } = await sql<{ id: string; status: CartStatus }>`
    select id, status from carts
     where id = any(${anyOf(ids, 'uuid')})
     order by id for no key update`.execute(db);
  const byId = new Map(carts.map((cart) => [cart.id, { ...cart, lines: [] } as CartToCheckOut]));
  if (byId.size === 0) return byId;
  const { rows: lines } = await sql<{ cartId: string; productId: string; quantity: number }>`
    select cart_id as "cartId", product_id as "productId", quantity from cart_items
     where cart_id = any(${anyOf([...byId.keys()], 'uuid')})
     order by added_at, product_id`.execute(db);
  for (const { cartId, productId, quantity } of lines) {
    byId.get(cartId)!.lines.push({ productId, quantity });
  }
  return byId;
}

/** Only an open cart with lines can be checked out; a cart yields one order at most. */
export function assertCanCheckOut(cart: CartToCheckOut): void {
  if (cart.status === CartStatus.CheckedOut) throw new CartCheckedOutError(cart.id);
  if (cart.lines.length === 0) throw new CartEmptyError(cart.id);
}

/** Marks the cart checked out in this batch, so that a second checkout of it is refused. */
export function checkOut(cart: CartToCheckOut): void {
  cart.status = CartStatus.CheckedOut;
}

/** The statement that marks carts checked out, moving their version as any change of a cart does. */
export const checkOutStatements = (ids: string[]): RawBuilder<unknown>[] =>
  ids.length === 0
    ? []
    : [
        sql`
          update carts set status = ${CartStatus.CheckedOut}, version = version + 1, updated_at = now()
           where id = any(${anyOf(ids, 'uuid')})`,
      ];
