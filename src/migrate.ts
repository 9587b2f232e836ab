// Applies pending migrations (and seeds the demo catalogue when SEED_DEMO_DATA is on), then
// exits: `node dist/migrate.js`, run once before the instances start, e.g. by docker compose.
import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { AppModule } from './app.module';
import { loadConfig } from './common/config';
import { createLogger, PinoLoggerService } from './app/logging';

async function main(): Promise<void> {
  const config = loadConfig({ ...process.env, MIGRATE_ON_START: 'true' });
  if (!config.DATABASE_URL) throw new Error('DATABASE_URL must be set to migrate');
  const app = await NestFactory.createApplicationContext(
    AppModule.forRoot(config, config.DATABASE_URL),
    { logger: new PinoLoggerService(createLogger(config.LOG_LEVEL)) },
  );
  await app.close();
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
