// DATABASE_URL as operators write it: a Unix socket works, and a start that fails on the
// database never prints the password.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort } from '../../src/app/embedded-postgres';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { spawnService } from '../support/service-process';

const ROOT = join(__dirname, '..', '..');
const PASSWORD = 'pw-that-must-not-leak';

/** Runs the service until it exits (a start meant to fail); its exit code and all it wrote. */
async function failedStart(env: Record<string, string>): Promise<{ code: number; output: string }> {
  const child = spawn(process.execPath, ['-r', '@swc-node/register', 'src/main.ts'], {
    cwd: ROOT,
    env: {
      ...process.env,
      NODE_OPTIONS: '',
      HOST: '127.0.0.1',
      PORT: '0',
      LOG_LEVEL: 'debug',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const code = await new Promise<number>((resolve) => child.once('exit', (c) => resolve(c ?? -1)));
  return { code, output };
}

describe('DATABASE_URL', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(() => db.drop());

  it('works as a Unix socket (postgres://user:password@/db?host=/dir&port=N)', async () => {
    const tcp = new URL(db.url);
    // The test's PostgreSQL also listens on a socket in /tmp (PostgreSQL's default directory).
    const socketUrl =
      `postgres://${tcp.username}:${tcp.password}@${tcp.pathname}` + `?host=/tmp&port=${tcp.port}`;
    const service = await spawnService(socketUrl);
    try {
      const products = await fetch(`${service.baseUrl}/products`);
      expect(products.status).toBe(200);
    } finally {
      service.child.kill('SIGTERM');
      await service.exited;
    }
  }, 60_000);

  it('logs no password while the database cannot be reached, request after request', async () => {
    const port = await freePort();
    const child = spawn(process.execPath, ['-r', '@swc-node/register', 'src/main.ts'], {
      cwd: ROOT,
      env: {
        ...process.env,
        NODE_OPTIONS: '',
        HOST: '127.0.0.1',
        PORT: String(port),
        LOG_LEVEL: 'info',
        MIGRATE_ON_START: 'false',
        SEED_DEMO_DATA: 'false',
        DATABASE_URL: `postgres://postgres:${PASSWORD}@/store?host=/nonexistent`,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const exited = new Promise((resolve) => child.once('exit', resolve));
    try {
      const base = `http://127.0.0.1:${port}`;
      let answered = false;
      for (let i = 0; i < 300 && !answered && child.exitCode === null; i++) {
        answered = await fetch(`${base}/health/live`).then(
          (r) => r.ok,
          () => false,
        );
        if (!answered) await sleep(100);
      }
      // (A start that needs the database at once may instead stop here: its log counts too.)
      if (answered) {
        // Routes that need the database: each fails, and each failure is logged.
        for (const path of ['/products', '/health/ready']) {
          const response = await fetch(`${base}${path}`);
          expect(response.status).toBeGreaterThanOrEqual(500);
        }
      }
    } finally {
      child.kill('SIGTERM');
      await exited;
    }
    expect(output).not.toContain(PASSWORD);
  }, 60_000);

  it.each([
    [
      'a socket directory with no server',
      `postgres://postgres:${PASSWORD}@/store?host=/nonexistent`,
    ],
    ['a closed port', `postgres://postgres:${PASSWORD}@127.0.0.1:1/store`],
    ['several hosts', `postgres://postgres:${PASSWORD}@db1:5432,db2:5432/store`],
  ])(
    'stops the start on %s, with a sentence and no password',
    async (_name, url) => {
      const { code, output } = await failedStart({ DATABASE_URL: url });
      expect(code).toBe(1);
      expect(output).not.toContain(PASSWORD);
      expect(output).not.toMatch(/^undefined$/m);
      expect(output.trim().length).toBeGreaterThan(0);
    },
    60_000,
  );
});
