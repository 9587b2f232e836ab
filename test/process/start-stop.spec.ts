// Start-up that fails half-way leaves nothing behind: the service as its own process, with its
// embedded PostgreSQL (no DATABASE_URL), on a port that is already taken.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..');

describe('a failed start', () => {
  let dataDir: string;
  let taken: Server;
  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'store-failed-start-'));
    // As root, PostgreSQL runs as its own user, which must reach the folder.
    await chmod(dataDir, 0o755);
    taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
  });
  afterAll(async () => {
    taken.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('stops the embedded PostgreSQL it had started, and exits 1', async () => {
    const port = (taken.address() as { port: number }).port;
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
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));

    // It got as far as starting PostgreSQL, then could not listen.
    expect(output).toMatch(/PostgreSQL running on/);
    expect(output).toMatch(/EADDRINUSE/);
    expect(code).toBe(1);
    // PostgreSQL removes its pid file when it shuts down; a server left running keeps it.
    const cluster = join(dataDir, 'postgres');
    expect(existsSync(join(cluster, 'PG_VERSION'))).toBe(true);
    expect(existsSync(join(cluster, 'postmaster.pid'))).toBe(false);
  }, 90_000);
});
