import compress from '@fastify/compress';
import fastifyStatic, { type FastifyStaticOptions } from '@fastify/static';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyReply } from 'fastify';
import { relative, sep } from 'node:path';
import { constants } from 'node:zlib';

/**
 * How the service delivers its bytes: compression, and the cache policy of the files it serves.
 *
 * - API responses are compressed on the fly (Brotli or gzip, per Accept-Encoding) from
 *   COMPRESSION_THRESHOLD_BYTES up; smaller ones (a checkout's 201) go out as they are.
 * - Static files (the storefront; the product pictures, see products/product-images.ts) are
 *   compressed once, at build time (`scripts/precompress.mts` writes `.br` and `.gz` next to
 *   each), and served as they are stored: no CPU per request. A file without a compressed copy (a build that skipped the
 *   step, the pictures when run from `src/`) is compressed on the fly instead.
 * - The live stock stream (text/event-stream) is never compressed: a compressor holds bytes back
 *   until it has enough of them, and events must reach the client as they happen.
 */

/** Smaller responses are sent as they are: compressing them saves less than it costs. */
export const COMPRESSION_THRESHOLD_BYTES = 1024;

/**
 * Media types compressed on the fly: text (but not an event stream), JSON (problem+json too),
 * JavaScript, SVG. Others fall back to mime-db's `compressible` flag (in @fastify/compress),
 * which does not mark text/event-stream either.
 */
const COMPRESSIBLE =
  /^(?:text\/(?!event-stream)|application\/(?:[\w.-]+\+)?json|application\/javascript|image\/svg\+xml)/i;

/**
 * Brotli quality for responses compressed per request (11 is for build time only): on API JSON,
 * 3 costs about what gzip does for fewer bytes, and higher ones cost more than they save
 * (figures in bench/NOTES.md).
 */
const DYNAMIC_BROTLI_QUALITY = 3;

/**
 * Responses up to this size are compressed in one synchronous call, far cheaper than a
 * compression stream for bodies this small (the plugin's default limit is 8 KiB). Every API
 * response is below it.
 */
const SYNC_COMPRESSION_LIMIT_BYTES = 256 * 1024;

/**
 * Adds `Vary: accept-encoding` to an answer that went out uncompressed only because this client
 * did not accept an encoding (@fastify/compress adds it only when it compresses), so that a
 * shared cache does not hand it to every client, nor a compressed answer to this one.
 */
function varyOnAcceptEncoding(reply: FastifyReply, payload: unknown): void {
  if (reply.hasHeader('content-encoding')) return;
  const type = reply.getHeader('content-type');
  if (typeof type !== 'string' || !COMPRESSIBLE.test(type)) return;
  const size =
    typeof payload === 'string' || Buffer.isBuffer(payload) ? Buffer.byteLength(payload) : null;
  // A stream (a file) is compressed whatever its size; a buffered body from the threshold up.
  if (payload == null || (size !== null && size < COMPRESSION_THRESHOLD_BYTES)) return;
  const vary = reply.getHeader('vary');
  const tokens = String(vary ?? '')
    .toLowerCase()
    .split(',')
    .map((token) => token.trim());
  if (tokens.includes('accept-encoding') || tokens.includes('*')) return;
  void reply.header('vary', vary ? `${String(vary)}, accept-encoding` : 'accept-encoding');
}

/**
 * Compresses responses per Accept-Encoding (br, then gzip). Register it before any route, since
 * it hooks into each route as the route is added. Request bodies are not decompressed: the API
 * takes plain JSON, as before.
 */
export async function compressResponses(app: NestFastifyApplication): Promise<void> {
  app
    .getHttpAdapter()
    .getInstance()
    .addHook('onSend', (_request, reply, payload, done) => {
      varyOnAcceptEncoding(reply, payload);
      done(null, payload);
    });
  await app.register(compress, {
    encodings: ['br', 'gzip'],
    threshold: COMPRESSION_THRESHOLD_BYTES,
    customTypes: COMPRESSIBLE,
    syncThreshold: SYNC_COMPRESSION_LIMIT_BYTES,
    brotliOptions: { params: { [constants.BROTLI_PARAM_QUALITY]: DYNAMIC_BROTLI_QUALITY } },
    globalDecompression: false,
  });
}

/** Files that `scripts/precompress.mts` wrote: found through `preCompressed`, never served as such. */
const COMPRESSED_COPIES = ['**/*.br', '**/*.gz'];

/** The file a response was served from, as the client asked for it (without `.br`/`.gz`). */
function servedFile(root: string, path: string): string {
  return relative(root, path)
    .split(sep)
    .join('/')
    .replace(/\.(?:br|gz)$/, '');
}

/** Vite's content-hashed output, e.g. `assets/index-DtVhjtNI.js`: a new build gets new names. */
const HASHED_ASSET =
  /^assets\/(?:.+\/)?[^/]+-[\w-]{8}\.(?:js|mjs|css|map|svg|png|jpe?g|webp|avif|gif|ico|woff2?)$/;

/**
 * The cache policy of a storefront file:
 * - hashed assets never change under their name: a year, immutable;
 * - the HTML pages name the current assets: revalidated on every use (ETag, Last-Modified), so a
 *   new build is seen at once and an unchanged page costs a 304;
 * - anything else (not renamed when it changes): an hour.
 */
export function storefrontCacheControl(file: string): string {
  if (HASHED_ASSET.test(file)) return 'public, max-age=31536000, immutable';
  if (file.endsWith('.html')) return 'no-cache';
  return 'public, max-age=3600';
}

/**
 * Serves the built storefront in `root` at `/`, precompressed. (@fastify/static registered
 * directly: Nest's `useStaticAssets` types predate its `setHeaders(reply)` and `globIgnore`.)
 */
export async function serveStorefrontFiles(
  app: NestFastifyApplication,
  root: string,
): Promise<void> {
  const options: FastifyStaticOptions = {
    root,
    prefix: '/',
    // One route per file present at start-up, instead of one catch-all route: unknown paths
    // stay the API's 404 problem.
    wildcard: false,
    // A list, not a string: with `preCompressed`, @fastify/static 10 finds the index file of `/`
    // only in a list (a string gives 404 to every client that accepts br or gzip).
    index: ['index.html'],
    globIgnore: COMPRESSED_COPIES,
    preCompressed: true,
    // @fastify/static's own header would be `public, max-age=0` for every file.
    cacheControl: false,
    setHeaders: (reply, path) =>
      void reply.header('cache-control', storefrontCacheControl(servedFile(root, path))),
  };
  await app.register(fastifyStatic, options);
}
