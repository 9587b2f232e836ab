import { Logger } from '@nestjs/common';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEmbeddedPostgres } from '../../src/app/embedded-postgres';

export interface TestDatabaseServer {
  /** Connection URL of a database on the server with rights to create databases. */
  url: string;
  source: 'TEST_DATABASE_URL' | 'testcontainers' | 'embedded-postgres';
  stop(): Promise<void>;
}

/**
 * Finds a real PostgreSQL for the tests, in this order: TEST_DATABASE_URL; a container from
 * Testcontainers when a container runtime answers; else an embedded PostgreSQL in a temp folder.
 */
export async function startTestDatabaseServer(): Promise<TestDatabaseServer> {
  const url = process.env.TEST_DATABASE_URL;
  if (url) return { url, source: 'TEST_DATABASE_URL', stop: async () => undefined };

  try {
    const { PostgreSqlContainer } = await import('@testcontainers/postgresql');
    const container = await new PostgreSqlContainer('postgres:17-alpine').start();
    return {
      url: container.getConnectionUri(),
      source: 'testcontainers',
      stop: async () => void (await container.stop()),
    };
  } catch (error) {
    const reason = error instanceof Error ? error.message.split('\n')[0] : String(error);
    new Logger('TestDatabase').log(
      `Testcontainers unavailable (${reason}); using embedded-postgres`,
    );
  }

  const dataDir = await mkdtemp(join(tmpdir(), 'store-test-pg-'));
  const embedded = await startEmbeddedPostgres({ dataDir, ephemeral: true });
  return {
    url: embedded.url,
    source: 'embedded-postgres',
    stop: async () => {
      await embedded.stop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
