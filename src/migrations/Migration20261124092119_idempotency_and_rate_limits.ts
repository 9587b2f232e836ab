import { Migration } from '@mikro-orm/migrations';

export class Migration20261124092119_idempotency_and_rate_limits extends Migration {

  override name = 'Migration20261124092119_idempotency_and_rate_limits';

  override up(): void | Promise<void> {
    this.addSql(`create type "idempotency_state" as enum ('in_progress', 'completed');`);
    this.addSql(`create table "idempotency_keys" ("key" varchar(255) not null, "claim_id" uuid not null, "scope" varchar(100) not null, "request_hash" varchar(64) not null, "state" "idempotency_state" not null, "locked_until" timestamptz not null, "response_status" int null, "response_body" jsonb null, "created_at" timestamptz not null default now(), "expires_at" timestamptz not null, primary key ("key"));`);
    this.addSql(`alter table "idempotency_keys" add constraint "idempotency_keys_claim_unique" unique ("claim_id");`);
    this.addSql(`create index "idempotency_keys_expires_at_index" on "idempotency_keys" ("expires_at");`);

    this.addSql(`create table "rate_limit_windows" ("bucket" varchar(200) not null, "window_start" timestamptz not null, "hits" int not null, primary key ("bucket", "window_start"));`);

    this.addSql(`alter table "orders" add "idempotency_claim" uuid null;`);
    this.addSql(`alter table "orders" add constraint "orders_idempotency_claim_unique" unique ("idempotency_claim");`);
  }

  override down(): void | Promise<void> {
    this.addSql(`drop table if exists "idempotency_keys" cascade;`);
    this.addSql(`drop table if exists "rate_limit_windows" cascade;`);

    this.addSql(`alter table "orders" drop constraint "orders_idempotency_claim_unique";`);
    this.addSql(`alter table "orders" drop column "idempotency_claim";`);

    this.addSql(`drop type "idempotency_state";`);
  }

}
