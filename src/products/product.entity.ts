import { Check, Entity, Property, Trigger } from '@mikro-orm/decorators/legacy';
import { BaseEntity } from '../common/base.entity';
import { OutOfStockError, type StockShortage } from './products.errors';

export const STOCK_CHANNEL = 'stock_changed';

@Entity({ tableName: 'products' })
@Check({ name: 'products_stock_non_negative', expression: 'stock >= 0' })
@Check({ name: 'products_price_non_negative', expression: 'price_cents >= 0' })
/** Every change is announced on the `stock_changed` channel, whichever instance made it. */
@Trigger({
  name: 'products_notify_stock_changed',
  timing: 'after',
  events: ['insert', 'update'],
  forEach: 'row',
  body: `PERFORM pg_notify('${STOCK_CHANNEL}', json_build_object('productId', NEW.id, 'stock', NEW.stock, 'version', NEW.version)::text); RETURN NULL;`,
})
export class Product extends BaseEntity<'description' | 'version'> {
  @Property({ length: 64, unique: 'products_sku_unique' })
  sku: string;

  @Property({ length: 200 })
  name: string;

  @Property({ type: 'text' })
  description = '';

  @Property({ type: 'integer' })
  priceCents: number;

  /** ISO 4217 code, e.g. USD. */
  @Property({ length: 3 })
  currency: string;

  @Property({ type: 'integer' })
  stock: number;

  /** Bumped by every update; a flush with a stale version throws OptimisticLockError. */
  @Property({ type: 'integer', version: true })
  version: number;

  /**
   * The stock rule: a purchase is served whole or not at all, never below zero. What `quantity`
   * would lack, or undefined when the stock covers it.
   */
  shortage(quantity: number): StockShortage | undefined {
    return quantity <= this.stock
      ? undefined
      : { productId: this.id, requested: quantity, available: this.stock };
  }

  take(quantity: number): void {
    const short = this.shortage(quantity);
    if (short) throw new OutOfStockError([short]);
    this.stock -= quantity;
  }

  constructor(init: {
    sku: string;
    name: string;
    description?: string;
    priceCents: number;
    currency: string;
    stock: number;
  }) {
    super();
    Object.assign(this, init);
  }
}
