import { Migration } from '@mikro-orm/migrations';

export class Migration20261124091456_stock_notify extends Migration {

  override name = 'Migration20261124091456_stock_notify';

  override up(): void | Promise<void> {
    this.addSql(`create or replace function "products_products_notify_stock_changed_fn"() returns trigger as \$\$ begin PERFORM pg_notify('stock_changed', json_build_object('productId', NEW.id, 'stock', NEW.stock, 'version', NEW.version)::text); RETURN NULL; end; \$\$ language plpgsql;`);
    this.addSql(`create trigger "products_notify_stock_changed" AFTER INSERT OR UPDATE on "products" for each ROW execute function "products_products_notify_stock_changed_fn"();`);
  }

  override down(): void | Promise<void> {
    this.addSql(`drop trigger if exists "products_notify_stock_changed" on "products";`);
    this.addSql(`drop function if exists "products_products_notify_stock_changed_fn"();`);
  }

}
