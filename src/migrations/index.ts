// Every migration, in order. `npm run migration:create` writes a new file here; add it below.
import { Migration20261124090800_initial } from './Migration20261124090800_initial';
import { Migration20261124091456_stock_notify } from './Migration20261124091456_stock_notify';
import { Migration20261124092119_idempotency_and_rate_limits } from './Migration20261124092119_idempotency_and_rate_limits';
import { Migration20261130030054_sale_engine } from './Migration20261130030054_sale_engine';
import { Migration20261130044555_drops } from './Migration20261130044555_drops';
import { Migration20261130075854_order_status_default } from './Migration20261130075854_order_status_default';

export const migrationsList = [
  { name: 'Migration20261124090800_initial', class: Migration20261124090800_initial },
  { name: 'Migration20261124091456_stock_notify', class: Migration20261124091456_stock_notify },
  {
    name: 'Migration20261124092119_idempotency_and_rate_limits',
    class: Migration20261124092119_idempotency_and_rate_limits,
  },
  { name: 'Migration20261130030054_sale_engine', class: Migration20261130030054_sale_engine },
  { name: 'Migration20261130044555_drops', class: Migration20261130044555_drops },
  {
    name: 'Migration20261130075854_order_status_default',
    class: Migration20261130075854_order_status_default,
  },
];
