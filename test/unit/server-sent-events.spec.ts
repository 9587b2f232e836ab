// StockBroadcast on a bare Fastify server and real sockets: the stream keeps the headers hooks set,
// a client that stops reading is owed only the set of products changed since (never a backlog)
// and gets their latest values when it reads again, and one blocked past the deadline is closed.
import Fastify, { type FastifyInstance } from 'fastify';
import { connect, type Socket } from 'node:net';
import { StockBroadcast, type StockBroadcastOptions } from '../../src/products/stock-broadcast';

const PRODUCTS = 500;

async function serve(options: Omit<StockBroadcastOptions, 'maxStreams'>) {
  const broadcast = new StockBroadcast({ maxStreams: 10, ...options });
  const server: FastifyInstance = Fastify();
  server.addHook('onRequest', async (_request, reply) => {
    void reply.header('x-request-id', 'req-1').header('x-content-type-options', 'nosniff');
  });
  server.get('/events', (_request, reply) => broadcast.subscribe(reply));
  await server.listen({ port: 0, host: '127.0.0.1' });
  const port = (server.server.address() as { port: number }).port;
  return {
    broadcast,
    port,
    close: async () => {
      broadcast.close();
      await server.close();
    },
  };
}

/** A page on a raw socket; resolves once the broadcast counts it as a subscriber. */
async function open(port: number, broadcast: StockBroadcast) {
  const before = broadcast.size;
  const socket = connect(port, '127.0.0.1');
  socket.setEncoding('latin1');
  let received = '';
  socket.on('data', (chunk: string) => (received += chunk));
  socket.write('GET /events HTTP/1.1\r\nhost: x\r\n\r\n');
  await until(() => broadcast.size > before && received.includes(': ok\n\n'));
  return { socket, text: () => received };
}

async function until(condition: () => boolean, what = 'condition'): Promise<void> {
  for (let waited = 0; !condition(); waited += 10) {
    if (waited > 20_000) throw new Error(`${what} not met in 20 s`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** The last `stock` value the text carries for each product. */
function lastStock(text: string): Map<string, number> {
  const last = new Map<string, number>();
  for (const [, id, stock] of text.matchAll(/data: \{"productId":"(p\d+)","stock":(\d+)/g)) {
    last.set(id, Number(stock));
  }
  return last;
}

describe('StockBroadcast', () => {
  it('keeps the headers hooks set, and sends a page the last value of every product', async () => {
    const { broadcast, port, close } = await serve({ flushMs: 5 });
    try {
      const page = await open(port, broadcast);
      // Many changes of many products within one flush window: only the last of each counts.
      for (let round = 0; round < 20; round++) {
        for (let p = 0; p < PRODUCTS; p++) {
          broadcast.change({ productId: `p${p}`, stock: 1000 - round, version: round + 1 });
        }
      }
      await until(() => lastStock(page.text()).size === PRODUCTS, 'every product');
      page.socket.destroy();

      const text = page.text();
      const head = text.slice(0, text.indexOf('\r\n\r\n')).toLowerCase();
      expect(head).toMatch(/^http\/1\.1 200/);
      expect(head).toContain('content-type: text/event-stream');
      expect(head).toContain('x-request-id: req-1');
      expect(head).toContain('x-content-type-options: nosniff');
      expect(text).toMatch(/\r\n\r\nretry: \d+\n: ok\n\n/);
      for (const stock of lastStock(text).values()) expect(stock).toBe(981);
      // Conflated: one event per product, not one per change.
      expect(text.match(/event: stock\n/g)).toHaveLength(PRODUCTS);
      await until(() => broadcast.size === 0, 'the page to leave');
    } finally {
      await close();
    }
  });

  it('owes a page that stops reading only the products changed since, then sends their latest', async () => {
    const { broadcast, port, close } = await serve({ flushMs: 1 });
    try {
      const page = await open(port, broadcast);
      page.socket.pause(); // a page that has stopped reading
      // Rounds of ~30 KB until the socket buffers are full.
      let round = 0;
      while (broadcast.pending().blocked === 0) {
        if (round > 5000) throw new Error('the page never blocked');
        for (let p = 0; p < PRODUCTS; p++) {
          broadcast.change({ productId: `p${p}`, stock: round, version: round });
        }
        round++;
        await new Promise((resolve) => setTimeout(resolve, 2));
      }
      // Blocked: more rounds only mark products, never queue frames.
      for (let more = 0; more < 50; more++, round++) {
        for (let p = 0; p < PRODUCTS; p++) {
          broadcast.change({ productId: `p${p}`, stock: round, version: round });
        }
        await new Promise((resolve) => setTimeout(resolve, 2));
      }
      const final = round - 1;
      await until(() => broadcast.pending().products === PRODUCTS, 'every product owed');
      expect(broadcast.pending()).toEqual({ blocked: 1, products: PRODUCTS });

      page.socket.resume();
      await until(
        () => [...lastStock(page.text()).values()].filter((s) => s === final).length === PRODUCTS,
        'the latest of every product',
      );
      expect(broadcast.pending()).toEqual({ blocked: 0, products: 0 });
      page.socket.destroy();
    } finally {
      await close();
    }
  });

  it('tells pages a generic `stale` when the feed goes down, a new page at once, then `resync`', async () => {
    const { broadcast, port, close } = await serve({});
    try {
      broadcast.setHealth('live');
      const before = await open(port, broadcast);
      broadcast.setHealth('down');
      await until(() => before.text().includes('event: stale'), 'stale');
      const during = await open(port, broadcast);
      await until(() => during.text().includes('event: stale'), 'stale at once');
      broadcast.setHealth('live');
      for (const page of [before, during]) {
        await until(() => page.text().includes('event: resync\ndata: {}\n\n'), 'resync');
        // The outage's details stay in the log.
        expect(page.text()).toContain('event: stale\ndata: {"reason":"database unavailable"}\n\n');
        page.socket.destroy();
      }
    } finally {
      await close();
    }
  });

  it('closes a page blocked past two heartbeats; it will reconnect', async () => {
    const { broadcast, port, close } = await serve({ flushMs: 1, heartbeatMs: 50 });
    let socket: Socket | undefined;
    try {
      const page = await open(port, broadcast);
      socket = page.socket;
      socket.pause();
      const padding = 'y'.repeat(200);
      for (let round = 0; broadcast.pending().blocked === 0; round++) {
        if (round > 5000) throw new Error('the page never blocked');
        for (let p = 0; p < PRODUCTS; p++) {
          broadcast.change({ productId: `p${p}-${padding}`, stock: round, version: round });
        }
        await new Promise((resolve) => setTimeout(resolve, 2));
      }
      await until(() => broadcast.size === 0, 'the blocked page to be closed');
    } finally {
      socket?.destroy();
      await close();
    }
  });
});
