import { Collection, OptionalProps, PrimaryKeyProp } from '@mikro-orm/core';
import { Check, Entity, Enum, ManyToOne, OneToMany, Property } from '@mikro-orm/decorators/legacy';
import { BaseEntity } from '../common/base.entity';
import { Product } from '../products/product.entity';

export enum CartStatus {
  Open = 'open',
  CheckedOut = 'checked_out',
}

@Entity({ tableName: 'carts' })
export class Cart extends BaseEntity<'status' | 'version'> {
  @Enum({ items: () => CartStatus, nativeEnumName: 'cart_status' })
  status = CartStatus.Open;

  /** Bumped on every change of the cart or its lines (see `touch`). */
  @Property({ type: 'integer', version: true })
  version: number;

  @OneToMany(() => CartItem, (item) => item.cart, {
    orphanRemoval: true,
    orderBy: { addedAt: 'asc' },
  })
  items = new Collection<CartItem>(this);

  /** Lines live in their own table; touching the cart makes every change bump its version. */
  touch(): void {
    this.updatedAt = new Date();
  }
}

@Entity({ tableName: 'cart_items' })
@Check({ name: 'cart_items_quantity_positive', expression: 'quantity > 0' })
export class CartItem {
  [PrimaryKeyProp]?: ['cart', 'product'];
  [OptionalProps]?: 'addedAt';

  @ManyToOne(() => Cart, { primary: true, deleteRule: 'cascade' })
  cart: Cart;

  @ManyToOne(() => Product, { primary: true })
  product: Product;

  @Property({ type: 'integer' })
  quantity: number;

  @Property({ type: 'datetime', defaultRaw: 'now()' })
  addedAt: Date = new Date();

  constructor(cart: Cart, product: Product, quantity: number) {
    this.cart = cart;
    this.product = product;
    this.quantity = quantity;
  }
}
