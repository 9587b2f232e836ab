// `npm start` on its embedded PostgreSQL, as a newcomer runs it: killed with SIGKILL (which
// leaves PostgreSQL running on the data folder), then started again; and a second copy started
// on the same data folder while the first runs.
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort } from '../../src/app/embedded-postgres';

const ROOT = join(__dirname, '..', '..');

interface Started {
  child: ChildProcess;
  port: number;
  output(): string;
  exited: Promise<number | string>;
}

async function startStore(dataDir: string): Promise<Started> {
  const port = await freePort();
  const child = spawn(process.execPath, ['-r', '@swc-node/register', 'src/main.ts'], {
    cwd: ROOT,
    env: {
      ...process.env,
      NODE_OPTIONS: '',
      DATABASE_URL: '',
      DATA_DIR: dataDir,
      HOST: '127.0.0.1',
      PORT: String(port),
      SEED_DEMO_DATA: 'false',
      LOG_LEVEL: 'info',
      STOREFRONT_DIR: join(dataDir, 'no-storefront'),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | string>((resolve) =>
    child.once('exit', (code, signal) => resolve(code ?? signal ?? -1)),
  );
  return { child, port, output: () => output, exited };
}

/** Waits for the start-up's last line, or for the process to end. */
async function readyOrExited(store: Started): Promise<'ready' | 'exited'> {
  const ready = (async () => {
    while (!/Flash Store ready/.test(store.output())) await sleep(100);
    return 'ready' as const;
  })();
  const state = await Promise.race([ready, store.exited.then(() => 'exited' as const)]);
  // On an unexpected exit, the failure shows why.
  if (state === 'exited' && !/Flash Store|PostgreSQL/.test(lastLine(store.output()))) {
    console.log(store.output().slice(-3000));
  }
  return state;
}

const lastLine = (output: string) => output.trim().split('\n').at(-1) ?? '';

describe('npm start on its embedded PostgreSQL', () => {
  let dataDir: string;
  const running: Started[] = [];
  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'store-restart-'));
    // As root, PostgreSQL runs as its own user, which must reach the folder.
    await chmod(dataDir, 0o755);
  });
  afterAll(async () => {
    for (const store of running) {
      if (store.child.exitCode === null && store.child.signalCode === null) {
        store.child.kill('SIGTERM');
        await store.exited;
      }
    }
    await rm(dataDir, { recursive: true, force: true });
  });

  it('says where the storefront, the docs and the data are, in its last start-up line', async () => {
    const first = await startStore(dataDir);
    running.push(first);
    expect(await readyOrExited(first)).toBe('ready');
    const line = lastLine(first.output());
    expect(line).toContain(`storefront http://127.0.0.1:${first.port}/`);
    expect(line).toContain(`API docs http://127.0.0.1:${first.port}/docs`);
    expect(line).toContain(join(dataDir, 'postgres'));
    // The embedded database's URL is logged with its password masked.
    expect(first.output()).toMatch(/PostgreSQL running on postgres:\/\/postgres:\*\*\*@/);
    expect((await fetch(`http://127.0.0.1:${first.port}/health/ready`)).status).toBe(200);
  }, 120_000);

  it('refuses a second copy on the same data folder, saying why', async () => {
    const first = running[0];
    const second = await startStore(dataDir);
    running.push(second);
    expect(await readyOrExited(second)).toBe('exited');
    expect(await second.exited).not.toBe(0);
    expect(second.output()).toMatch(
      new RegExp(
        `another Flash Store is running on this data folder \\(pid ${first.child.pid}\\); stop it first`,
        'i',
      ),
    );
    expect(second.output()).not.toMatch(/^undefined$/m);
    // The first copy still serves.
    expect((await fetch(`http://127.0.0.1:${first.port}/health/ready`)).status).toBe(200);
  }, 120_000);

  it('starts again after a SIGKILL, stopping the PostgreSQL the killed one left running', async () => {
    const first = running[0];
    const cluster = join(dataDir, 'postgres');
    const orphan = Number(readFileSync(join(cluster, 'postmaster.pid'), 'utf8').split('\n')[0]);
    first.child.kill('SIGKILL');
    await first.exited;
    // SIGKILL leaves the database behind, holding the folder.
    expect(existsSync(join(cluster, 'postmaster.pid'))).toBe(true);

    const again = await startStore(dataDir);
    running.push(again);
    expect(await readyOrExited(again)).toBe('ready');
    expect(again.output()).toContain(`(pid ${orphan})`);
    expect((await fetch(`http://127.0.0.1:${again.port}/health/ready`)).status).toBe(200);

    again.child.kill('SIGTERM');
    expect(await again.exited).toBe(0);
    expect(existsSync(join(cluster, 'postmaster.pid'))).toBe(false);
  }, 180_000);
});
