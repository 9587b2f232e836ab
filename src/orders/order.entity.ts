import { Collection, OptionalProps, PrimaryKeyProp } from '@mikro-orm/core';
import {
  Check,
  Entity,
  Enum,
  Index,
  ManyToOne,
  OneToMany,
  PrimaryKey,
  Property,
} from '@mikro-orm/decorators/legacy';
import { randomUUID } from 'node:crypto';
import { Cart } from '../cart/cart.entity';
import { Product } from '../products/product.entity';

export enum OrderStatus {
  Confirmed = 'confirmed',
}

/**
 * An order is written once, in the transaction that takes its stock (by `orderInserts`, from a
 * `newOrder`), and never updated; the entity maps it for reading.
 */
@Entity({ tableName: 'orders' })
// Partial: the orders of a flash sale without an email cost no index entry.
@Index({
  name: 'orders_customer_index',
  expression:
    'create index "orders_customer_index" on "orders" ("customer") where "customer" is not null',
})
export class Order {
  [OptionalProps]?: 'status' | 'createdAt' | 'cart' | 'idempotencyClaim' | 'email' | 'customer';

  @PrimaryKey({ type: 'uuid' })
  id: string = randomUUID();

  @Enum({ items: () => OrderStatus, nativeEnumName: 'order_status' })
  status = OrderStatus.Confirmed;

  @Property({ type: 'integer' })
  totalCents: number;

  @Property({ length: 3 })
  currency: string;

  /** The cart this order was checked out from; unique, so a cart can never yield two orders. */
  @ManyToOne(() => Cart, { nullable: true, unique: 'orders_cart_unique' })
  cart?: Cart;

  /** The Idempotency-Key claim that created this order; unique, so a retry never doubles it. */
  @Property({ type: 'uuid', nullable: true, unique: 'orders_idempotency_claim_unique' })
  idempotencyClaim?: string;

  /** The customer's email as given at checkout, trimmed. */
  @Property({ length: 254, nullable: true })
  email: string | null = null;

  /** Who the customer is for per-customer limits: the email normalised by `customerKey`. */
  @Property({ length: 254, nullable: true })
  customer: string | null = null;

  @OneToMany(() => OrderItem, (item) => item.order, { orderBy: { position: 'asc' } })
  items = new Collection<OrderItem>(this);

  @Property({ type: 'datetime', defaultRaw: 'now()' })
  createdAt: Date = new Date();
}

/** One line of an order; name and unit price are copied at purchase time. */
@Entity({ tableName: 'order_items' })
@Check({ name: 'order_items_quantity_positive', expression: 'quantity > 0' })
export class OrderItem {
  [PrimaryKeyProp]?: ['order', 'position'];

  @ManyToOne(() => Order, { primary: true, deleteRule: 'cascade' })
  order: Order;

  @PrimaryKey({ type: 'smallint' })
  position: number;

  @ManyToOne(() => Product)
  product: Product;

  @Property({ length: 200 })
  productName: string;

  @Property({ type: 'integer' })
  quantity: number;

  @Property({ type: 'integer' })
  unitPriceCents: number;
}
