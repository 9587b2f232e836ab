import { Migration } from '@mikro-orm/migrations';

export class Migration20261130030054_sale_engine extends Migration {

  override name = 'Migration20261130030054_sale_engine';

  override up(): void | Promise<void> {
    // The sale engine writes a key with its order in one transaction, so a key is never left
    // "in progress". Attempts in flight during the upgrade: one whose order committed keeps that
    // order as its response; the others are given back, to be retried.
    this.addSql(`update "idempotency_keys" k set "state" = 'completed', "response_status" = 201, "response_body" = (
      select json_build_object('id', o.id, 'status', o.status, 'items', (
          select json_agg(json_build_object('productId', i.product_id, 'name', i.product_name, 'quantity', i.quantity, 'unitPriceCents', i.unit_price_cents) order by i.position)
            from "order_items" i where i.order_id = o.id),
        'totalCents', o.total_cents, 'currency', o.currency, 'createdAt', o.created_at)
      from "orders" o where o.idempotency_claim = k.claim_id)
      where k."state" = 'in_progress' and exists (select 1 from "orders" o where o.idempotency_claim = k.claim_id);`);
    this.addSql(`delete from "idempotency_keys" where "state" = 'in_progress';`);

    // The checkout limit moved to @nestjs/throttler (memory, or Redis when REDIS_URL is set).
    this.addSql(`drop table if exists "rate_limit_windows" cascade;`);

    this.addSql(`alter table "idempotency_keys" drop column "locked_until", drop column "state";`);

    this.addSql(`drop type "idempotency_state";`);
  }

  override down(): void | Promise<void> {
    this.addSql(`create type "idempotency_state" as enum ('in_progress', 'completed');`);
    this.addSql(`create table "rate_limit_windows" ("bucket" varchar(200) not null, "hits" int not null, "window_start" timestamptz(6) not null, primary key ("bucket", "window_start"));`);

    this.addSql(`alter table "idempotency_keys" add "locked_until" timestamptz(6) not null, add "state" "idempotency_state" not null;`);
  }

}
