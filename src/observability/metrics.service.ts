import { Injectable } from '@nestjs/common';
import { MikroORM } from '@mikro-orm/postgresql';
import type { Pool } from 'pg';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { DomainError } from '../common/errors';
import { isRetryableConflict } from '../common/retry';

type CheckoutOutcome = 'ok' | 'out_of_stock' | 'version_conflict' | 'error';

/** Prometheus metrics of this process, served at /metrics. */
@Injectable()
export class MetricsService {
  readonly registry = new Registry();

  readonly requestDuration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'HTTP request latency by route',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [this.registry],
  });

  readonly checkoutOutcomes = new Counter({
    name: 'checkout_outcomes_total',
    help: 'Checkouts by kind (single product or cart) and outcome',
    labelNames: ['kind', 'outcome'] as const,
    registers: [this.registry],
  });

  readonly saleBatchSize = new Histogram({
    name: 'sale_batch_purchases',
    help: 'Purchases served by one transaction of the sale engine',
    buckets: [1, 2, 5, 10, 20, 50, 100, 200, 500],
    registers: [this.registry],
  });

  readonly lockRetries = new Counter({
    name: 'optimistic_lock_retries_total',
    help: 'Transactions run again after an OptimisticLockError or a deadlock',
    labelNames: ['operation'] as const,
    registers: [this.registry],
  });

  constructor(orm: MikroORM) {
    collectDefaultMetrics({ register: this.registry });
    let pool: Pool | undefined;
    const poolGauge = (name: string, help: string, read: (pool: Pool) => number) =>
      new Gauge({
        name,
        help,
        registers: [this.registry],
        async collect() {
          pool ??= (await orm.em.getConnection().getNativeClient()) as Pool;
          this.set(read(pool));
        },
      });
    poolGauge('db_pool_connections', 'Connections open in the pool', (p) => p.totalCount);
    poolGauge('db_pool_idle_connections', 'Idle connections in the pool', (p) => p.idleCount);
    poolGauge(
      'db_pool_waiting_requests',
      'Queries waiting for a connection',
      (p) => p.waitingCount,
    );
  }

  /** Counts how `checkout` ended, and passes its result or error through. */
  async countCheckout<T>(kind: 'single' | 'cart', checkout: Promise<T>): Promise<T> {
    try {
      const result = await checkout;
      this.checkoutOutcomes.inc({ kind, outcome: 'ok' });
      return result;
    } catch (error) {
      this.checkoutOutcomes.inc({ kind, outcome: outcomeOf(error) });
      throw error;
    }
  }
}

function outcomeOf(error: unknown): CheckoutOutcome {
  if (error instanceof DomainError && error.code === 'OUT_OF_STOCK') return 'out_of_stock';
  if (isRetryableConflict(error)) return 'version_conflict';
  return 'error';
}
