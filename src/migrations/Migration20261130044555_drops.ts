import { Migration } from '@mikro-orm/migrations';

export class Migration20261130044555_drops extends Migration {

  override name = 'Migration20261130044555_drops';

  override up(): void | Promise<void> {
    this.addSql(`alter table "orders" add "email" varchar(254) null, add "customer" varchar(254) null;`);
    this.addSql(`create index "orders_customer_index" on "orders" ("customer") where "customer" is not null;`);

    this.addSql(`alter table "products" add "sale_starts_at" timestamptz null, add "sale_ends_at" timestamptz null, add "max_per_customer" int null, add "compare_at_price_cents" int null, add "image_url" varchar(2048) null;`);
    this.addSql(`alter table "products" add constraint "products_sale_window_ordered" check (sale_ends_at > sale_starts_at);`);
    this.addSql(`alter table "products" add constraint "products_max_per_customer_positive" check (max_per_customer >= 1);`);
    this.addSql(`alter table "products" add constraint "products_compare_at_price_not_below_price" check (compare_at_price_cents >= price_cents);`);
  }

  override down(): void | Promise<void> {
    this.addSql(`drop index "orders_customer_index";`);
    this.addSql(`alter table "orders" drop column "email", drop column "customer";`);

    this.addSql(`alter table "products" drop constraint "products_sale_window_ordered";`);
    this.addSql(`alter table "products" drop constraint "products_max_per_customer_positive";`);
    this.addSql(`alter table "products" drop constraint "products_compare_at_price_not_below_price";`);
    this.addSql(`alter table "products" drop column "sale_starts_at", drop column "sale_ends_at", drop column "max_per_customer", drop column "compare_at_price_cents", drop column "image_url";`);
  }

}
