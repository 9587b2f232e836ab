import 'reflect-metadata';
import { MikroORM } from '@mikro-orm/postgresql';
import { Client } from 'pg';
import { ormOptions } from '../../src/app/orm-options';
import { TEMPLATE_DATABASE, withDatabase } from '../support/database';
import { startTestDatabaseServer } from './test-database-server';

/** Starts the database server once, and migrates a template that every test file clones. */
export default async function globalSetup(): Promise<void> {
  const server = await startTestDatabaseServer();
  (globalThis as { testDatabaseServer?: typeof server }).testDatabaseServer = server;
  process.env.TEST_DATABASE_SERVER_URL = server.url;

  const admin = new Client({ connectionString: server.url });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS ${TEMPLATE_DATABASE} WITH (FORCE)`);
  await admin.query(`CREATE DATABASE ${TEMPLATE_DATABASE}`);
  await admin.end();

  const orm = await MikroORM.init(
    ormOptions({ url: withDatabase(server.url, TEMPLATE_DATABASE), poolSize: 1 }),
  );
  await orm.migrator.up();
  await orm.close();
}
