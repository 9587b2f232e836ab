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
