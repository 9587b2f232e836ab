import { Injectable } from '@nestjs/common';
import { EntityManager, LockMode } from '@mikro-orm/postgresql';
import { Cart, CartStatus } from '../cart/cart.entity';
import { CartCheckedOutError } from '../cart/cart.service';
import { DomainError, NotFoundError, OutOfStockError } from '../common/errors';
import { retryOnConflict } from '../common/retry';
import type { IdempotencyClaim } from '../idempotency/idempotency.service';
import { MetricsService } from '../observability/metrics.service';
import { Product } from '../products/product.entity';
import type { CheckoutDto, OrderDto } from './dto/checkout.dto';
import { Order } from './order.entity';
import { findClaimedOrder, toOrderDto } from './order.mapper';
import { SaleBatcher } from './sale-batcher';

@Injectable()
export class CheckoutService {
  constructor(
    private readonly em: EntityManager,
    private readonly batcher: SaleBatcher,
    private readonly metrics: MetricsService,
  ) {}

  /** Buys one product; see CheckoutDto.expectedVersion for the two ways this can run. */
  checkout(
    { productId, quantity, expectedVersion }: CheckoutDto,
    claim?: IdempotencyClaim,
  ): Promise<OrderDto> {
    return this.metrics.countCheckout(
      'single',
      expectedVersion === undefined
        ? this.batcher.sell(productId, quantity, claim)
        : this.checkoutAtVersion(productId, quantity, expectedVersion, claim),
    );
  }

  /** A stale version throws OptimisticLockError at once, without retrying. */
  private checkoutAtVersion(
    productId: string,
    quantity: number,
    expectedVersion: number,
    claim?: IdempotencyClaim,
  ): Promise<OrderDto> {
    return this.em.fork().transactional(async (em) => {
      const earlier = await findClaimedOrder(em, claim);
      if (earlier) return toOrderDto(earlier);
      const product = await em.findOne(Product, productId);
      if (!product) throw new NotFoundError('Product', productId);
      await em.lock(product, LockMode.OPTIMISTIC, expectedVersion);
      if (quantity > product.stock) {
        throw new OutOfStockError(productId, quantity, product.stock);
      }
      product.stock -= quantity;
      const order = new Order([{ product, quantity }], { idempotencyClaim: claim?.claimId });
      await em.persist(order).flush();
      return toOrderDto(order);
    });
  }

  /**
   * Buys every line of a cart in one transaction, all or nothing. Products are read and updated
   * in id order so that concurrent cart checkouts cannot deadlock; a lost race is retried.
   */
  checkoutCart(cartId: string, claim?: IdempotencyClaim): Promise<OrderDto> {
    return this.metrics.countCheckout('cart', this.sellCart(cartId, claim));
  }

  private sellCart(cartId: string, claim?: IdempotencyClaim): Promise<OrderDto> {
    return retryOnConflict(
      () =>
        this.em.fork().transactional(async (em) => {
          const earlier = await findClaimedOrder(em, claim);
          if (earlier) return toOrderDto(earlier);
          // Row locks (SELECT ... FOR UPDATE) on the cart, then on its products in id order: a
          // second checkout of the same cart waits here and then sees it checked out, and nobody
          // changes the stock read below before this transaction ends. MikroORM writes several
          // changed products as one batch UPDATE whose version check is a separate, unlocked
          // SELECT, so without these locks two carts could both take the same units.
          const cart = await em.findOne(Cart, cartId, { lockMode: LockMode.PESSIMISTIC_WRITE });
          if (!cart) throw new NotFoundError('Cart', cartId);
          await em.populate(cart, ['items']);
          if (cart.status === CartStatus.CheckedOut) throw new CartCheckedOutError(cartId);
          if (cart.items.length === 0) {
            throw new DomainError('CART_EMPTY', `Cart ${cartId} has no items to check out.`);
          }
          const lines = cart.items
            .getItems()
            .map(({ product, quantity }) => ({ product, quantity }));
          lines.sort((a, b) => (a.product.id < b.product.id ? -1 : 1));
          await em.find(
            Product,
            { id: { $in: lines.map((line) => line.product.id) } },
            { orderBy: { id: 'asc' }, lockMode: LockMode.PESSIMISTIC_WRITE, refresh: true },
          );

          const short = lines.filter(({ product, quantity }) => quantity > product.stock);
          if (short.length > 0) {
            const [{ product, quantity }] = short;
            const error = new OutOfStockError(product.id, quantity, product.stock);
            error.details.shortages = short.map((line) => ({
              productId: line.product.id,
              requested: line.quantity,
              available: line.product.stock,
            }));
            throw error;
          }
          for (const { product, quantity } of lines) product.stock -= quantity;
          cart.status = CartStatus.CheckedOut;
          const order = new Order(lines, { cart, idempotencyClaim: claim?.claimId });
          await em.persist(order).flush();
          return toOrderDto(order);
        }),
      undefined,
      () => this.metrics.lockRetries.inc({ operation: 'cart_checkout' }),
    );
  }

  async getOrder(id: string): Promise<OrderDto> {
    const order = await this.em.fork().findOne(Order, id, { populate: ['items'] });
    if (!order) throw new NotFoundError('Order', id);
    return toOrderDto(order);
  }
}
