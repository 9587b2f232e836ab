import { Injectable } from '@nestjs/common';
import { EntityManager, LockMode } from '@mikro-orm/postgresql';
import { NotFoundError, OutOfStockError } from '../common/errors';
import { retryOnConflict } from '../common/retry';
import type { IdempotencyClaim } from '../idempotency/idempotency.service';
import { Product } from '../products/product.entity';
import type { OrderDto } from './dto/checkout.dto';
import { findClaimedOrder, toOrderDto } from './order.mapper';
import { Order } from './order.entity';

interface PendingSale {
  quantity: number;
  claim?: IdempotencyClaim;
  resolve: (order: OrderDto) => void;
  reject: (error: unknown) => void;
}

/** Orders written in one transaction at most; larger queues are served in several. */
export const MAX_BATCH = 500;

/**
 * Coalesces concurrent checkouts of one product. While one transaction for a product is in
 * flight, the checkouts that arrive for it queue up; the next transaction serves the whole queue
 * in arrival order: one read of the product, one multi-row insert of the orders and one of their
 * lines, and one versioned update of the product row.
 *
 * Each order stays all or nothing, and correctness never rests on this process. The batch reads
 * the product under a row lock (SELECT ... FOR UPDATE), so a batch of another instance or a cart
 * checkout of the same product waits for this one to commit and then reads the stock it left,
 * instead of losing a race and starting over. The product's `version` still guards the row: the
 * update is `... WHERE id = ? AND version = ?`, a mismatch throws OptimisticLockError, and the
 * batch is then run again from a fresh read. The queue holds only requests in flight, never stock.
 */
@Injectable()
export class SaleBatcher {
  private readonly queues = new Map<string, PendingSale[]>();

  constructor(private readonly em: EntityManager) {}

  sell(productId: string, quantity: number, claim?: IdempotencyClaim): Promise<OrderDto> {
    return new Promise((resolve, reject) => {
      const sale = { quantity, claim, resolve, reject };
      const queue = this.queues.get(productId);
      if (queue) {
        queue.push(sale);
      } else {
        const fresh = [sale];
        this.queues.set(productId, fresh);
        void this.drain(productId, fresh);
      }
    });
  }

  private async drain(productId: string, queue: PendingSale[]): Promise<void> {
    while (queue.length > 0) {
      await this.sellBatch(productId, queue.splice(0, MAX_BATCH));
    }
    this.queues.delete(productId);
  }

  private async sellBatch(productId: string, batch: PendingSale[]): Promise<void> {
    try {
      const outcomes = await retryOnConflict(() =>
        this.em.fork().transactional(async (em) => {
          const product = await em.findOne(Product, productId, {
            lockMode: LockMode.PESSIMISTIC_WRITE,
          });
          if (!product) throw new NotFoundError('Product', productId);
          // Only a takeover of a dead attempt's idempotency key queries here; one at a time,
          // as the transaction has a single connection.
          const earlier: (Order | null)[] = [];
          for (const { claim } of batch) earlier.push(await findClaimedOrder(em, claim));
          const created: Order[] = [];
          const outcomes = batch.map(({ quantity, claim }, i) => {
            const found = earlier[i];
            if (found) return found;
            if (quantity > product.stock) {
              return new OutOfStockError(productId, quantity, product.stock);
            }
            product.stock -= quantity;
            const order = new Order([{ product, quantity }], { idempotencyClaim: claim?.claimId });
            created.push(order);
            return order;
          });
          if (created.length > 0) {
            // insertMany writes the new rows without the unit of work's change-set computation,
            // which cost about half of the batch's CPU time (bench/NOTES.md); the flush is then
            // the product's versioned update alone.
            await em.insertMany(created);
            await em.insertMany(created.flatMap((order) => order.items.getItems()));
            await em.flush();
          }
          return outcomes;
        }),
      );
      batch.forEach((sale, i) => {
        const outcome = outcomes[i];
        if (outcome instanceof Order) sale.resolve(toOrderDto(outcome));
        else sale.reject(outcome);
      });
    } catch (error) {
      for (const sale of batch) sale.reject(error);
    }
  }
}
