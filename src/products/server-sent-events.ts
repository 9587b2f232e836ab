import type { FastifyReply } from 'fastify';
import type { Socket } from 'node:net';

/** EventSource's reconnection delay, spread per connection so that clients do not return in step. */
const RETRY_MIN_MS = 1000;
const RETRY_SPREAD_MS = 2000;
/** TCP keepalive probes on an idle stream, so a peer that vanished without a word is noticed. */
const KEEPALIVE_MS = 30_000;

/** One Server-Sent Event: an `event:` line and its data as one line of JSON. */
export function serverSentEvent(event: string, data: unknown): string {
  return `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
}

/** The head of a stream's answer, and its first frame (`retry:` with per-connection jitter). */
function head(reply: FastifyReply): string {
  const headers: Record<string, unknown> = {
    ...reply.getHeaders(),
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache, no-transform',
    // nginx: pass events through as they come instead of buffering the response.
    'x-accel-buffering': 'no',
    // The body runs until the connection closes: it is the stream's alone, and ending the stream
    // (the server shutting down) closes it instead of leaving an idle keep-alive connection.
    connection: 'close',
  };
  delete headers['content-length'];
  delete headers['transfer-encoding'];
  const lines = Object.entries(headers).flatMap(([name, value]) =>
    value === undefined
      ? []
      : (Array.isArray(value) ? value : [value]).map((v) => `${name}: ${String(v)}`),
  );
  return `HTTP/1.1 200 OK\r\n${lines.join('\r\n')}\r\n\r\n`;
}

/**
 * Takes the connection over from Fastify and opens an event stream on it: the answer's head, then
 * `retry:` and a comment, then `first` (e.g. `stale` when the feed is down). Returns the socket
 * to write frames to, or undefined when there is none (a HEAD request, or the client is gone).
 *
 * Frames are written to the raw socket, once encoded for every subscriber, instead of through
 * a stream per subscriber that Fastify pipes; the head keeps every header the hooks set on the
 * reply (CORS, the security headers, `x-request-id`), read from `reply.getHeaders()`. The body
 * is delimited by the connection's close, so nothing wraps each frame in chunked encoding.
 */
export function openEventStream(reply: FastifyReply, first = ''): Socket | undefined {
  const socket = reply.raw.socket;
  reply.hijack();
  if (!socket || socket.destroyed) return undefined;
  const retryMs = RETRY_MIN_MS + Math.floor(Math.random() * RETRY_SPREAD_MS);
  if (reply.request.method === 'HEAD') {
    socket.end(head(reply));
    return undefined;
  }
  socket.setKeepAlive(true, KEEPALIVE_MS);
  socket.setNoDelay(true);
  socket.write(`${head(reply)}retry: ${retryMs}\n: ok\n\n${first}`);
  return socket;
}
