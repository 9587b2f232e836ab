import type { FastifyReply } from 'fastify';
import { PassThrough } from 'node:stream';
import type { Observable } from 'rxjs';

const HEARTBEAT_MS = 15_000;
/** EventSource's reconnection delay, spread per connection so that clients do not return in step. */
const RETRY_MIN_MS = 1000;
const RETRY_SPREAD_MS = 2000;
/** A client this far behind (distinct pending events) is disconnected; it will reconnect. */
const MAX_PENDING = 10_000;

export interface ServerSentEvent {
  /** The event's name (`event:` line). */
  event: string;
  /** Sent as JSON on the `data:` line. */
  data: unknown;
  /**
   * Events with the same key supersede each other while the client is not keeping up: only the
   * latest is sent once it catches up (e.g. one product's stock count).
   */
  key?: string;
}

/**
 * Streams `events` to the client as Server-Sent Events until the client goes away or the
 * stream completes, with a comment line at connect and as a heartbeat.
 *
 * The stream is sent through Fastify (`reply.send`) rather than written to the raw socket, so the
 * reply keeps every header the hooks set on it: CORS, the security headers, `x-request-id`.
 * Writes respect backpressure: while the socket's buffer is full, events wait, and a newer event
 * with the same key replaces an older one instead of piling up.
 */
export function streamServerSentEvents(
  reply: FastifyReply,
  events: Observable<ServerSentEvent>,
): void {
  const stream = new PassThrough();
  const pending = new Map<string, string>();
  let blocked = false;
  let unkeyed = 0;

  const write = (frame: string, key?: string) => {
    if (stream.destroyed || stream.writableEnded) return;
    if (blocked) {
      const slot = key ?? `#${unkeyed++}`;
      pending.delete(slot); // re-inserted last, so the order of events is kept
      pending.set(slot, frame);
      if (pending.size > MAX_PENDING) stream.destroy();
      return;
    }
    blocked = !stream.write(frame);
  };
  stream.on('drain', () => {
    blocked = false;
    const frames = [...pending.values()];
    pending.clear();
    for (const frame of frames) write(frame);
  });

  const retryMs = RETRY_MIN_MS + Math.floor(Math.random() * RETRY_SPREAD_MS);
  write(`retry: ${retryMs}\n: ok\n\n`);
  const heartbeat = setInterval(() => {
    if (!blocked) write(': heartbeat\n\n');
  }, HEARTBEAT_MS);
  const subscription = events.subscribe({
    next: ({ event, data, key }) =>
      write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`, key),
    complete: () => stream.end(),
    error: () => stream.end(),
  });
  const stop = () => {
    clearInterval(heartbeat);
    subscription.unsubscribe();
  };
  reply.raw.once('close', () => {
    stop();
    stream.destroy();
  });
  stream.once('close', stop);

  void reply
    .status(200)
    .header('content-type', 'text/event-stream; charset=utf-8')
    .header('cache-control', 'no-cache, no-transform')
    // nginx: pass events through as they come instead of buffering the response.
    .header('x-accel-buffering', 'no')
    // The connection is the stream's alone: when the stream ends (the server is shutting down)
    // it closes, instead of lingering as an idle keep-alive connection that holds up the close.
    .header('connection', 'close')
    .send(stream);
}
