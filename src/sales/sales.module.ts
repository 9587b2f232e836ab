import { Module } from '@nestjs/common';
import { IdempotencyModule } from '../idempotency/idempotency.module';
import { ObservabilityModule } from '../observability/observability.module';
import { SaleEngine } from './sale-engine';

/** The sale engine: every purchase, whichever route it came by, is served here. */
@Module({
  imports: [IdempotencyModule, ObservabilityModule],
  providers: [SaleEngine],
  exports: [SaleEngine],
})
export class SalesModule {}
