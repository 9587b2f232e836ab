import { DomainError } from '../common/errors';

/** A line of a purchase that stock could not cover, as listed in an OUT_OF_STOCK problem. */
export interface StockShortage {
  productId: string;
  requested: number;
  available: number;
}

export class OutOfStockError extends DomainError {
  /** The first short line is named in the body; a cart's problem lists every one in `shortages`. */
  constructor(shortages: StockShortage[], { itemised = false } = {}) {
    const [{ productId, requested, available }] = shortages;
    super(
      'OUT_OF_STOCK',
      available === 0
        ? `Product ${productId} is sold out.`
        : `Only ${available} of product ${productId} left; ${requested} requested.`,
      itemised
        ? { productId, requested, available, shortages }
        : { productId, requested, available },
    );
  }
}

export class DuplicateSkuError extends DomainError {
  constructor(sku: string) {
    super('DUPLICATE_SKU', `A product with SKU ${sku} already exists.`, { sku });
  }
}

export class SaleNotStartedError extends DomainError {
  constructor(productId: string, startsAt: Date, now: Date) {
    super('SALE_NOT_STARTED', `Product ${productId} goes on sale at ${startsAt.toISOString()}.`, {
      productId,
      startsAt: startsAt.toISOString(),
      retryAfterSeconds: Math.max(1, Math.ceil((startsAt.getTime() - now.getTime()) / 1000)),
    });
  }
}

export class SaleEndedError extends DomainError {
  constructor(productId: string, endsAt: Date) {
    super('SALE_ENDED', `The sale of product ${productId} ended at ${endsAt.toISOString()}.`, {
      productId,
      endsAt: endsAt.toISOString(),
    });
  }
}

export class EmailRequiredError extends DomainError {
  constructor(productId: string, limit: number) {
    super(
      'EMAIL_REQUIRED',
      `Product ${productId} is limited to ${limit} per customer: send the customer's email with the purchase.`,
      { productId, limit },
    );
  }
}

/**
 * A purchase beyond a product's limit per customer. `remaining` is given only when the purchase
 * would fit the limit on its own (`quantity <= limit`) and the customer's earlier orders leave
 * less: a purchase of more than the limit is refused without it, the same for every email.
 */
export class PurchaseLimitReachedError extends DomainError {
  constructor(productId: string, limit: number, remaining?: number) {
    super(
      'PURCHASE_LIMIT_REACHED',
      remaining === undefined
        ? `Product ${productId} is limited to ${limit} per customer; no purchase can hold more.`
        : remaining === 0
          ? `Product ${productId} is limited to ${limit} per customer, and this customer has bought them all.`
          : `Product ${productId} is limited to ${limit} per customer; this customer can buy ${remaining} more.`,
      remaining === undefined ? { productId, limit } : { productId, limit, remaining },
    );
  }
}
