import { randomBytes } from 'node:crypto';
import { Client } from 'pg';

export const TEMPLATE_DATABASE = 'store_test_template';

export function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
}

function serverUrl(): string {
  const url = process.env.TEST_DATABASE_SERVER_URL;
  if (!url) throw new Error('TEST_DATABASE_SERVER_URL is unset: run the tests through jest');
  return url;
}

async function admin<T>(work: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: serverUrl() });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

export interface TestDatabase {
  url: string;
  /** Runs one SQL statement as an outside observer, e.g. to check what is really stored. */
  query<Row extends object>(sql: string, params?: unknown[]): Promise<Row[]>;
  drop(): Promise<void>;
}

/** A fresh, migrated database of its own, cloned from the template. */
export async function createTestDatabase(): Promise<TestDatabase> {
  const name = `store_test_${randomBytes(6).toString('hex')}`;
  await admin((client) => client.query(`CREATE DATABASE ${name} TEMPLATE ${TEMPLATE_DATABASE}`));
  const url = withDatabase(serverUrl(), name);
  const observer = new Client({ connectionString: url });
  await observer.connect();
  return {
    url,
    query: async <Row extends object>(sql: string, params: unknown[] = []) =>
      (await observer.query<Row>(sql, params)).rows,
    drop: async () => {
      await observer.end();
      await admin((client) => client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
    },
  };
}

/** Every table of the store, in an order that respects foreign keys. */
export const STORE_TABLES = ['products', 'carts', 'cart_items', 'orders', 'order_items'] as const;

/** The store's tables and the keys idempotency keeps, for tests that send Idempotency-Key. */
export const STORE_AND_KEY_TABLES = [...STORE_TABLES, 'idempotency_keys'] as const;

export type DatabaseFingerprint = Record<
  (typeof STORE_TABLES)[number],
  { rows: number; digest: string | null }
>;

/**
 * Row count and an md5 of every row of every store table (or of `tables`), as an outside
 * observer sees them. Two equal fingerprints mean nothing was inserted, updated or deleted.
 */
export async function fingerprint(
  db: TestDatabase,
  tables: readonly string[] = STORE_TABLES,
): Promise<DatabaseFingerprint> {
  // One round trip: a row per table with its row count and an md5 over its sorted rows.
  const rows = await db.query<{ name: string; rows: string; digest: string | null }>(
    tables
      .map(
        (table) =>
          `select '${table}' as name, count(*) as rows,
                md5(string_agg(t::text, '|' order by t::text)) as digest
           from ${table} t`,
      )
      .join(' union all '),
  );
  return Object.fromEntries(
    rows.map((row) => [row.name, { rows: Number(row.rows), digest: row.digest }]),
  ) as DatabaseFingerprint;
}

/** A product's stock and version as stored now. */
export async function storedProduct(
  db: TestDatabase,
  id: string,
): Promise<{ stock: number; version: number; name: string; priceCents: number }> {
  const [row] = await db.query<{
    stock: number;
    version: number;
    name: string;
    price_cents: number;
  }>('select stock, version, name, price_cents from products where id = $1', [id]);
  if (!row) throw new Error(`product ${id} is not stored`);
  return { stock: row.stock, version: row.version, name: row.name, priceCents: row.price_cents };
}

/** Orders and units sold of one product, counted from order_items. */
export async function soldOf(
  db: TestDatabase,
  productId: string,
): Promise<{ orders: number; lines: number; units: number }> {
  const [row] = await db.query<{ orders: string; lines: string; units: string }>(
    `select count(distinct order_id) as orders, count(*) as lines,
            coalesce(sum(quantity), 0) as units
       from order_items where product_id = $1`,
    [productId],
  );
  return { orders: Number(row.orders), lines: Number(row.lines), units: Number(row.units) };
}
