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
