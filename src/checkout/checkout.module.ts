import { Module } from '@nestjs/common';
import { IdempotencyModule } from '../idempotency/idempotency.module';
import { ObservabilityModule } from '../observability/observability.module';
import { RateLimitModule } from '../rate-limit/rate-limit.module';
import { CheckoutEngine } from './checkout-engine';
import { CheckoutController } from './checkout.controller';
import { CheckoutService } from './checkout.service';

/**
 * Checkout: the two purchase routes and the engine that serves every purchase, in batches, one
 * transaction each. It writes through the cart, products, orders and idempotency modules' code.
 */
@Module({
  imports: [IdempotencyModule, RateLimitModule, ObservabilityModule],
  controllers: [CheckoutController],
  providers: [CheckoutService, CheckoutEngine],
  exports: [CheckoutEngine],
})
export class CheckoutModule {}
