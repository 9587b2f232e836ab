import { Check, Entity, Property } from '@mikro-orm/decorators/legacy';
import { BaseEntity } from '../common/base.entity';

@Entity({ tableName: 'products' })
@Check({ name: 'products_stock_non_negative', expression: 'stock >= 0' })
@Check({ name: 'products_price_non_negative', expression: 'price_cents >= 0' })
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
