import { DomainError } from '../common/errors';

/** The largest total an order can carry: `orders.total_cents` is a PostgreSQL integer. */
export const MAX_ORDER_TOTAL_CENTS = 2_147_483_647;

/** Units of one product on one line, of an order or of the cart that becomes one. */
export const MAX_QUANTITY = 1000;

export class OrderTotalTooLargeError extends DomainError {
  constructor(totalCents: number) {
    super(
      'ORDER_TOTAL_TOO_LARGE',
      `This order would total ${totalCents} cents; one order can total at most ${MAX_ORDER_TOTAL_CENTS}. Split it into smaller orders.`,
      { totalCents, maxTotalCents: MAX_ORDER_TOTAL_CENTS },
    );
  }
}

/** An order, and so the cart that becomes one, holds products of one currency. */
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
