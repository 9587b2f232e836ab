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
import { type DatabaseOptions, ormOptions } from './orm-options';

/** Brings the schema up to date before the service takes requests. */
@Injectable()
class SchemaMigrator implements OnModuleInit {
  constructor(private readonly orm: MikroORM) {}

  async onModuleInit(): Promise<void> {
    const applied = await this.orm.migrator.up();
    if (applied.length > 0) {
      new Logger('Database').log(`Applied migrations: ${applied.map((m) => m.name).join(', ')}`);
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
