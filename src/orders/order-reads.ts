import type { EntityManager } from '@mikro-orm/postgresql';
import { type QueryExecutorProvider, sql } from 'kysely';
import { anyOf } from '../common/database/list-parameters';
import type { OrderDto } from './dto/order.dto';
import { Order } from './order.entity';
import { toOrderDto } from './order.mapper';

/** The orders created under these Idempotency-Key claims, by claim id. */
export async function ordersCreatedUnder(
  em: EntityManager,
  claimIds: string[],
): Promise<Map<string, OrderDto>> {
  if (claimIds.length === 0) return new Map();
  const orders = await em.find(
    Order,
    { idempotencyClaim: { $in: claimIds } },
    { populate: ['items'] },
  );
  return new Map(orders.map((order) => [order.idempotencyClaim!, toOrderDto(order)]));
}

/** Units of a product that a customer (a `customerKey`) has bought, across all their orders. */
export interface UnitsBought {
  customer: string;
  productId: string;
  units: number;
}

/**
 * What each of `customers` has bought of each of `productIds`, across all their orders. Read it
 * under the products' locks to count every order of them committed before.
 */
export async function unitsBought(
  db: QueryExecutorProvider,
  customers: string[],
  productIds: string[],
): Promise<UnitsBought[]> {
  if (customers.length === 0 || productIds.length === 0) return [];
  const { rows } = await sql<UnitsBought>`
    select o.customer, i.product_id as "productId", sum(i.quantity)::int as units
      from orders o join order_items i on i.order_id = o.id
     where o.customer = any(${anyOf(customers)})
       and i.product_id = any(${anyOf(productIds, 'uuid')})
     group by o.customer, i.product_id`.execute(db);
  return rows;
}
