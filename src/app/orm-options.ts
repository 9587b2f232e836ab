import { defineConfig, type Options } from '@mikro-orm/postgresql';
import { ReflectMetadataProvider } from '@mikro-orm/decorators/legacy';
import { Migrator } from '@mikro-orm/migrations';
import { join } from 'node:path';
import { ormClientUrl } from '../common/database/database-url';
import { migrationsList } from '../migrations';

/**
 * Longest wait for a pooled connection (a free slot, or a new connection to the server). Past
 * it the request fails fast with 503 DATABASE_UNAVAILABLE instead of hanging while the
 * database is unreachable or every connection is busy.
 */
export const POOL_ACQUIRE_TIMEOUT_MS = 5000;

/**
 * Bounds on waiting work in the database, sent with every connection: a statement that waits
 * longer for a row lock, or runs longer in all, is cancelled and answered 503 with Retry-After,
 * rather than piling up behind a stuck transaction. Far above what any request here needs.
 */
export const LOCK_TIMEOUT_MS = 5000;
export const STATEMENT_TIMEOUT_MS = 30_000;

export interface DatabaseOptions {
  url: string;
  poolSize: number;
}

/** ORM settings shared by the service, the test harness and the MikroORM CLI. */
export function ormOptions({ url, poolSize }: DatabaseOptions): Options {
  return defineConfig({
    // The ORM reads host, port, user, password and database from its own parse of the URL;
    // pg gets the URL itself, so that every libpq form and parameter (sockets, sslmode) counts.
    clientUrl: ormClientUrl(url),
    metadataProvider: ReflectMetadataProvider,
    extensions: [Migrator],
    pool: { min: 0, max: poolSize },
    // Passed to pg's Pool. Connections the server dropped (a restart, a failover) are discarded
    // by the pool on their 'error' event and replaced on next use, so no restart is needed.
    driverOptions: {
      connectionString: url,
      connectionTimeoutMillis: POOL_ACQUIRE_TIMEOUT_MS,
      keepAlive: true,
      lock_timeout: LOCK_TIMEOUT_MS,
      statement_timeout: STATEMENT_TIMEOUT_MS,
    },
    discovery: { warnWhenNoEntities: false },
    migrations: {
      migrationsList,
      pathTs: join(__dirname, '../migrations'),
      path: join(__dirname, '../migrations'),
      snapshotName: '.snapshot',
      snapshotOnMigrate: false,
      silent: true,
    },
  });
}
