import { DomainError } from '../common/errors';

/** The largest total an order can carry: `orders.total_cents` is a PostgreSQL integer. */
export const MAX_ORDER_TOTAL_CENTS = 2_147_483_647;

export class OrderTotalTooLargeError extends DomainError {
  constructor(totalCents: number) {
    super(
      'ORDER_TOTAL_TOO_LARGE',
      `This order would total ${totalCents} cents; one order can total at most ${MAX_ORDER_TOTAL_CENTS}. Split it into smaller orders.`,
      { totalCents, maxTotalCents: MAX_ORDER_TOTAL_CENTS },
    );
  }
}
