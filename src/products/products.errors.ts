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
