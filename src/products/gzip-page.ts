import { constants, crc32, deflateRawSync } from 'node:zlib';

/**
 * A gzip answer assembled from parts compressed once. A catalogue page is the same bytes but
 * for `serverTime`, so compressing it per request would cost the herd most of what the snapshot
 * saves. Deflate allows it to be built in pieces (RFC 1951): the part before the clock compressed
 * and flushed to a byte boundary, the clock as a stored block, the part after compressed on its
 * own (it refers to nothing before it) as the final block; then the gzip trailer (RFC 1952) for
 * the whole, whose CRC-32 is computed per request over the few kilobytes of the page.
 */
export interface DeflatedParts {
  /** Non-final blocks ending on a byte boundary (a sync flush). */
  head: Buffer;
  /** The final block(s). */
  tail: Buffer;
}

const GZIP_HEADER = Buffer.from([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff]);

export function deflateParts(head: Buffer, tail: Buffer): DeflatedParts {
  return {
    head: deflateRawSync(head, { finishFlush: constants.Z_SYNC_FLUSH }),
    tail: deflateRawSync(tail),
  };
}

/** A non-final stored block: up to 65,535 bytes taken as they are. */
function storedBlock(data: Buffer): Buffer {
  const header = Buffer.alloc(5);
  header.writeUInt16LE(data.length, 1);
  header.writeUInt16LE(~data.length & 0xffff, 3);
  return Buffer.concat([header, data]);
}

/** The gzip of `head + middle + tail`, given `parts` (of head and tail) and the whole body. */
export function gzipOf(parts: DeflatedParts, middle: Buffer, whole: Buffer): Buffer {
  const trailer = Buffer.alloc(8);
  trailer.writeUInt32LE(crc32(whole), 0);
  trailer.writeUInt32LE(whole.length % 2 ** 32, 4);
  return Buffer.concat([GZIP_HEADER, parts.head, storedBlock(middle), parts.tail, trailer]);
}

/**
 * Whether the client takes gzip (RFC 9110 12.5.3): `gzip`, `x-gzip` or `*` with a non-zero q.
 * A client that takes only br (or nothing) is left to the general compression.
 */
export function acceptsGzip(header: string | undefined): boolean {
  if (!header) return false;
  const weights = new Map<string, number>();
  for (const entry of header.split(',')) {
    const [coding, ...params] = entry.trim().toLowerCase().split(';');
    const q = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
    weights.set(coding.trim(), q === undefined ? 1 : Number(q.slice(2)) || 0);
  }
  // A coding named outright decides; `*` stands for the ones not named.
  const weight = weights.get('gzip') ?? weights.get('x-gzip') ?? weights.get('*') ?? 0;
  return weight > 0;
}
