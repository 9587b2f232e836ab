import {
  type DynamicModule,
  Global,
  Injectable,
  Logger,
  Module,
  type OnModuleInit,
} from '@nestjs/common';
import { MikroORM } from '@mikro-orm/postgresql';
import { MikroOrmModule } from '@mikro-orm/nestjs';
import { Client } from 'pg';
import { AppConfig } from '../common/config';
import { type DatabaseOptions, ormOptions } from './orm-options';

/** Any constant will do, as long as every instance uses the same one. */
const MIGRATION_LOCK = 72_1212;

/**
 * Brings the schema up to date before the service takes requests. Instances starting together
 * take turns on a PostgreSQL advisory lock, so each migration runs once.
 */
@Injectable()
class SchemaMigrator implements OnModuleInit {
  constructor(
    private readonly orm: MikroORM,
    private readonly config: AppConfig,
  ) {}

  async onModuleInit(): Promise<void> {
    // The ORM opens its pool on first use, and its connection check reports "not established"
    // until then: open it now (no round trip), so readiness does not depend on MIGRATE_ON_START.
    await this.orm.connect();
    if (!this.config.MIGRATE_ON_START) return;
    const lock = new Client({ connectionString: this.orm.config.get('clientUrl') });
    await lock.connect();
    try {
      await lock.query('select pg_advisory_lock($1)', [MIGRATION_LOCK]);
      const applied = await this.orm.migrator.up();
      if (applied.length > 0) {
        new Logger('Database').log(`Applied migrations: ${applied.map((m) => m.name).join(', ')}`);
      }
    } finally {
      await lock.end();
    }
  }
}

@Global()
@Module({})
export class DatabaseModule {
  static forRoot(options: DatabaseOptions): DynamicModule {
    return {
      module: DatabaseModule,
      imports: [
        MikroOrmModule.forRoot({
          ...ormOptions(options),
          autoLoadEntities: true,
          // Services fork the EntityManager explicitly for each unit of work.
          registerRequestContext: false,
        }),
      ],
      providers: [SchemaMigrator],
    };
  }
}
