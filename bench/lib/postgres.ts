import { rm } from 'node:fs/promises';
import pg from 'pg';
import { requireFromBuild } from './build.ts';

// The service's own helper, from the build `npm run bench` has just made (dist is CommonJS).
type EmbeddedPostgresModule = typeof import('../../src/app/embedded-postgres.ts');
const loadEmbedded = (dist: string): EmbeddedPostgresModule =>
  requireFromBuild<EmbeddedPostgresModule>(dist, [
    'app/embedded-postgres.js',
    'common/database/embedded-postgres.js',
  ]);

export interface BenchDatabase {
  url: string;
  /** `embedded` when the bench started its own PostgreSQL, else `DATABASE_URL`. */
  source: 'embedded' | 'DATABASE_URL';
  serverVersion: string;
  maxConnections: number;
  settings: Record<string, string>;
  stop(): Promise<void>;
}

const SETTINGS = ['fsync', 'synchronous_commit', 'shared_buffers', 'max_connections', 'wal_level'];

/**
 * PostgreSQL for the run: `DATABASE_URL` when given, else a fresh embedded cluster in `dataDir`
 * with PostgreSQL's default durability (fsync and synchronous commit on), as in NOTES.md's
 * figures. The only setting changed is `max_connections`, so the raw ceiling can open as many
 * connections as the sale has shoppers.
 */
export async function startDatabase(options: {
  /** The service build whose embedded-postgres helper starts the cluster. */
  dist: string;
  dataDir: string;
  databaseUrl?: string;
  maxConnections: number;
  log: (line: string) => void;
}): Promise<BenchDatabase> {
  if (options.databaseUrl) {
    const url = options.databaseUrl;
    return { url, source: 'DATABASE_URL', ...(await describe(url)), stop: async () => undefined };
  }
  const { startEmbeddedPostgres } = loadEmbedded(options.dist);
  await rm(options.dataDir, { recursive: true, force: true });
  let server = await startEmbeddedPostgres({ dataDir: options.dataDir });
  const before = await describe(server.url);
  if (before.maxConnections < options.maxConnections) {
    // max_connections needs a restart; the cluster (and its data dir) is kept across it.
    await query(server.url, `ALTER SYSTEM SET max_connections = ${options.maxConnections}`);
    await server.stop();
    server = await startEmbeddedPostgres({ dataDir: options.dataDir });
  }
  const stopServer = server.stop;
  options.log(`embedded PostgreSQL at ${redact(server.url)}, data in ${options.dataDir}`);
  return {
    url: server.url,
    source: 'embedded',
    ...(await describe(server.url)),
    stop: async () => {
      await stopServer();
      await rm(options.dataDir, { recursive: true, force: true });
    },
  };
}

async function describe(url: string) {
  const rows = await query<{ name: string; setting: string; unit: string | null }>(
    url,
    'SELECT name, setting, unit FROM pg_settings WHERE name = ANY($1)',
    [SETTINGS],
  );
  const settings = Object.fromEntries(
    rows.map((row) => [row.name, row.unit ? `${row.setting} × ${row.unit}` : row.setting]),
  );
  const [{ server_version: serverVersion }] = await query<{ server_version: string }>(
    url,
    'SHOW server_version',
  );
  return { serverVersion, maxConnections: Number(settings.max_connections), settings };
}

/** One query on a short-lived connection. */
export async function query<Row extends object = Record<string, unknown>>(
  url: string,
  text: string,
  values: unknown[] = [],
): Promise<Row[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<Row>(text, values)).rows;
  } finally {
    await client.end();
  }
}

export const redact = (url: string): string => url.replace(/\/\/([^:@/]+):[^@/]*@/, '//$1:***@');
