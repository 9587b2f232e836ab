/**
 * Raw HTTP for hostile input: node:http, so that paths, headers and bodies reach the server byte
 * for byte, unnormalised. Every answer is still checked against openapi/openapi.json.
 */
import fc from 'fast-check';
import { request as httpRequest } from 'node:http';
import { assertConforms } from './contract';

const ANSWER_WITHIN_MS = 5_000;

export interface HostileRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: string;
  /** Sent with Transfer-Encoding: chunked instead of a Content-Length. */
  chunked?: boolean;
}

export interface Reply {
  status: number;
  contentType: string;
  headers: Record<string, string>;
  text: string;
}

let sent = 0;

/** How many requests `send` has sent in this test file. */
export const requestsSent = () => sent;

/** Sends one request as it is; with `headersOnly` the response body is not awaited (SSE). */
export function send(
  baseUrl: string,
  request: HostileRequest,
  headersOnly = false,
): Promise<Reply> {
  sent++;
  const url = new URL(baseUrl);
  const headers = { ...request.headers };
  if (request.body !== undefined) {
    if (request.chunked) headers['transfer-encoding'] = 'chunked';
    else headers['content-length'] = String(Buffer.byteLength(request.body));
  }
  return new Promise<Reply>((resolve, reject) => {
    const outgoing = httpRequest(
      {
        host: url.hostname,
        port: url.port,
        method: request.method,
        path: request.path,
        headers,
        agent: false,
      },
      (response) => {
        const status = response.statusCode ?? 0;
        const contentType = response.headers['content-type'] ?? '';
        const replyHeaders = Object.fromEntries(
          Object.entries(response.headers).map(([name, value]) => [name, String(value)]),
        );
        // Every answer is checked against openapi/openapi.json, as the fetch of the other tests.
        const conforms = (text?: string) =>
          assertConforms({
            method: request.method,
            url: request.path,
            status,
            headers: replyHeaders,
            text,
          });
        if (headersOnly) {
          response.destroy();
          conforms().then(
            () => resolve({ status, contentType, headers: replyHeaders, text: '' }),
            reject,
          );
          return;
        }
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          conforms(text).then(
            () => resolve({ status, contentType, headers: replyHeaders, text }),
            reject,
          );
        });
        response.on('error', reject);
      },
    );
    // A request the server leaves unanswered is a failure of its own, not a test timeout.
    outgoing.setTimeout(ANSWER_WITHIN_MS, () =>
      outgoing.destroy(new Error(`no answer within ${ANSWER_WITHIN_MS} ms`)),
    );
    outgoing.on('error', reject);
    outgoing.end(request.body);
  });
}

const preview = (text: string, max = 240) =>
  JSON.stringify(text.length > max ? `${text.slice(0, max)}…(${text.length} chars)` : text);

export function describeRequest(request: HostileRequest): string {
  const body = request.body === undefined ? '' : ` body=${preview(request.body)}`;
  return `${request.method} ${preview(request.path, 300)} headers=${preview(
    JSON.stringify(request.headers),
    300,
  )}${request.chunked ? ' (chunked)' : ''}${body}`;
}

/** A request whose fast-check report stays readable even when the body is 100 kB. */
export function hostile(request: HostileRequest): HostileRequest {
  return Object.defineProperty(request, fc.toStringMethod, {
    value: () => describeRequest(request),
    enumerable: false,
  });
}

/** 'refused' for a 4xx problem document, else what was wrong with the answer. */
export function verdict(request: HostileRequest, reply: Reply): string {
  let problem: { code?: unknown; status?: unknown } | undefined;
  try {
    problem = JSON.parse(reply.text) as typeof problem;
  } catch {
    problem = undefined;
  }
  const refused =
    reply.status >= 400 &&
    reply.status < 500 &&
    /^application\/problem\+json/.test(reply.contentType) &&
    typeof problem?.code === 'string' &&
    problem.status === reply.status;
  if (refused) return 'refused';
  return `${describeRequest(request)} -> ${reply.status} ${reply.contentType} ${preview(reply.text)}`;
}

/** The value as JSON text, or as a string when JSON cannot say it. */
export function serialise(value: unknown): string {
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

/** A request with a JSON content type and `body` serialised. */
export const jsonRequest = (
  method: string,
  path: string,
  body: unknown,
  headers: Record<string, string> = {},
): HostileRequest =>
  hostile({
    method,
    path,
    headers: { 'content-type': 'application/json', ...headers },
    body: serialise(body),
  });
