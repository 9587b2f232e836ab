import { Migration } from '@mikro-orm/migrations';

export class Migration20261124090800_initial extends Migration {

  override name = 'Migration20261124090800_initial';

  override up(): void | Promise<void> {
    this.addSql(`create type "cart_status" as enum ('open', 'checked_out');`);
    this.addSql(`create type "order_status" as enum ('confirmed');`);
    this.addSql(`create table "carts" ("id" uuid not null, "created_at" timestamptz not null default now(), "updated_at" timestamptz not null default now(), "status" "cart_status" not null default 'open', "version" int not null default 1, primary key ("id"));`);

    this.addSql(`create table "orders" ("id" uuid not null, "status" "order_status" not null, "total_cents" int not null, "currency" varchar(3) not null, "cart_id" uuid null, "created_at" timestamptz not null default now(), primary key ("id"));`);
    this.addSql(`alter table "orders" add constraint "orders_cart_unique" unique ("cart_id");`);

    this.addSql(`create table "products" ("id" uuid not null, "created_at" timestamptz not null default now(), "updated_at" timestamptz not null default now(), "sku" varchar(64) not null, "name" varchar(200) not null, "description" text not null default '', "price_cents" int not null, "currency" varchar(3) not null, "stock" int not null, "version" int not null default 1, primary key ("id"));`);
    this.addSql(`alter table "products" add constraint "products_sku_unique" unique ("sku");`);
    this.addSql(`alter table "products" add constraint "products_price_non_negative" check (price_cents >= 0);`);
    this.addSql(`alter table "products" add constraint "products_stock_non_negative" check (stock >= 0);`);

    this.addSql(`create table "order_items" ("order_id" uuid not null, "position" smallint not null, "product_id" uuid not null, "product_name" varchar(200) not null, "quantity" int not null, "unit_price_cents" int not null, primary key ("order_id", "position"));`);
    this.addSql(`alter table "order_items" add constraint "order_items_quantity_positive" check (quantity > 0);`);

    this.addSql(`create table "cart_items" ("cart_id" uuid not null, "product_id" uuid not null, "quantity" int not null, "added_at" timestamptz not null default now(), primary key ("cart_id", "product_id"));`);
    this.addSql(`alter table "cart_items" add constraint "cart_items_quantity_positive" check (quantity > 0);`);

    this.addSql(`alter table "orders" add constraint "orders_cart_id_foreign" foreign key ("cart_id") references "carts" ("id") on delete set null;`);

    this.addSql(`alter table "order_items" add constraint "order_items_order_id_foreign" foreign key ("order_id") references "orders" ("id") on delete cascade;`);
    this.addSql(`alter table "order_items" add constraint "order_items_product_id_foreign" foreign key ("product_id") references "products" ("id");`);

    this.addSql(`alter table "cart_items" add constraint "cart_items_cart_id_foreign" foreign key ("cart_id") references "carts" ("id") on update cascade on delete cascade;`);
    this.addSql(`alter table "cart_items" add constraint "cart_items_product_id_foreign" foreign key ("product_id") references "products" ("id") on update cascade on delete cascade;`);
  }

}
