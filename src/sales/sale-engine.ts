import { Injectable, Logger } from '@nestjs/common';
import { DriverException } from '@mikro-orm/core';
import { EntityManager } from '@mikro-orm/postgresql';
import { Order } from '../checkout/order.entity';
import { toOrderDto } from '../checkout/order.mapper';
import { AppConfig } from '../common/config';
import { DomainError } from '../common/errors';
import { retryOnConflict } from '../common/retry';
import { IdempotencyService } from '../idempotency/idempotency.service';
import { MetricsService } from '../observability/metrics.service';
import type { Purchase, PurchaseResult } from './purchase';
import { type SaleOutcome, sellBatch } from './sale-transaction';

/** Purchases served in one transaction at most; a longer queue is served in several. */
export const MAX_BATCH = 500;

interface Pending {
  purchase: Purchase;
  resolve: (result: PurchaseResult) => void;
  reject: (error: unknown) => void;
}

export class OverloadedError extends DomainError {
  constructor(queued: number) {
    super('OVERLOADED', `${queued} purchases are already waiting; try again in a moment.`, {
      retryAfterSeconds: 1,
    });
  }
}

/**
 * The one way every purchase is made: Buy now and cart checkout, with or without an
 * Idempotency-Key. Purchases that arrive while a transaction is in flight wait, and go into the
 * next transaction together, whatever products they touch; see `sellBatch` for what one
 * transaction does. So a sale costs one commit per batch rather than one per order, and every
 * rule is applied in the one place that holds the row locks.
 *
 * Correctness never rests on this process: the batch locks its rows, and a product's `version`
 * still guards its update; an OptimisticLockError or a deadlock runs the batch again from fresh
 * reads. The queue holds requests in flight only, never stock, and is bounded: past
 * SALE_QUEUE_LIMIT a purchase is refused at once with 503 OVERLOADED and Retry-After.
 */
@Injectable()
export class SaleEngine {
  private readonly logger = new Logger(SaleEngine.name);
  private readonly queue: Pending[] = [];
  private inFlight = 0;
  /** Purchases per Idempotency-Key in this process: a repeat waits for the first to settle. */
  private readonly keysInFlight = new Map<string, Promise<unknown>>();
  private readonly maxInFlight: number;
  private readonly queueLimit: number;

  constructor(
    private readonly em: EntityManager,
    private readonly idempotency: IdempotencyService,
    private readonly metrics: MetricsService,
    config: AppConfig,
  ) {
    this.maxInFlight = config.SALE_BATCHES_IN_FLIGHT;
    this.queueLimit = config.SALE_QUEUE_LIMIT;
  }

  async buy(purchase: Purchase): Promise<PurchaseResult> {
    const key = purchase.idempotency?.key;
    if (!key) return this.enqueue(purchase);
    for (let earlier = this.keysInFlight.get(key); earlier; earlier = this.keysInFlight.get(key)) {
      await earlier.catch(() => undefined);
    }
    const result = this.enqueue(purchase);
    this.keysInFlight.set(key, result);
    const forget = () => {
      if (this.keysInFlight.get(key) === result) this.keysInFlight.delete(key);
    };
    result.then(forget, forget);
    return result;
  }

  private enqueue(purchase: Purchase): Promise<PurchaseResult> {
    if (this.queue.length >= this.queueLimit) {
      return Promise.reject(new OverloadedError(this.queue.length));
    }
    return new Promise((resolve, reject) => {
      this.queue.push({ purchase, resolve, reject });
      this.pump();
    });
  }

  private pump(): void {
    while (this.inFlight < this.maxInFlight && this.queue.length > 0) {
      const batch = this.queue.splice(0, MAX_BATCH);
      this.inFlight++;
      void this.serve(batch).finally(() => {
        this.inFlight--;
        this.pump();
      });
    }
  }

  private async serve(batch: Pending[]): Promise<void> {
    this.metrics.saleBatchSize.observe(batch.length);
    let outcomes: SaleOutcome[];
    try {
      outcomes = await retryOnConflict(
        () =>
          this.em.fork().transactional((em) =>
            sellBatch(
              em,
              batch.map((pending) => pending.purchase),
              this.idempotency,
            ),
          ),
        undefined,
        () => this.metrics.lockRetries.inc({ operation: 'sale_batch' }),
      );
    } catch (error) {
      if (batch.length > 1 && isDataError(error)) {
        // A purchase the database refused (a bug in a rule above, never expected): serve the
        // halves apart, so that it fails alone and its neighbours are served.
        this.logger.warn(`A batch of ${batch.length} failed (${String(error)}); splitting it`);
        const half = Math.ceil(batch.length / 2);
        await this.serve(batch.slice(0, half));
        await this.serve(batch.slice(half));
        return;
      }
      for (const pending of batch) pending.reject(error);
      return;
    }
    batch.forEach((pending, i) => {
      const outcome = outcomes[i];
      if (outcome instanceof DomainError) pending.reject(outcome);
      else pending.resolve(outcome instanceof Order ? toOrderDto(outcome) : outcome);
    });
  }
}

/** PostgreSQL refused the data itself (SQLSTATE class 22 or 23), not the connection. */
const isDataError = (error: unknown): boolean =>
  error instanceof DriverException && /^2[23]/.test(error.sqlState ?? error.code ?? '');
