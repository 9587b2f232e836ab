import { connect, type Socket } from 'node:net';

/**
 * A minimal HTTP/1.1 keep-alive client: one socket, one request in flight at a time, as a
 * shopper's browser would hold it. The load generator shares two cores with the service and
 * PostgreSQL, so it must cost as little CPU as possible: requests are written as preformatted
 * strings and responses are parsed only as far as the status line, `content-length` and
 * `transfer-encoding: chunked`. Bodies are kept as raw buffers and decoded only when the caller
 * asks (a 409 is read to learn its code; a 201 is only counted). See bench/NOTES.md for how it
 * compares with `node:http` and `fetch` on this machine.
 */
export interface HttpResponse {
  status: number;
  body: Buffer;
}

export class HttpTimeoutError extends Error {}

const CRLF2 = Buffer.from('\r\n\r\n');

interface Pending {
  resolve: (response: HttpResponse) => void;
  reject: (error: Error) => void;
}

export class HttpConnection {
  private socket?: Socket;
  private pending?: Pending;
  private buffer: Buffer = Buffer.alloc(0);
  private readonly host: string;
  private readonly port: number;
  private readonly timeoutMs: number;

  constructor(url: string, timeoutMs = 30_000) {
    const parsed = new URL(url);
    this.host = parsed.hostname;
    this.port = Number(parsed.port);
    this.timeoutMs = timeoutMs;
  }

  /**
   * Sends one request and resolves with the response; rejects on a socket error or timeout.
   * `headers` are extra header lines, each ending in CRLF.
   */
  request(method: string, path: string, body?: string, headers = ''): Promise<HttpResponse> {
    if (this.pending) throw new Error('HttpConnection: one request at a time');
    const socket = this.socket ?? this.open();
    const head =
      body === undefined
        ? `${method} ${path} HTTP/1.1\r\nHost: ${this.host}\r\n${headers}\r\n`
        : `${method} ${path} HTTP/1.1\r\nHost: ${this.host}\r\n${headers}` +
          `Content-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;
    return new Promise((resolve, reject) => {
      this.pending = { resolve, reject };
      socket.write(head);
    });
  }

  close(): void {
    this.socket?.destroy();
    this.socket = undefined;
  }

  private open(): Socket {
    const socket = connect({ host: this.host, port: this.port, noDelay: true });
    socket.setTimeout(this.timeoutMs);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('timeout', () => this.fail(socket, new HttpTimeoutError('request timed out')));
    socket.on('error', (error) => this.fail(socket, error));
    socket.on('close', () => this.fail(socket, new Error('connection closed by the server')));
    this.socket = socket;
    this.buffer = Buffer.alloc(0);
    return socket;
  }

  private fail(socket: Socket, error: Error): void {
    if (this.socket !== socket) return;
    socket.destroy();
    this.socket = undefined;
    const pending = this.pending;
    this.pending = undefined;
    pending?.reject(error);
  }

  private onData(chunk: Buffer): void {
    this.buffer = this.buffer.length === 0 ? chunk : Buffer.concat([this.buffer, chunk]);
    const headEnd = this.buffer.indexOf(CRLF2);
    if (headEnd < 0) return;
    const head = this.buffer.toString('latin1', 0, headEnd);
    const status = Number(head.slice(9, 12));
    const lower = head.toLowerCase();
    const bodyStart = headEnd + 4;
    let body: Buffer;
    let consumed: number;
    const lengthAt = lower.indexOf('\r\ncontent-length:');
    if (lengthAt >= 0) {
      const length = parseInt(lower.slice(lengthAt + 17, lower.indexOf('\r\n', lengthAt + 2)), 10);
      if (this.buffer.length < bodyStart + length) return;
      body = this.buffer.subarray(bodyStart, bodyStart + length);
      consumed = bodyStart + length;
    } else if (lower.includes('\r\ntransfer-encoding: chunked')) {
      const decoded = decodeChunked(this.buffer, bodyStart);
      if (!decoded) return;
      [body, consumed] = decoded;
    } else {
      body = Buffer.alloc(0);
      consumed = bodyStart;
    }
    this.buffer = this.buffer.subarray(consumed);
    const pending = this.pending;
    this.pending = undefined;
    if (lower.includes('\r\nconnection: close')) this.close();
    pending?.resolve({ status, body });
  }
}

/** Decodes a complete chunked body starting at `start`, or returns undefined if incomplete. */
function decodeChunked(buffer: Buffer, start: number): [Buffer, number] | undefined {
  const parts: Buffer[] = [];
  let at = start;
  for (;;) {
    const lineEnd = buffer.indexOf('\r\n', at);
    if (lineEnd < 0) return undefined;
    const size = parseInt(buffer.toString('latin1', at, lineEnd), 16);
    const dataStart = lineEnd + 2;
    if (size === 0) {
      // No trailers are expected; the final CRLF ends the body.
      if (buffer.length < dataStart + 2) return undefined;
      return [Buffer.concat(parts), dataStart + 2];
    }
    if (buffer.length < dataStart + size + 2) return undefined;
    parts.push(buffer.subarray(dataStart, dataStart + size));
    at = dataStart + size + 2;
  }
}
