/**
 * The browsing baseline: a bare Fastify + `pg` server answering `GET /products` with the same two
 * queries the service's ProductsService.list() runs (a page ordered by name, id and a count, in
 * parallel) and the same JSON. No validation library, no DI, no ORM, no hooks: what the hardware
 * and PostgreSQL allow for this route. Keep the queries in step with ProductsService.list().
 *
 * Started by bench/run.ts as its own process: `node bench/bare-server.ts`, with DATABASE_URL,
 * PORT and DB_POOL_SIZE in the environment.
 */
import Fastify from 'fastify';
import pg from 'pg';

const port = Number(process.env.PORT ?? 3100);
const pool = new pg.Pool({
  connectionString: process.env.DATABASE_URL,
  max: Number(process.env.DB_POOL_SIZE ?? 10),
});

interface ProductRow {
  id: string;
  sku: string;
  name: string;
  description: string;
  priceCents: number;
  currency: string;
  stock: number;
  version: number;
  saleStartsAt: string | null;
  saleEndsAt: string | null;
  maxPerCustomer: number | null;
  compareAtPriceCents: number | null;
  imageUrl: string | null;
}

// The two queries of ProductsService.list(), run in parallel as it runs them.
const iso = (column: string) =>
  `to_char(${column} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;
const PAGE = `select id, sku, name, description, price_cents as "priceCents", currency, stock, version,
    ${iso('sale_starts_at')} as "saleStartsAt", ${iso('sale_ends_at')} as "saleEndsAt",
    max_per_customer as "maxPerCustomer", compare_at_price_cents as "compareAtPriceCents",
    image_url as "imageUrl"
  from products order by name, id limit $1 offset $2`;
const COUNT = 'select count(*) as total from products';

const toInt = (value: unknown, fallback: number, min: number, max: number): number => {
  const number = typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : fallback;
  return Math.min(max, Math.max(min, number));
};

const app = Fastify({ logger: false });

app.get('/health', async () => ({ status: 'ok' }));

app.get('/products', async (request) => {
  const { limit: rawLimit, offset: rawOffset } = request.query as Record<string, unknown>;
  const limit = toInt(rawLimit, 20, 1, 100);
  const offset = toInt(rawOffset, 0, 0, 1_000_000);
  const [page, count] = await Promise.all([
    pool.query<ProductRow>(PAGE, [limit, offset]),
    pool.query<{ total: string }>(COUNT),
  ]);
  return {
    items: page.rows,
    serverTime: new Date(),
    total: Number(count.rows[0].total),
    limit,
    offset,
  };
});

const shutdown = () => {
  void app
    .close()
    .then(() => pool.end())
    .finally(() => process.exit(0));
};
process.on('SIGTERM', shutdown);
process.on('SIGINT', shutdown);

await app.listen({ port, host: '127.0.0.1' });
