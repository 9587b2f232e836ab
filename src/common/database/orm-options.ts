import { defineConfig, type Options } from '@mikro-orm/postgresql';
import { ReflectMetadataProvider } from '@mikro-orm/decorators/legacy';
import { Migrator } from '@mikro-orm/migrations';
import { join } from 'node:path';
import { migrationsList } from '../../migrations';

export interface DatabaseOptions {
  url: string;
  poolSize: number;
}

/** ORM settings shared by the service, the test harness and the MikroORM CLI. */
export function ormOptions({ url, poolSize }: DatabaseOptions): Options {
  return defineConfig({
    clientUrl: url,
    metadataProvider: ReflectMetadataProvider,
    extensions: [Migrator],
    pool: { min: 0, max: poolSize },
    discovery: { warnWhenNoEntities: false },
    migrations: {
      migrationsList,
      pathTs: join(__dirname, '../../migrations'),
      path: join(__dirname, '../../migrations'),
      snapshotName: '.snapshot',
      snapshotOnMigrate: false,
      silent: true,
    },
  });
}
