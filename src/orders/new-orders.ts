import { randomUUID } from 'node:crypto';
import { type RawBuilder, sql } from 'kysely';
import { recordsOf } from '../common/database/list-parameters';
import { customerKey } from './customer-email';
import type { OrderDto } from './dto/order.dto';
import { currencyMismatch, MAX_ORDER_TOTAL_CENTS, OrderTotalTooLargeError } from './order.errors';

/** What an order line copies from its product at purchase time. */
export interface OrderLineInput {
  product: { id: string; name: string; priceCents: number; currency: string };
  quantity: number;
}

/** An order made by a purchase, as it will be written and answered. */
export interface NewOrder {
  dto: OrderDto;
  cartId: string | null;
  idempotencyClaim: string | null;
  customer: string | null;
}

/**
 * The order for `lines`, bought together. The order's own rules: its lines share one currency,
 * and its total fits `orders.total_cents`; a purchase that breaks one is refused alone.
 */
export function newOrder(
  lines: OrderLineInput[],
  {
    cartId,
    idempotencyClaim,
    email,
  }: { cartId?: string; idempotencyClaim?: string; email?: string },
): NewOrder {
  const mismatch = currencyMismatch(lines.map(({ product }) => product));
  if (mismatch) throw mismatch;
  const totalCents = lines.reduce(
    (sum, { product, quantity }) => sum + product.priceCents * quantity,
    0,
  );
  if (totalCents > MAX_ORDER_TOTAL_CENTS) throw new OrderTotalTooLargeError(totalCents);
  return {
    dto: {
      id: randomUUID(),
      status: 'confirmed',
      items: lines.map(({ product, quantity }) => ({
        productId: product.id,
        name: product.name,
        quantity,
        unitPriceCents: product.priceCents,
      })),
      totalCents,
      currency: lines[0].product.currency,
      email: email ? email.trim() : null,
      createdAt: new Date(),
    },
    cartId: cartId ?? null,
    idempotencyClaim: idempotencyClaim ?? null,
    customer: email ? customerKey(email) : null,
  };
}

/**
 * The statements that write orders and their lines, whatever their number: the rows travel as
 * JSON parameters. Run together in one statement (as data-modifying WITH clauses), the lines'
 * foreign key to their order is checked at its end, when both are written. Orders are never
 * updated, so they need none of the unit of work's bookkeeping; `Order` and `OrderItem` map the
 * same tables for reading.
 */
export function orderInserts(orders: NewOrder[]): RawBuilder<unknown>[] {
  if (orders.length === 0) return [];
  const rows = orders.map(({ dto, cartId, idempotencyClaim, customer }) => ({
    id: dto.id,
    total: dto.totalCents,
    currency: dto.currency,
    cart: cartId,
    claim: idempotencyClaim,
    email: dto.email,
    customer,
    at: dto.createdAt,
  }));
  const lines = orders.flatMap(({ dto }) =>
    dto.items.map((item, position) => ({
      order: dto.id,
      position,
      product: item.productId,
      name: item.name,
      quantity: item.quantity,
      price: item.unitPriceCents,
    })),
  );
  return [
    sql`
      insert into orders
             (id, status, total_cents, currency, cart_id, idempotency_claim, email, customer, created_at)
      select id, 'confirmed', total, currency, cart, claim, email, customer, at
        from ${recordsOf(rows)}
          as t(id uuid, total int, currency text, cart uuid, claim uuid, email text, customer text,
               at timestamptz)`,
    sql`
      insert into order_items (order_id, position, product_id, product_name, quantity, unit_price_cents)
      select "order", position, product, name, quantity, price
        from ${recordsOf(lines)}
          as t("order" uuid, position smallint, product uuid, name text, quantity int, price int)`,
  ];
}
