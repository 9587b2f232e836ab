import { describe, expect, it } from 'vitest';
import { waitFor } from '../testing/dom.js';
import {
  type EventSourceLike,
  type FeedStatus,
  jittered,
  LiveStockFeed,
  type StockUpdate,
} from './stock-feed.js';

/** Stands in for the browser's EventSource; the test opens, feeds and drops it. */
class FakeEventSource extends EventTarget implements EventSourceLike {
  readyState = 0;
  closed = false;
  constructor(readonly url: string) {
    super();
  }
  open(): void {
    this.readyState = 1;
    this.dispatchEvent(new Event('open'));
  }
  send(data: unknown): void {
    this.emit('stock', data);
  }
  /** A named event from the server, e.g. `stale` or `resync`. */
  emit(name: string, data: unknown = {}): void {
    const text = typeof data === 'string' ? data : JSON.stringify(data);
    this.dispatchEvent(new MessageEvent(name, { data: text }));
  }
  /** The connection fails; CONNECTING (0): the browser will retry; CLOSED (2): it gave up. */
  drop(readyState: 0 | 2): void {
    this.readyState = readyState;
    this.dispatchEvent(new Event('error'));
  }
  close(): void {
    this.readyState = 2;
    this.closed = true;
  }
}

function arrange(options: { random?: () => number; pollIntervalMs?: number } = {}) {
  const sources: FakeEventSource[] = [];
  let polls = 0;
  const feed = new LiveStockFeed({
    url: '/products/events',
    pollIntervalMs: options.pollIntervalMs ?? 25,
    reconnectDelayMs: 60,
    resyncSpreadMs: 20,
    random: options.random,
    poll: async () => {
      polls += 1;
      return [{ productId: 'p1', stock: 40 + polls, version: 100 + polls }];
    },
    openEventSource: (url) => {
      const source = new FakeEventSource(url);
      sources.push(source);
      return source;
    },
  });
  const updates: StockUpdate[] = [];
  const statuses: FeedStatus[] = [];
  feed.subscribe((update) => updates.push(update));
  feed.addEventListener('status', () => statuses.push(feed.status));
  return { feed, sources, updates, statuses, polls: () => polls };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('stock-feed', () => {
  it('passes on each stock event from the stream, and reports itself live', async () => {
    const { feed, sources, updates, statuses } = arrange();
    feed.start();
    expect(sources.length).toBe(1);
    expect(sources[0].url).toBe('/products/events');
    expect(feed.status).toBe('connecting');
    sources[0].open();
    sources[0].send({ productId: 'p1', stock: 7, version: 12 });
    sources[0].send('not json');
    sources[0].send({ productId: 'p2' });
    expect(updates).toEqual([{ productId: 'p1', stock: 7, version: 12 }]);
    expect(statuses).toEqual(['connecting', 'live']);
    feed.stop();
  });

  it('polls while the stream is down, reopens it, and catches up once it is back', async () => {
    const { feed, sources, updates, polls } = arrange();
    feed.start();
    sources[0].open();
    sources[0].drop(2); // e.g. a 503: the browser will not retry
    expect(feed.status).toBe('polling');
    expect(sources[0].closed).toBe(true);
    await waitFor(() => polls() >= 2, 'two polls');
    expect(updates[0]).toEqual({ productId: 'p1', stock: 41, version: 101 });
    await waitFor(() => sources.length === 2, 'the stream reopened');
    sources[1].open();
    expect(feed.status).toBe('live');
    const afterOpen = polls();
    await sleep(80);
    // One catch-up poll for what was missed, then no more polling.
    expect(polls() - afterOpen <= 1).toBe(true);
    const settled = polls();
    await sleep(60);
    expect(polls()).toBe(settled);
    feed.stop();
  });

  it('while the browser retries by itself, polls without opening a second stream', async () => {
    const { feed, sources, polls } = arrange();
    feed.start();
    sources[0].open();
    sources[0].drop(0);
    expect(feed.status).toBe('polling');
    await waitFor(() => polls() >= 2, 'polling');
    await sleep(80);
    expect(sources.length).toBe(1);
    sources[0].open();
    expect(feed.status).toBe('live');
    feed.stop();
  });

  it('backs off between attempts to reopen a stream that keeps failing', async () => {
    const { feed, sources } = arrange();
    feed.start();
    sources[0].drop(2);
    await waitFor(() => sources.length === 2, 'second attempt', 1000);
    const second = performance.now();
    sources[1].drop(2);
    await waitFor(() => sources.length === 3, 'third attempt', 1000);
    // The wait doubled: 60 ms before the second attempt, 120 ms before the third.
    expect(performance.now() - second >= 100).toBe(true);
    feed.stop();
  });

  it('stop() closes the stream and ends polling', async () => {
    const { feed, sources, polls } = arrange();
    feed.start();
    sources[0].drop(0);
    feed.stop();
    expect(sources[0].closed).toBe(true);
    expect(feed.status).toBe('idle');
    const count = polls();
    await sleep(60);
    expect(polls()).toBe(count);
  });

  it('when the server says its feed is stale: polls, keeps the stream, and is live again on resync', async () => {
    const { feed, sources, updates, statuses, polls } = arrange();
    feed.start();
    sources[0].open();
    sources[0].emit('stale', { reason: 'terminating connection due to administrator command' });
    expect(feed.status).toBe('polling');
    expect(sources[0].closed).toBe(false);
    await waitFor(() => polls() >= 2, 'polling while stale');
    await sleep(80);
    expect(sources.length).toBe(1);
    sources[0].emit('resync');
    expect(feed.status).toBe('live');
    expect(statuses).toEqual(['connecting', 'live', 'polling', 'live']);
    // One catch-up read for what the server missed, then no more polling.
    const atResync = polls();
    await waitFor(() => polls() === atResync + 1, 'the catch-up read');
    await sleep(80);
    expect(polls()).toBe(atResync + 1);
    // Stock events flow again.
    sources[0].send({ productId: 'p1', stock: 3, version: 300 });
    expect(updates.at(-1)).toEqual({ productId: 'p1', stock: 3, version: 300 });
    feed.stop();
  });

  it('a stream that opens onto a stale server goes back to polling at once', async () => {
    const { feed, sources } = arrange();
    feed.start();
    sources[0].drop(2);
    await waitFor(() => sources.length === 2, 'reopened');
    sources[1].open();
    expect(feed.status).toBe('live');
    sources[1].emit('stale', { reason: 'connect ECONNREFUSED' });
    expect(feed.status).toBe('polling');
    feed.stop();
  });

  it('does not poll in step with every other page: the first read waits a random part of the interval', async () => {
    const { feed, sources, polls } = arrange({ random: () => 0.9, pollIntervalMs: 100 });
    feed.start();
    sources[0].open();
    sources[0].drop(0);
    // With no jitter the first read would have started right here.
    expect(polls()).toBe(0);
    await waitFor(() => polls() >= 1, 'the first read');
    feed.stop();
  });

  it('the catch-up read after the stream reopens waits a random part of the spread, not in step with every page', async () => {
    const { feed, sources, polls } = arrange({ random: () => 0.9, pollIntervalMs: 1000 });
    feed.start();
    sources[0].drop(2); // refused: reopened after 60 ms × 1.45, before the first poll (900 ms)
    await waitFor(() => sources.length === 2, 'reopened');
    const before = polls();
    sources[1].open();
    expect(feed.status).toBe('live');
    expect(polls()).toBe(before);
    await waitFor(() => polls() === before + 1, 'the catch-up read');
    feed.stop();
  });

  it('jittered() spreads a wait over half to one and a half times it', () => {
    expect(jittered(1000, () => 0)).toBe(500);
    expect(jittered(1000, () => 0.5)).toBe(1000);
    expect(jittered(1000, () => 0.999)).toBe(1499);
  });
});
