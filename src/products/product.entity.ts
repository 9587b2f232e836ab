import { Check, Entity, Property, Trigger } from '@mikro-orm/decorators/legacy';
import { BaseEntity } from '../common/base.entity';
import { type FieldError, ValidationFailedError } from '../common/errors';

export const STOCK_CHANNEL = 'stock_changed';

@Entity({ tableName: 'products' })
@Check({ name: 'products_stock_non_negative', expression: 'stock >= 0' })
@Check({ name: 'products_price_non_negative', expression: 'price_cents >= 0' })
@Check({
  name: 'products_compare_at_price_not_below_price',
  expression: 'compare_at_price_cents >= price_cents',
})
@Check({ name: 'products_max_per_customer_positive', expression: 'max_per_customer >= 1' })
@Check({ name: 'products_sale_window_ordered', expression: 'sale_ends_at > sale_starts_at' })
/** Every change is announced on the `stock_changed` channel, whichever instance made it. */
@Trigger({
  name: 'products_notify_stock_changed',
  timing: 'after',
  events: ['insert', 'update'],
  forEach: 'row',
  body: `PERFORM pg_notify('${STOCK_CHANNEL}', json_build_object('productId', NEW.id, 'stock', NEW.stock, 'version', NEW.version)::text); RETURN NULL;`,
})
export class Product extends BaseEntity<
  | 'description'
  | 'version'
  | 'saleStartsAt'
  | 'saleEndsAt'
  | 'maxPerCustomer'
  | 'compareAtPriceCents'
  | 'imageUrl'
> {
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

  /** Not sold before this moment (a drop), when set. */
  @Property({ type: 'datetime', nullable: true })
  saleStartsAt: Date | null = null;

  /** Not sold from this moment on, when set. */
  @Property({ type: 'datetime', nullable: true })
  saleEndsAt: Date | null = null;

  /** Units one customer (by normalised email) may buy across all their orders, when set. */
  @Property({ type: 'integer', nullable: true })
  maxPerCustomer: number | null = null;

  /** The original price, shown struck through beside `priceCents`. */
  @Property({ type: 'integer', nullable: true })
  compareAtPriceCents: number | null = null;

  @Property({ length: 2048, nullable: true })
  imageUrl: string | null = null;

  /** Rules between fields, checked after every create or edit (the database checks them too). */
  assertConsistent(): void {
    const errors: FieldError[] = [];
    if (this.compareAtPriceCents !== null && this.compareAtPriceCents < this.priceCents) {
      errors.push({
        field: 'compareAtPriceCents',
        message: 'compareAtPriceCents must not be less than priceCents',
      });
    }
    if (this.saleStartsAt && this.saleEndsAt && this.saleEndsAt <= this.saleStartsAt) {
      errors.push({ field: 'saleEndsAt', message: 'saleEndsAt must be later than saleStartsAt' });
    }
    if (errors.length > 0) throw new ValidationFailedError(errors);
  }

  constructor(init: {
    sku: string;
    name: string;
    description?: string;
    priceCents: number;
    currency: string;
    stock: number;
    saleStartsAt?: Date | null;
    saleEndsAt?: Date | null;
    maxPerCustomer?: number | null;
    compareAtPriceCents?: number | null;
    imageUrl?: string | null;
  }) {
    super();
    Object.assign(this, init);
    this.assertConsistent();
  }
}
