import { DomainError } from '../common/errors';

export class CartCheckedOutError extends DomainError {
  constructor(cartId: string) {
    super('CART_CHECKED_OUT', `Cart ${cartId} has already been checked out.`);
  }
}

export class CartEmptyError extends DomainError {
  constructor(cartId: string) {
    super('CART_EMPTY', `Cart ${cartId} has no items to check out.`);
  }
}

/** A cart, and so an order, holds products of one currency. */
export function currencyMismatch(
  products: { currency: string }[],
): CurrencyMismatchError | undefined {
  const currencies = new Set(products.map((p) => p.currency));
  return currencies.size > 1 ? new CurrencyMismatchError([...currencies]) : undefined;
}

export class CurrencyMismatchError extends DomainError {
  constructor(currencies: string[]) {
    super(
      'CURRENCY_MISMATCH',
      `A cart holds products of one currency; these are priced in ${currencies.join(', ')}.`,
    );
  }
}
