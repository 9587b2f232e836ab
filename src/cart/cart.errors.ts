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

export class CurrencyMismatchError extends DomainError {
  constructor(currencies: string[]) {
    super(
      'CURRENCY_MISMATCH',
      `A cart holds products of one currency; these are priced in ${currencies.join(', ')}.`,
    );
  }
}
