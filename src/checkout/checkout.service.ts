import { Injectable } from '@nestjs/common';
import { EntityManager } from '@mikro-orm/postgresql';
import { NotFoundError } from '../common/errors';
import type { IdempotentRequest } from '../idempotency/idempotency.service';
import { MetricsService } from '../observability/metrics.service';
import type { PurchaseResult } from '../sales/purchase';
import { SaleEngine } from '../sales/sale-engine';
import type { CheckoutDto, OrderDto } from './dto/checkout.dto';
import { Order } from './order.entity';
import { toOrderDto } from './order.mapper';

@Injectable()
export class CheckoutService {
  constructor(
    private readonly em: EntityManager,
    private readonly sales: SaleEngine,
    private readonly metrics: MetricsService,
  ) {}

  /** Buys one product; see CheckoutDto.expectedVersion for what a version changes. */
  checkout(
    { productId, quantity, expectedVersion, email }: CheckoutDto,
    idempotency?: IdempotentRequest,
  ): Promise<PurchaseResult> {
    return this.metrics.countCheckout(
      'single',
      this.sales.buy({
        kind: 'product',
        productId,
        quantity,
        expectedVersion,
        email,
        idempotency,
      }),
    );
  }

  /** Buys every line of a cart, all or nothing. */
  checkoutCart(
    cartId: string,
    email: string | undefined,
    idempotency?: IdempotentRequest,
  ): Promise<PurchaseResult> {
    return this.metrics.countCheckout(
      'cart',
      this.sales.buy({ kind: 'cart', cartId, email, idempotency }),
    );
  }

  async getOrder(id: string): Promise<OrderDto> {
    const order = await this.em.fork().findOne(Order, id, { populate: ['items'] });
    if (!order) throw new NotFoundError('Order', id);
    return toOrderDto(order);
  }
}
