// Configuration for the MikroORM CLI (`npm run migration:create`, `npm run migration:check`).
import { Cart, CartItem } from './cart/cart.entity';
import { Order, OrderItem } from './orders/order.entity';
import { ormOptions } from './app/orm-options';
import { IdempotencyRecord } from './idempotency/idempotency-record.entity';
import { Product } from './products/product.entity';

export default {
  ...ormOptions({
    url: process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres',
    poolSize: 1,
  }),
  entities: [Product, Cart, CartItem, Order, OrderItem, IdempotencyRecord],
};
