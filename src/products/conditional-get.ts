import { applyDecorators, type Type } from '@nestjs/common';
import { ApiOkResponse, ApiResponse } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import type { IncomingHttpHeaders } from 'node:http';
import { COMPRESSION_THRESHOLD_BYTES } from '../app/delivery';
import { acceptsGzip } from './gzip-page';

/**
 * Revalidated reads: the catalogue's answers carry a weak ETag of what they show and
 * `Cache-Control: no-cache`, so a cache (a browser's, a proxy's) may keep them but asks every
 * time; a matching If-None-Match is answered 304 with no body.
 */
const REVALIDATION_HEADERS = {
  ETag: {
    description:
      'A weak tag of what the answer shows (not `serverTime`); send it back in If-None-Match to ' +
      'be answered 304 while it still holds.',
    required: true,
    schema: { type: 'string' },
  },
  'Cache-Control': {
    description: '`no-cache`: a cache may keep the answer but must revalidate it on every use.',
    required: true,
    schema: { type: 'string', enum: ['no-cache'] },
  },
};

/** Documents the 200 (a `type` body) and the 304 of a revalidated read. */
export const ApiRevalidated = (type: Type<unknown>) =>
  applyDecorators(
    ApiOkResponse({ type, headers: REVALIDATION_HEADERS }),
    ApiResponse({
      status: 304,
      description:
        'Not Modified: If-None-Match names the current ETag; no body. (A 304 makes a browser reuse ' +
        'its stored body, `serverTime` included: fetch with `cache: "no-store"` where the clock matters.)',
      headers: REVALIDATION_HEADERS,
    }),
  );

/** Whether If-None-Match names `etag` (weak comparison, RFC 9110 13.1.2), or is `*`. */
export function ifNoneMatchHolds(header: string | undefined, etag: string): boolean {
  if (!header) return false;
  const opaque = (tag: string) => (tag.startsWith('W/') ? tag.slice(2) : tag);
  const wanted = opaque(etag);
  return header.split(',').some((tag) => {
    const trimmed = tag.trim();
    return trimmed === '*' || opaque(trimmed) === wanted;
  });
}

/** A JSON answer, and optionally a way to gzip it cheaper than compressing it whole. */
export interface Answer {
  body: Buffer;
  gzip?: () => Buffer;
}

/**
 * Sends the answer (built only when needed) with its ETag, or 304 when If-None-Match holds. An
 * answer with its own gzip goes out gzipped to a client that takes gzip; any other is left to
 * the general compression (app/delivery.ts).
 */
export function sendRevalidated(
  reply: FastifyReply,
  headers: IncomingHttpHeaders,
  etag: string,
  answer: () => Answer,
): void {
  void reply.header('etag', etag).header('cache-control', 'no-cache');
  if (ifNoneMatchHolds(headers['if-none-match'], etag)) {
    void reply.status(304).send();
    return;
  }
  const { body, gzip } = answer();
  void reply.status(200).type('application/json; charset=utf-8');
  if (
    gzip &&
    body.length >= COMPRESSION_THRESHOLD_BYTES &&
    headers['x-no-compression'] === undefined &&
    acceptsGzip(headers['accept-encoding'])
  ) {
    const vary = reply.getHeader('vary');
    void reply
      .header('content-encoding', 'gzip')
      .header('vary', vary ? `${String(vary)}, accept-encoding` : 'accept-encoding')
      .send(gzip());
    return;
  }
  void reply.send(body);
}
