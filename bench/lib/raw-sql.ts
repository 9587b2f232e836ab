import { execFile } from 'node:child_process';
import { rm, writeFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { promisify } from 'node:util';
import pg from 'pg';
import { query } from './postgres.ts';
import { type LatencySummary, round, summarise } from './stats.ts';

const run = promisify(execFile);

/**
 * The raw single-row ceiling: the sale done in plain SQL, one transaction per unit sold, on one
 * product row, in four statements:
 *   BEGIN; UPDATE products SET stock = stock - 1 WHERE id = $1 AND stock >= 1; INSERT order; COMMIT
 */
export interface RawResult {
  tool: 'pgbench' | 'node-pg';
  clients: number;
  durationMs: number;
  transactions: number;
  transactionsPerSecond: number;
  /** pgbench reports only the mean; the Node equivalent measures percentiles too. */
  latencyAverageMs: number;
  latency?: LatencySummary;
  failed: number;
  /** 1 for the first measurement of this tool and client count in the run, 2 for the second. */
  sample?: number;
}

/** A product row for one raw run, with stock that cannot run out within its duration. */
export async function createRawProduct(url: string, sku: string): Promise<string> {
  const [{ id }] = await query<{ id: string }>(
    url,
    `INSERT INTO products (id, sku, name, price_cents, currency, stock)
     VALUES (gen_random_uuid(), $1, 'Raw ceiling', 1000, 'USD', 100000000) RETURNING id`,
    [sku],
  );
  return id;
}

const UPDATE = 'UPDATE products SET stock = stock - 1 WHERE id = $1 AND stock >= 1';
const INSERT = `INSERT INTO orders (id, status, total_cents, currency)
  VALUES (gen_random_uuid(), 'confirmed', 1000, 'USD')`;

/** The version string of `pgbench` on PATH, or undefined when there is none. */
export async function pgbenchVersion(): Promise<string | undefined> {
  try {
    const { stdout } = await run('pgbench', ['--version']);
    return stdout.trim();
  } catch {
    return undefined;
  }
}

export async function pgbenchSale(options: {
  url: string;
  productId: string;
  clients: number;
  durationS: number;
  workDir: string;
}): Promise<RawResult> {
  const script = join(options.workDir, `sale-${options.productId}.sql`);
  await writeFile(
    script,
    [
      'BEGIN;',
      `${UPDATE.replace('$1', `'${options.productId}'`)};`,
      `${INSERT.replace(/\s+/g, ' ')};`,
      'COMMIT;',
      '',
    ].join('\n'),
  );
  const threads = Math.min(options.clients, availableParallelism());
  const { stdout } = await run(
    'pgbench',
    [
      '--no-vacuum',
      `--file=${script}`,
      `--time=${options.durationS}`,
      `--client=${options.clients}`,
      `--jobs=${threads}`,
      options.url,
    ],
    { maxBuffer: 10 * 1024 * 1024 },
  ).finally(() => rm(script, { force: true }));
  const number = (pattern: RegExp) => Number(pattern.exec(stdout)?.[1] ?? NaN);
  const transactions = number(/number of transactions actually processed: (\d+)/);
  const tps = number(/tps = ([\d.]+)/);
  if (!Number.isFinite(tps)) throw new Error(`could not read pgbench output:\n${stdout}`);
  return {
    tool: 'pgbench',
    clients: options.clients,
    durationMs: options.durationS * 1000,
    transactions,
    transactionsPerSecond: round(tps),
    latencyAverageMs: number(/latency average = ([\d.]+) ms/),
    failed: number(/number of failed transactions: (\d+)/) || 0,
  };
}

/** The same transaction from Node with `pg`, one connection per client, for a duration. */
export async function nodePgSale(options: {
  url: string;
  productId: string;
  clients: number;
  durationS: number;
}): Promise<RawResult> {
  const clients = await Promise.all(
    Array.from({ length: options.clients }, async () => {
      const client = new pg.Client({ connectionString: options.url });
      await client.connect();
      return client;
    }),
  );
  const latencies: number[] = [];
  let failed = 0;
  const startedAt = performance.now();
  const endAt = startedAt + options.durationS * 1000;
  try {
    await Promise.all(
      clients.map(async (client) => {
        while (performance.now() < endAt) {
          const sentAt = performance.now();
          try {
            await client.query('BEGIN');
            const { rowCount } = await client.query(UPDATE, [options.productId]);
            await client.query(INSERT);
            await client.query('COMMIT');
            if (rowCount === 1) latencies.push(performance.now() - sentAt);
            else failed++;
          } catch {
            failed++;
            await client.query('ROLLBACK').catch(() => undefined);
          }
        }
      }),
    );
  } finally {
    await Promise.all(clients.map((client) => client.end().catch(() => undefined)));
  }
  const durationMs = performance.now() - startedAt;
  const latency = summarise(latencies);
  return {
    tool: 'node-pg',
    clients: options.clients,
    durationMs: round(durationMs),
    transactions: latencies.length,
    transactionsPerSecond: round((latencies.length / durationMs) * 1000),
    latencyAverageMs: latency.meanMs,
    latency,
    failed,
  };
}
