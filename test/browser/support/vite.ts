import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';

const RUNNER = join(__dirname, 'vite-runner.mts');

function start(args: string[]): ChildProcess {
  // process.execPath: the Node running Jest (24, which runs the .mts runner as it is).
  return spawn(process.execPath, [RUNNER, ...args], {
    stdio: ['pipe', 'pipe', 'pipe'],
    env: { ...process.env, NODE_OPTIONS: '' },
  });
}

function collect(stream: NodeJS.ReadableStream | null): () => string {
  let text = '';
  stream?.on('data', (chunk: Buffer) => (text += chunk.toString()));
  return () => text;
}

/** Builds the storefront with its own Vite config into `outDir` (in a process of its own). */
export function buildStorefront(outDir: string): Promise<void> {
  const child = start(['build', outDir]);
  const output = collect(child.stdout);
  const errors = collect(child.stderr);
  child.stdin?.end();
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('exit', (code) =>
      code === 0
        ? resolve()
        : reject(new Error(`vite build failed (${code}):\n${output()}\n${errors()}`)),
    );
  });
}

export interface DevServer {
  /** e.g. http://127.0.0.1:41234/ */
  url: string;
  close(): Promise<void>;
}

/** Starts Vite's dev server for the storefront on a free port. */
export function serveStorefront(): Promise<DevServer> {
  const child = start(['serve']);
  const errors = collect(child.stderr);
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  const close = async () => {
    child.stdin?.end();
    const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(timer);
  };
  return new Promise((resolve, reject) => {
    let buffered = '';
    child.on('error', reject);
    void exited.then(() => reject(new Error(`vite dev server exited:\n${errors()}`)));
    child.stdout?.on('data', (chunk: Buffer) => {
      buffered += chunk.toString();
      const line = buffered.split('\n').find((l) => l.startsWith('{'));
      if (line) resolve({ url: (JSON.parse(line) as { url: string }).url, close });
    });
  });
}
