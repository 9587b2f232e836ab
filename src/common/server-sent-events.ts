import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Observable } from 'rxjs';

const HEARTBEAT_MS = 15_000;

/**
 * Streams `events` to the client as Server-Sent Events named `name`, with a comment line at
 * connect and as a heartbeat, until the client goes away or the stream completes.
 */
export function streamServerSentEvents<T>(
  request: FastifyRequest,
  reply: FastifyReply,
  name: string,
  events: Observable<T>,
): void {
  reply.hijack();
  const response = reply.raw;
  response.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache, no-transform',
    connection: 'keep-alive',
    'x-accel-buffering': 'no',
  });
  response.write(': ok\n\n');
  const heartbeat = setInterval(() => response.write(': heartbeat\n\n'), HEARTBEAT_MS);
  const subscription = events.subscribe({
    next: (event) => response.write(`event: ${name}\ndata: ${JSON.stringify(event)}\n\n`),
    complete: () => response.end(),
  });
  request.raw.on('close', () => {
    clearInterval(heartbeat);
    subscription.unsubscribe();
  });
}
