/**
 * Writes a Brotli (`.br`) and a gzip (`.gz`) copy next to every compressible file in the given
 * folders, at the strongest settings: done once per build, so that the service serves static
 * files compressed (@fastify/static's `preCompressed`) without compressing anything per request.
 *
 *   node scripts/precompress.mts client/storefront/dist dist/products/images
 *
 * Run by `npm run build`. Every compressible file gets both copies, however small (index.html is
 * under 1 KiB): a file without them would be compressed per request instead.
 */
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { extname, join } from 'node:path';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';

const COMPRESSIBLE = new Set([
  '.html',
  '.js',
  '.mjs',
  '.css',
  '.svg',
  '.json',
  '.webmanifest',
  '.map',
  '.txt',
  '.xml',
]);

function* filesIn(dir: string): Generator<string> {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) yield* filesIn(path);
    else if (entry.isFile()) yield path;
  }
}

const folders = process.argv.slice(2);
if (folders.length === 0) {
  process.stderr.write('usage: node scripts/precompress.mts <folder>...\n');
  process.exit(2);
}
for (const folder of folders) {
  if (!statSync(folder, { throwIfNoEntry: false })?.isDirectory()) {
    process.stderr.write(`precompress: no folder ${folder}\n`);
    process.exit(1);
  }
  const total = { files: 0, bytes: 0, br: 0, gz: 0 };
  for (const file of filesIn(folder)) {
    if (!COMPRESSIBLE.has(extname(file))) continue;
    const content = readFileSync(file);
    const br = brotliCompressSync(content, {
      params: {
        [constants.BROTLI_PARAM_QUALITY]: constants.BROTLI_MAX_QUALITY,
        [constants.BROTLI_PARAM_MODE]: constants.BROTLI_MODE_TEXT,
        [constants.BROTLI_PARAM_SIZE_HINT]: content.length,
      },
    });
    const gz = gzipSync(content, { level: constants.Z_BEST_COMPRESSION });
    writeFileSync(`${file}.br`, br);
    writeFileSync(`${file}.gz`, gz);
    total.files++;
    total.bytes += content.length;
    total.br += br.length;
    total.gz += gz.length;
  }
  process.stdout.write(
    `precompressed ${folder}: ${total.files} files, ${total.bytes} B -> br ${total.br} B, ` +
      `gzip ${total.gz} B\n`,
  );
}
