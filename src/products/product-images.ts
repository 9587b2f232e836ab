import fastifyStatic from '@fastify/static';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { join } from 'node:path';

/** Where the product pictures are: `src/products/images`, copied to `dist/products/images`. */
export const PRODUCT_IMAGES_DIR = join(__dirname, 'images');
/** The URL path the pictures are served under; a product's `imageUrl` starts with it. */
export const PRODUCT_IMAGES_PREFIX = '/images/products/';

/**
 * Served with the pictures in case one is opened on its own, as a document: an SVG may carry
 * scripts and links (ours do not), and here nothing but its own inline styles may run or load.
 */
export const SVG_CONTENT_SECURITY_POLICY = "default-src 'none'; style-src 'unsafe-inline'";

/**
 * Serves the product pictures at /images/products/<file>.svg, whether or not the storefront was
 * built: a day in caches, then revalidated by ETag (a picture may be redrawn under its name).
 */
export async function serveProductImages(app: NestFastifyApplication): Promise<void> {
  await app.register(fastifyStatic, {
    root: PRODUCT_IMAGES_DIR,
    prefix: PRODUCT_IMAGES_PREFIX,
    wildcard: false,
    index: false,
    // The storefront's registration decorates the reply with sendFile already.
    decorateReply: false,
    // The `.br` and `.gz` copies that scripts/precompress.mts writes: found through
    // `preCompressed`, never served as such.
    globIgnore: ['**/*.br', '**/*.gz'],
    preCompressed: true,
    cacheControl: false,
    setHeaders: (reply) =>
      void reply
        .header('cache-control', 'public, max-age=86400')
        .header('content-security-policy', SVG_CONTENT_SECURITY_POLICY),
  });
}
