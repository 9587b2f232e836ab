import { type ChildProcess, spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

export interface RunningProcess {
  name: string;
  url: string;
  pid: number;
  logFile: string;
  /** CPU time the process has used so far, in ms (user + system), from /proc when available. */
  cpuMs(): Promise<number | undefined>;
  stop(): Promise<void>;
}

/** A free TCP port on loopback, chosen by the kernel. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error()),
      );
    });
  });
}

/**
 * Starts `node <script>` with `env`, its output going to `logFile`, and waits until
 * `GET <url><readyPath>` answers 200.
 */
export async function startNodeProcess(options: {
  name: string;
  script: string;
  cwd: string;
  env: Record<string, string>;
  port: number;
  logFile: string;
  readyPath: string;
  timeoutMs?: number;
}): Promise<RunningProcess> {
  const url = `http://127.0.0.1:${options.port}`;
  const log = createWriteStream(options.logFile);
  const child = spawn(process.execPath, [options.script], {
    cwd: options.cwd,
    env: { ...process.env, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.pipe(log);
  child.stderr?.pipe(log);
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  let exitCode: number | null | undefined;
  void exited.then((code) => (exitCode = code));

  const deadline = Date.now() + (options.timeoutMs ?? 60_000);
  for (;;) {
    if (exitCode !== undefined) {
      const tail = await readTail(options.logFile);
      throw new Error(`${options.name} exited with code ${exitCode} while starting:\n${tail}`);
    }
    try {
      const response = await fetch(url + options.readyPath, { signal: AbortSignal.timeout(2000) });
      if (response.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`${options.name} did not become ready within the timeout`);
    }
    await sleep(100);
  }
  const pid = child.pid ?? 0;
  return {
    name: options.name,
    url,
    pid,
    logFile: options.logFile,
    cpuMs: () => processCpuMs(pid),
    stop: () => stopChild(child, exited),
  };
}

async function stopChild(child: ChildProcess, exited: Promise<unknown>): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  const killed = await Promise.race([exited.then(() => true), sleep(10_000).then(() => false)]);
  if (!killed) {
    child.kill('SIGKILL');
    await exited;
  }
}

async function readTail(file: string): Promise<string> {
  try {
    return (await readFile(file, 'utf8')).split('\n').slice(-30).join('\n');
  } catch {
    return '(no log)';
  }
}

/** utime + stime of a process from /proc/<pid>/stat (Linux), in ms; undefined elsewhere. */
export async function processCpuMs(pid: number): Promise<number | undefined> {
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // Fields 14 and 15 of stat(5) (utime, stime), in clock ticks of 10 ms (USER_HZ = 100).
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return undefined;
  }
}

/**
 * CPU time used so far by a PostgreSQL cluster: the postmaster named in `postmaster.pid`, its live
 * children (backends, background workers) and, through the postmaster's cutime/cstime, the
 * children that have exited. Linux only; undefined elsewhere.
 */
export async function clusterCpuMs(dataDir: string): Promise<number | undefined> {
  try {
    const postmaster = Number((await readFile(`${dataDir}/postmaster.pid`, 'utf8')).split('\n')[0]);
    let total = 0;
    for (const entry of await readdir('/proc')) {
      if (!/^\d+$/.test(entry)) continue;
      try {
        const stat = await readFile(`/proc/${entry}/stat`, 'utf8');
        const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
        if (Number(entry) === postmaster) {
          // utime, stime, cutime, cstime: fields 14 to 17 of stat(5).
          total += fields.slice(11, 15).reduce((sum, field) => sum + Number(field), 0) * 10;
        } else if (Number(fields[1]) === postmaster) {
          total += (Number(fields[11]) + Number(fields[12])) * 10;
        }
      } catch {
        // the process ended while we looked
      }
    }
    return total;
  } catch {
    return undefined;
  }
}
