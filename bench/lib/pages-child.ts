/**
 * Pages held open: one lean child process (forked by pages.ts) holding many GET /products/events
 * streams on raw sockets, as storefront pages would. It parses only what it must (the status line,
 * chunked framing, `event: stock` frames, and the stock of the one product it is told to watch),
 * so that thousands of streams cost the shared machine as little CPU as possible. Commands come
 * over IPC; see pages.ts.
 */
import { connect, type Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';

/** Wall-clock ms with sub-ms precision, comparable with the parent's. */
const now = () => performance.timeOrigin + performance.now();

interface Page {
  socket: Socket;
  /** 0 until the head is read; then the status. */
  status: number;
  head: string;
  /** Chunked framing: bytes left in the current chunk, or -1 while reading a size line. */
  chunkLeft: number;
  sizeLine: string;
  /** Body text not yet ending in a blank line. */
  tail: string;
  events: number;
  bytes: number;
  /** When the page first showed the watched stock (or less), in wall-clock ms. */
  seenAt?: number;
  closed: boolean;
  error?: string;
  /** Which open command opened it, for stats of some pages only. */
  group: string;
}

const pages: Page[] = [];
let watch: { productId: string; stock: number } | undefined;

function openPage(url: URL, path: string, group: string): Page {
  const socket = connect({ host: url.hostname, port: Number(url.port) });
  const page: Page = {
    socket,
    status: 0,
    head: '',
    chunkLeft: -1,
    sizeLine: '',
    tail: '',
    events: 0,
    bytes: 0,
    closed: false,
    group,
  };
  socket.setNoDelay(true);
  socket.on('connect', () =>
    socket.write(`GET ${path} HTTP/1.1\r\nHost: ${url.host}\r\nAccept: text/event-stream\r\n\r\n`),
  );
  socket.on('data', (chunk: Buffer) => receive(page, chunk));
  socket.on('error', (error) => (page.error ??= error.message));
  socket.on('close', () => (page.closed = true));
  return page;
}

function receive(page: Page, chunk: Buffer): void {
  page.bytes += chunk.length;
  let text = chunk.toString('latin1');
  if (page.status === 0) {
    page.head += text;
    const end = page.head.indexOf('\r\n\r\n');
    if (end < 0) return;
    page.status = Number(page.head.slice(9, 12)) || -1;
    const chunked = /\r\ntransfer-encoding:\s*chunked/i.test(page.head.slice(0, end));
    text = page.head.slice(end + 4);
    page.head = chunked ? 'chunked' : '';
    if (page.status !== 200) {
      page.socket.destroy();
      return;
    }
  }
  body(page, page.head === 'chunked' ? unchunk(page, text) : text);
}

/** Strips chunked framing (the service's stream is chunked; nginx may re-chunk it). */
function unchunk(page: Page, text: string): string {
  let out = '';
  let i = 0;
  while (i < text.length) {
    if (page.chunkLeft > 0) {
      const take = Math.min(page.chunkLeft, text.length - i);
      out += text.slice(i, i + take);
      page.chunkLeft -= take;
      i += take;
      continue;
    }
    // Past a chunk: its CRLF, then the next size line.
    const eol = text.indexOf('\n', i);
    if (eol < 0) {
      page.sizeLine += text.slice(i);
      return out;
    }
    const line = (page.sizeLine + text.slice(i, eol)).trim();
    page.sizeLine = '';
    i = eol + 1;
    if (line === '') continue;
    const size = parseInt(line, 16);
    if (size === 0) return out;
    page.chunkLeft = size;
  }
  return out;
}

function body(page: Page, text: string): void {
  if (text === '') return;
  const all = page.tail + text;
  const last = all.lastIndexOf('\n\n');
  if (last < 0) {
    page.tail = all;
    return;
  }
  page.tail = all.slice(last + 2);
  for (const frame of all.slice(0, last).split('\n\n')) {
    if (!frame.startsWith('event: stock')) continue;
    page.events++;
    if (!watch || page.seenAt !== undefined || !frame.includes(watch.productId)) continue;
    const match = /"stock":(-?\d+)/.exec(frame);
    if (match && Number(match[1]) <= watch.stock) page.seenAt = now();
  }
}

interface OpenCommand {
  cmd: 'open';
  urls: string[];
  path: string;
  count: number;
  perTick: number;
  tickMs: number;
  /** How long to wait for every new page's answer. */
  timeoutMs: number;
  group: string;
}

async function open(command: OpenCommand) {
  const startedAt = now();
  const fresh: Page[] = [];
  const urls = command.urls.map((u) => new URL(u));
  for (let i = 0; i < command.count; i++) {
    fresh.push(openPage(urls[i % urls.length], command.path, command.group));
    if ((i + 1) % command.perTick === 0) await sleep(command.tickMs);
  }
  pages.push(...fresh);
  const deadline = now() + command.timeoutMs;
  while (fresh.some((p) => p.status === 0 && !p.closed) && now() < deadline) await sleep(20);
  const statuses: Record<string, number> = {};
  for (const page of fresh) {
    const key = page.status > 0 ? String(page.status) : page.closed ? 'closed' : 'no answer';
    if (page.status !== 200) statuses[key] = (statuses[key] ?? 0) + 1;
  }
  return {
    opened: fresh.length,
    connected: fresh.filter((p) => p.status === 200 && !p.closed).length,
    refused: statuses,
    errors: [...new Set(fresh.map((p) => p.error).filter(Boolean))].slice(0, 3),
    ms: Math.round(now() - startedAt),
  };
}

const percentile = (sorted: number[], p: number) =>
  sorted.length === 0 ? 0 : sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)];

/**
 * Waits until every live page has seen the watched stock or `deadlineMs` after `since` passed,
 * then reports what the pages saw since the last `watch`.
 */
async function stats(command: { since: number; deadlineMs: number; group?: string }) {
  const mine = pages.filter((p) => command.group === undefined || p.group === command.group);
  const live = () => mine.filter((p) => p.status === 200 && !p.closed);
  const until = command.since + command.deadlineMs;
  while (watch && live().some((p) => p.seenAt === undefined) && now() < until) await sleep(20);
  const open = live();
  const considered = mine.filter((p) => p.status === 200);
  const seenAt = considered.map((p) => p.seenAt).filter((t): t is number => t !== undefined);
  const staleness = considered
    .filter((p) => p.seenAt !== undefined)
    .map((p) => Math.max(0, (p.seenAt ?? 0) - command.since))
    .sort((a, b) => a - b);
  const events = considered.map((p) => p.events).sort((a, b) => a - b);
  const bytes = considered.reduce((n, p) => n + p.bytes, 0);
  return {
    pages: considered.length,
    open: open.length,
    closedByService: considered.length - open.length,
    eventsPerPage: {
      mean: Math.round(events.reduce((a, b) => a + b, 0) / Math.max(1, events.length)),
      min: events[0] ?? 0,
      max: events[events.length - 1] ?? 0,
    },
    bytesPerPage: Math.round(bytes / Math.max(1, considered.length)),
    staleness: watch
      ? {
          seen: staleness.length,
          never: considered.length - staleness.length,
          p50Ms: Math.round(percentile(staleness, 0.5)),
          p99Ms: Math.round(percentile(staleness, 0.99)),
          maxMs: Math.round(staleness[staleness.length - 1] ?? 0),
          // From the first page that showed it to the last: meaningful even when the answers to
          // the purchases came late, after the pages had already shown sold out.
          spreadMs: seenAt.length ? Math.round(Math.max(...seenAt) - Math.min(...seenAt)) : 0,
          deadlineMs: command.deadlineMs,
        }
      : undefined,
  };
}

type Command =
  | OpenCommand
  | { cmd: 'watch'; productId: string; stock: number }
  | { cmd: 'stats'; since: number; deadlineMs: number; group?: string }
  | { cmd: 'close' }
  | { cmd: 'cpu' };

process.on('message', (message: Command & { id: number }) => {
  const answer = async (): Promise<unknown> => {
    switch (message.cmd) {
      case 'open':
        return open(message);
      case 'watch':
        // Counters restart with each watch, so that each measurement counts its own events.
        watch = { productId: message.productId, stock: message.stock };
        for (const page of pages) {
          page.seenAt = undefined;
          page.events = 0;
          page.bytes = 0;
        }
        return {};
      case 'stats':
        return stats(message);
      case 'close':
        for (const page of pages.splice(0)) page.socket.destroy();
        watch = undefined;
        return {};
      case 'cpu': {
        const usage = process.cpuUsage();
        return { cpuMs: Math.round((usage.user + usage.system) / 1000) };
      }
    }
  };
  void answer().then(
    (result) => process.send?.({ id: message.id, result }),
    (error: unknown) => process.send?.({ id: message.id, error: String(error) }),
  );
});
process.on('disconnect', () => process.exit(0));
