import type { EntityManager } from '@mikro-orm/postgresql';
import type { IdempotencyClaim } from '../idempotency/idempotency.service';
import type { OrderDto } from './dto/checkout.dto';
import { Order } from './order.entity';

export const toOrderDto = (order: Order): OrderDto => ({
  id: order.id,
  status: order.status,
  items: order.items.getItems().map((item) => ({
    productId: item.product.id,
    name: item.productName,
    quantity: item.quantity,
    unitPriceCents: item.unitPriceCents,
  })),
  totalCents: order.totalCents,
  currency: order.currency,
  createdAt: order.createdAt,
});

/**
 * The order an earlier, crashed attempt under the same idempotency claim committed, if any.
 * Only a takeover can find one, so fresh claims skip the query.
 */
export async function findClaimedOrder(
  em: EntityManager,
  claim: IdempotencyClaim | undefined,
): Promise<Order | null> {
  if (!claim?.takeover) return null;
  return em.findOne(Order, { idempotencyClaim: claim.claimId }, { populate: ['items'] });
}
