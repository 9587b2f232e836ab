// streamServerSentEvents on a bare Fastify server: the reply keeps the headers hooks set, and a
// client that does not read is not sent an ever-growing backlog.
import Fastify, { type FastifyInstance } from 'fastify';
import { connect } from 'node:net';
import { Subject } from 'rxjs';
import {
  type ServerSentEvent,
  streamServerSentEvents,
} from '../../src/products/server-sent-events';

describe('streamServerSentEvents', () => {
  let server: FastifyInstance;
  let port: number;
  const events = new Subject<ServerSentEvent>();
  let subscribed: () => void;
  const ready = new Promise<void>((resolve) => (subscribed = resolve));

  beforeAll(async () => {
    server = Fastify();
    server.addHook('onRequest', async (_request, reply) => {
      void reply.header('x-request-id', 'req-1').header('x-content-type-options', 'nosniff');
    });
    server.get('/events', (_request, reply) => {
      streamServerSentEvents(reply, events);
      subscribed();
    });
    await server.listen({ port: 0, host: '127.0.0.1' });
    port = (server.server.address() as { port: number }).port;
  });
  afterAll(async () => {
    events.complete();
    await server.close();
  });

  it('keeps the headers, and sends a slow client only the latest event per key', async () => {
    const socket = connect(port, '127.0.0.1');
    socket.write('GET /events HTTP/1.1\r\nhost: x\r\n\r\n');
    await ready;
    socket.pause(); // a client that has stopped reading

    // 40 MB of updates to 10 keys, far more than the socket buffers hold.
    const padding = 'x'.repeat(2000);
    const total = 20_000;
    for (let i = 0; i < total; i++) {
      events.next({ event: 'stock', data: { n: i, padding }, key: `k${i % 10}` });
    }
    events.next({ event: 'resync', data: {} });

    let received = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => (received += chunk));
    socket.resume();
    await new Promise<void>((resolve) => {
      const check = setInterval(() => {
        if (received.includes('event: resync')) {
          clearInterval(check);
          resolve();
        }
      }, 20);
    });
    socket.destroy();

    const head = received.slice(0, received.indexOf('\r\n\r\n')).toLowerCase();
    expect(head).toMatch(/^http\/1\.1 200/);
    expect(head).toContain('content-type: text/event-stream');
    expect(head).toContain('x-request-id: req-1');
    expect(head).toContain('x-content-type-options: nosniff');

    const numbers = [...received.matchAll(/data: \{"n":(\d+)/g)].map((m) => Number(m[1]));
    // Far less than everything was sent: what the client could not take was superseded ...
    expect(received.length).toBeLessThan((total * padding.length) / 2);
    // ... but each key's latest value arrived, and in order.
    for (let key = 0; key < 10; key++) expect(numbers).toContain(total - 10 + key);
    expect([...numbers].sort((a, b) => a - b)).toEqual(numbers);
    // The unkeyed event after them was not lost.
    expect(received.indexOf('event: resync')).toBeGreaterThan(received.lastIndexOf('"n":'));
  });
});
