import { OptimisticLockError } from '@mikro-orm/core';
import { type RawBuilder, sql } from 'kysely';
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
 * Locks the carts, in id order, for the rest of the transaction, and reads them with their lines:
 * an expression of a larger statement (a JSON array, read with `cartsToCheckOut`). FOR NO KEY
 * UPDATE, as for the products (see `lockedProductsOnSale`). The lines are read on the
 * statement's snapshot, which a change of the cart that committed while the lock was awaited
 * postdates; every change of a cart moves its version, so the locked row's version is compared
 * with the snapshot's to tell.
 */
export const lockedCartsToCheckOut = (ids: string[]): RawBuilder<unknown> => sql`
  (select coalesce(json_agg(json_build_object(
            'id', c.id, 'status', c.status, 'moved', c.version <> seen.version,
            'lines', (select coalesce(json_agg(json_build_object(
                               'productId', i.product_id, 'quantity', i.quantity)
                             order by i.added_at, i.product_id), '[]')
                        from cart_items i where i.cart_id = c.id))), '[]')
     from (select id, status, version from carts
            where id = any(${anyOf(ids, 'uuid')})
            order by id for no key update) c
     join carts seen on seen.id = c.id)`;

/** The products of the carts' lines, as an array expression (for `lockedProductsOnSale`). */
export const productsInCarts = (ids: string[]): RawBuilder<unknown> => sql`
  array(select product_id from cart_items where cart_id = any(${anyOf(ids, 'uuid')}))`;

/**
 * The carts read by `lockedCartsToCheckOut`, by id. A cart changed while its lock was awaited
 * throws OptimisticLockError: its lines as read may be stale, and the batch runs again.
 */
export function cartsToCheckOut(json: unknown): Map<string, CartToCheckOut> {
  const carts = json as (CartToCheckOut & { moved: boolean })[];
  if (carts.some((cart) => cart.moved)) throw OptimisticLockError.lockFailed('Cart');
  return new Map(carts.map(({ id, status, lines }) => [id, { id, status, lines }]));
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
