import { Migration } from '@mikro-orm/migrations';

export class Migration20261130075854_order_status_default extends Migration {

  override name = 'Migration20261130075854_order_status_default';

  override up(): void | Promise<void> {
    this.addSql(`alter table "orders" alter column "status" set default 'confirmed';`);
  }

  override down(): void | Promise<void> {
    this.addSql(`alter table "orders" alter column "status" drop default;`);
  }

}
