import { randomBytes } from 'node:crypto';
import { gunzipSync } from 'node:zlib';
import { acceptsGzip, deflateParts, gzipOf } from '../../src/products/gzip-page';
import { ifNoneMatchHolds } from '../../src/products/conditional-get';

describe('a gzip answer built from parts compressed once', () => {
  it.each([
    ['a catalogue page', '{"items":[{"id":"a","name":"Mug"}],"serverTime":"', '","total":1}'],
    ['empty parts', '', ''],
    [
      'incompressible parts',
      randomBytes(5000).toString('base64'),
      randomBytes(70_000).toString('hex'),
    ],
  ])('inflates to the whole body: %s', (_name, head, tail) => {
    const parts = deflateParts(Buffer.from(head), Buffer.from(tail));
    for (const clock of ['2026-12-12T00:00:00.000Z', '2031-01-02T03:04:05.678Z']) {
      const middle = Buffer.from(clock);
      const whole = Buffer.from(head + clock + tail);
      expect(gunzipSync(gzipOf(parts, middle, whole)).equals(whole)).toBe(true);
    }
  });

  it.each([
    [undefined, false],
    ['', false],
    ['gzip', true],
    ['br', false],
    ['br, gzip', true],
    ['gzip, deflate, br, zstd', true],
    ['gzip;q=0, br', false],
    ['GZIP ; q=0.5', true],
    ['*', true],
    ['gzip;q=0, *', false],
    ['identity', false],
    ['x-gzip', true],
  ])('Accept-Encoding %j takes gzip: %s', (header, expected) => {
    expect(acceptsGzip(header)).toBe(expected);
  });
});

describe('If-None-Match', () => {
  it.each([
    [undefined, false],
    ['W/"abc"', true],
    ['"abc"', true],
    ['W/"x", W/"abc"', true],
    ['*', true],
    ['W/"abcd"', false],
  ])('%j names W/"abc": %s', (header, expected) => {
    expect(ifNoneMatchHolds(header, 'W/"abc"')).toBe(expected);
  });
});
