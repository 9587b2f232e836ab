import { Injectable } from '@nestjs/common';
import { EntityManager } from '@mikro-orm/postgresql';
import { AppConfig } from '../common/config';
import { Coalescer } from '../common/coalescer';
import { retryOnConflict } from '../common/retry';
import { IdempotencyService } from '../idempotency/idempotency.service';
import { MetricsService } from '../observability/metrics.service';
import { checkoutBatch } from './checkout-batch';
import type { Purchase, PurchaseResult } from './purchase';

/** Purchases served in one transaction at most; a longer queue is served in several. */
export const MAX_BATCH = 500;

/**
 * The one way every purchase is made: Buy now and cart checkout, with or without an
 * Idempotency-Key. Purchases that arrive while a transaction is in flight wait, and go into the
 * next transaction together, whatever products they touch (see `checkoutBatch`). So a sale costs
 * one commit per batch rather than one per order, and every rule is applied in the one place
 * that holds the row locks.
 *
 * Correctness never rests on this process: the batch locks its rows, and a product's `version`
 * still guards its update; an OptimisticLockError or a deadlock runs the batch again from fresh
 * reads. Past BATCH_QUEUE_LIMIT waiting purchases, a purchase is refused at once with 503
 * OVERLOADED and Retry-After.
 */
@Injectable()
export class CheckoutEngine {
  private readonly purchases: Coalescer<Purchase, PurchaseResult>;

  constructor(
    em: EntityManager,
    private readonly idempotency: IdempotencyService,
    metrics: MetricsService,
    config: AppConfig,
  ) {
    this.purchases = new Coalescer(
      (batch) =>
        retryOnConflict(
          () => em.fork().transactional((tx) => checkoutBatch(tx, batch, idempotency)),
          undefined,
          () => metrics.lockRetries.inc({ operation: 'sale_batch' }),
        ),
      {
        maxBatch: MAX_BATCH,
        maxInFlight: config.BATCHES_IN_FLIGHT,
        queueLimit: config.BATCH_QUEUE_LIMIT,
        onBatch: (size) => metrics.saleBatchSize.observe(size),
      },
    );
  }

  /** Queues a purchase for the next batch; a repeat of a key in flight waits for the first. */
  checkout(purchase: Purchase): Promise<PurchaseResult> {
    return this.idempotency.oneAtATime(purchase.idempotency?.key, () =>
      this.purchases.submit(purchase),
    );
  }
}
