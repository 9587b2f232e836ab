import { Injectable } from '@nestjs/common';
import type { IdempotentRequest } from '../idempotency/idempotent-request';
import { MetricsService } from '../observability/metrics.service';
import { CheckoutEngine } from './checkout-engine';
import type { CheckoutDto } from './dto/checkout.dto';
import type { PurchaseResult } from './purchase';

@Injectable()
export class CheckoutService {
  constructor(
    private readonly engine: CheckoutEngine,
    private readonly metrics: MetricsService,
  ) {}

  /** Checks out one product; see CheckoutDto.expectedVersion for what a version changes. */
  checkout(
    { productId, quantity, expectedVersion, email }: CheckoutDto,
    idempotency?: IdempotentRequest,
  ): Promise<PurchaseResult> {
    return this.metrics.countCheckout(
      'single',
      this.engine.checkout({
        kind: 'product',
        productId,
        quantity,
        expectedVersion,
        email,
        idempotency,
      }),
    );
  }

  /** Checks out every line of a cart, all or nothing. */
  checkoutCart(
    cartId: string,
    email: string | undefined,
    idempotency?: IdempotentRequest,
  ): Promise<PurchaseResult> {
    return this.metrics.countCheckout(
      'cart',
      this.engine.checkout({ kind: 'cart', cartId, email, idempotency }),
    );
  }
}
