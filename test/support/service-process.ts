import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort } from '../../src/app/embedded-postgres';
import { ADMIN_TOKEN } from './app';
import { checkResponsesOf } from './contract-setup';

const ROOT = join(__dirname, '..', '..');

export interface ServiceProcess {
  baseUrl: string;
  child: ChildProcess;
  /** Resolves with the exit code (or signal name) once the process has ended. */
  exited: Promise<number | string>;
  /** What the process wrote (its JSON log lines, then stderr) so far. */
  output(): string;
}

/**
 * Runs the service the way production does, as its own process (`src/main.ts`, compiled on the
 * fly by @swc-node/register), and waits until it reports ready.
 */
export async function spawnService(
  databaseUrl: string,
  port?: number,
  env: Record<string, string> = {},
): Promise<ServiceProcess> {
  const listenPort = port ?? (await freePort());
  const child = spawn(process.execPath, ['-r', '@swc-node/register', 'src/main.ts'], {
    cwd: ROOT,
    env: {
      ...process.env,
      NODE_OPTIONS: '',
      DATABASE_URL: databaseUrl,
      PORT: String(listenPort),
      HOST: '127.0.0.1',
      ADMIN_TOKEN,
      SEED_DEMO_DATA: 'false',
      RATE_LIMIT_CHECKOUT_PER_MINUTE: '0',
      RATE_LIMIT_CARTS_PER_MINUTE: '0',
      LOG_LEVEL: 'warn',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  let stdout = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  const output = () => stdout + stderr;
  const exited = new Promise<number | string>((resolve) =>
    child.once('exit', (code, signal) => resolve(code ?? signal ?? -1)),
  );
  const baseUrl = `http://127.0.0.1:${listenPort}`;
  checkResponsesOf(baseUrl);
  for (let attempt = 0; attempt < 300; attempt++) {
    if (child.exitCode !== null) throw new Error(`service exited at start:\n${stderr}`);
    const ready = await fetch(`${baseUrl}/health/ready`).then(
      (r) => r.ok,
      () => false,
    );
    if (ready) return { baseUrl, child, exited, output };
    await sleep(100);
  }
  child.kill('SIGKILL');
  throw new Error(`service not ready after 30 s:\n${stderr}`);
}
