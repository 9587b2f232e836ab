/**
 * The parent's side of the pages held open (pages-child.ts): forks the child and sends it
 * commands. Also reads a service's RSS and open descriptors from /proc.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';

export interface PagesOpened {
  opened: number;
  connected: number;
  /** Pages not answered 200, by status ('closed', 'no answer' when there was none). */
  refused: Record<string, number>;
  errors: string[];
  ms: number;
}

export interface PagesSeen {
  pages: number;
  open: number;
  closedByService: number;
  eventsPerPage: { mean: number; min: number; max: number };
  bytesPerPage: number;
  /** From the last sale's answer to the moment each page first showed the final stock. */
  staleness?: {
    seen: number;
    never: number;
    p50Ms: number;
    p99Ms: number;
    maxMs: number;
    /** From the first page that showed the final stock to the last. */
    spreadMs: number;
    deadlineMs: number;
  };
}

/** Wall-clock ms with sub-ms precision, comparable across the bench's processes. */
export const wallClock = () => performance.timeOrigin + performance.now();

export class Pages {
  private readonly child: ChildProcess;
  private next = 0;
  private readonly waiting = new Map<
    number,
    (message: { result?: unknown; error?: string }) => void
  >();

  constructor() {
    this.child = fork(join(import.meta.dirname, 'pages-child.ts'), [], { stdio: 'inherit' });
    this.child.on('message', (message: { id: number; result?: unknown; error?: string }) => {
      this.waiting.get(message.id)?.(message);
      this.waiting.delete(message.id);
    });
  }

  private send<T>(command: Record<string, unknown>): Promise<T> {
    const id = ++this.next;
    return new Promise((resolve, reject) => {
      this.waiting.set(id, (m) => (m.error ? reject(new Error(m.error)) : resolve(m.result as T)));
      this.child.send({ ...command, id });
    });
  }

  /** Opens `count` streams over `urls` in turn, `perTick` every `tickMs`, and waits for answers. */
  open(
    urls: string[],
    count: number,
    perTick = 250,
    tickMs = 50,
    group = 'pages',
  ): Promise<PagesOpened> {
    return this.send({
      group,
      cmd: 'open',
      urls,
      path: '/products/events',
      count,
      perTick,
      tickMs,
      timeoutMs: 15_000,
    });
  }

  /** Watches one product for a stock at or below `stock`; restarts the counters. */
  watch(productId: string, stock: number): Promise<void> {
    return this.send({ cmd: 'watch', productId, stock });
  }

  /** What the pages (of `group`, else all) saw; waits for the final stock up to the deadline. */
  stats(since: number, deadlineMs = 5000, group?: string): Promise<PagesSeen> {
    return this.send({ cmd: 'stats', since, deadlineMs, group });
  }

  /** The child's own CPU time so far, in ms. */
  async cpuMs(): Promise<number> {
    return (await this.send<{ cpuMs: number }>({ cmd: 'cpu' })).cpuMs;
  }

  closeAll(): Promise<void> {
    return this.send({ cmd: 'close' });
  }

  stop(): void {
    this.child.kill();
  }
}

export interface ProcessMemory {
  rssMB: number;
  descriptors: number;
}

/** VmRSS and the count of open descriptors of a process (Linux /proc). */
export async function processMemory(pid: number): Promise<ProcessMemory | undefined> {
  try {
    const status = await readFile(`/proc/${pid}/status`, 'utf8');
    const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
    const descriptors = (await readdir(`/proc/${pid}/fd`)).length;
    return { rssMB: Math.round(kb / 102.4) / 10, descriptors };
  } catch {
    return undefined;
  }
}

/**
 * The machine's count of connections dropped because a listen queue was full (TcpExt
 * ListenOverflows): machine-wide, so other work on the machine adds to it.
 */
export async function listenOverflows(): Promise<number | undefined> {
  try {
    const lines = (await readFile('/proc/net/netstat', 'utf8')).split('\n');
    const names = lines.find((l) => l.startsWith('TcpExt:'))?.split(' ') ?? [];
    const values = lines.filter((l) => l.startsWith('TcpExt:'))[1]?.split(' ') ?? [];
    const i = names.indexOf('ListenOverflows');
    return i > 0 ? Number(values[i]) : undefined;
  } catch {
    return undefined;
  }
}
