import type { OrderDto } from '../orders/dto/order.dto';
import type { IdempotentReplay } from '../idempotency/idempotency.service';
import type { IdempotentRequest } from '../idempotency/idempotent-request';

/** Buy now: one product. */
export interface ProductPurchase {
  kind: 'product';
  productId: string;
  quantity: number;
  /** When set, the purchase happens only at exactly this product version. */
  expectedVersion?: number;
  /** The customer's email as sent; required by products limited per customer. */
  email?: string;
  idempotency?: IdempotentRequest;
}

/** Every line of a cart, all or nothing. */
export interface CartPurchase {
  kind: 'cart';
  cartId: string;
  email?: string;
  idempotency?: IdempotentRequest;
}

export type Purchase = ProductPurchase | CartPurchase;

/** A new order, or the response stored for a repeated Idempotency-Key. */
export type PurchaseResult = OrderDto | IdempotentReplay;
