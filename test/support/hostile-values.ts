/**
 * Generators of hostile requests for the property tests of test/e2e/input/hostile.spec.ts: hostile
 * values, mutated and junk bodies, path segments, query strings and headers, and the attack
 * classes that have a property of their own. What could be valid is decided by the document
 * (`BodyRules.accepts`) and the stored data (`BodyRules.stored`), never by rules copied from DTOs.
 */
import fc from 'fast-check';
import { ADMIN_TOKEN } from './app';
import type { Contract } from './contract';
import { hostile, type HostileRequest, serialise } from './raw-http';

/** The server's body limit; bodies just over it must be refused. */
export const BODY_LIMIT = 100 * 1024;

// What could be valid: what openapi/openapi.json accepts (judged by Ajv), and what only the
// stored data decides. Anything these reject must be refused by the server.

type Schema = Record<string, any>;

export interface BodyRules {
  /** The body's schema in the document. */
  schema: () => Schema;
  /** Whether the document accepts a value (Ajv on `schema`). */
  accepts: (value: unknown) => boolean;
  /** What the document cannot know: that ids name stored rows, versions are current. */
  stored?: (body: Record<string, any>) => boolean;
}

const fieldsOf = (rules: BodyRules) => Object.keys(rules.schema().properties ?? {});
const requiredOf = (rules: BodyRules) => (rules.schema().required ?? []) as string[];

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** Strings PostgreSQL cannot store as sent: a NUL, or a lone surrogate (stored as U+FFFD). */
const unstorable = (value: unknown) =>
  typeof value === 'string' && (value.includes('\u0000') || LONE_SURROGATE.test(value));

function couldBeValid(rules: BodyRules, value: unknown): boolean {
  return rules.accepts(value) && (rules.stored?.(value as Record<string, unknown>) ?? true);
}

/** The value as the server parses it: what JSON.stringify sends, read back. */
function roundTrip(value: unknown): { ok: true; value: unknown } | { ok: false } {
  const text = serialise(value);
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch {
    return { ok: false };
  }
}

export const isMalformed = (text: string) => {
  try {
    JSON.parse(text);
    return false;
  } catch {
    return true;
  }
};

/** JSON text that is malformed, or well-formed but not a valid body. */
function textMustBeRefused(rules: BodyRules, text: string): boolean {
  try {
    return !couldBeValid(rules, JSON.parse(text));
  } catch {
    return true;
  }
}

export const withOwnKey = (body: Record<string, unknown>, key: string, value: unknown) =>
  Object.defineProperty({ ...body }, key, {
    value,
    enumerable: true,
    writable: true,
    configurable: true,
  });

const without = (body: Record<string, unknown>, key: string) => {
  const copy = { ...body };
  delete copy[key];
  return copy;
};

// ---------------------------------------------------------------------------------------------
// Hostile values

const HOSTILE_VALUES: unknown[] = [
  -1,
  0,
  -0,
  0.5,
  1.5,
  -2.5,
  1e-7,
  1e308,
  -1e308,
  2 ** 31,
  2 ** 31 - 1,
  -(2 ** 31) - 1,
  2 ** 53 + 1,
  Number.MAX_SAFE_INTEGER,
  Number.MAX_VALUE,
  Number.MIN_VALUE,
  NaN,
  Infinity,
  -Infinity,
  1001,
  1_000_001,
  100_000_001,
  'NaN',
  'Infinity',
  '-Infinity',
  '1',
  '0',
  '-1',
  '1e3',
  '0x10',
  '1.0',
  ' 1',
  '',
  ' ',
  'null',
  'true',
  'undefined',
  '[]',
  '{}',
  true,
  false,
  null,
  [],
  [1],
  ['1'],
  [null],
  [[[]]],
  {},
  { $gt: 0 },
  { $ne: null },
  { value: 1 },
  { toString: 'x', valueOf: 1 },
  'a'.repeat(10_000),
  'a'.repeat(201),
  'a'.repeat(2001),
  'a'.repeat(65),
  '😀'.repeat(201),
  '😀',
  '👨‍👩‍👧‍👦',
  '\u202Eevil\u202C',
  'مرحبا بالعالم',
  '\u200B',
  '\uFEFF',
  '\u0000',
  'a\u0000b',
  '\ud800',
  'x\udfffy',
  '\ud83d',
  "' OR 1=1 --",
  "'; DROP TABLE products; --",
  '1; DROP TABLE products',
  '" OR ""="',
  '\\',
  '<script>alert(1)</script>',
  '${7*7}',
  '{{7*7}}',
  '../../etc/passwd',
  '%00',
  '\r\nX-Injected: 1',
  'USD ',
  'US',
  'USDX',
  '00000000-0000-0000-0000-000000000000',
  'f47ac10b-58cc-4372-a567-0e02b2c3d47',
  'f47ac10b-58cc-4372-a567-0e02b2c3d479x',
  '{f47ac10b-58cc-4372-a567-0e02b2c3d479}',
  JSON.parse('{"__proto__":{"isAdmin":true}}'),
  JSON.parse('{"constructor":{"prototype":{"isAdmin":true}}}'),
];

export const hostileValue: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom(...HOSTILE_VALUES) },
  fc.integer(),
  fc.integer({ min: -5, max: 1_000_100 }),
  fc.double(),
  fc.integer().map(String),
  fc.boolean(),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.string({ unit: 'grapheme', maxLength: 40 }),
  fc.integer({ min: 1, max: 300 }).map((n) => 'x'.repeat(n * 10)),
  fc.jsonValue({ maxDepth: 3 }),
  fc.anything({ maxDepth: 2 }),
);

const UNKNOWN_KEYS = [
  '__proto__',
  'constructor',
  'prototype',
  '$where',
  'isAdmin',
  'id',
  'version',
  'createdAt',
  'status',
  'price',
  'Stock',
  'stock ',
  '',
  ' ',
  "'; DROP TABLE products; --",
];

const unknownKey = (rules: BodyRules) =>
  fc
    .oneof(fc.constantFrom(...UNKNOWN_KEYS), fc.string({ maxLength: 20 }))
    .filter((key) => !fieldsOf(rules).includes(key));

/** Bodies made from a valid one by changing one or two fields, leaving one out or adding one. */
export function mutatedBody(
  template: Record<string, unknown>,
  rules: BodyRules,
  fieldValue: (field: string) => fc.Arbitrary<unknown> = () => hostileValue,
): fc.Arbitrary<unknown> {
  const fields = fieldsOf(rules);
  const requiredFields = requiredOf(rules);
  const replaced = fc
    .constantFrom(...fields)
    .chain((field) => fieldValue(field).map((value) => withOwnKey(template, field, value)));
  const mutations = [
    { weight: 5, arbitrary: replaced },
    {
      weight: 2,
      arbitrary: fc
        .tuple(replaced, fc.constantFrom(...fields))
        .chain(([body, field]) =>
          fieldValue(field).map((value) =>
            withOwnKey(body as Record<string, unknown>, field, value),
          ),
        ),
    },
    {
      weight: 2,
      arbitrary: fc
        .tuple(unknownKey(rules), fc.jsonValue({ maxDepth: 2 }))
        .map(([key, value]) => withOwnKey(template, key, value)),
    },
  ];
  if (requiredFields.length > 0) {
    mutations.push({
      weight: 1,
      arbitrary: fc.constantFrom(...requiredFields).map((field) => without(template, field)),
    });
  }
  return fc.oneof(...mutations).filter((body) => {
    const parsed = roundTrip(body);
    return !parsed.ok || !couldBeValid(rules, parsed.value);
  });
}

const JSON_TYPES = ['application/json', 'application/json; charset=utf-8', 'Application/JSON'];
/** Content types whose bodies are never turned into a request DTO. */
export const UNSUPPORTED_TYPES = [
  'application/xml',
  'text/html',
  'application/octet-stream',
  'multipart/form-data; boundary=x',
  'application/vnd.api+json',
  'application/jsonx',
  'json',
  'image/png',
];
/** Content types the server parses, but never into a valid DTO (their values are strings). */
const STRING_TYPES = [
  'text/plain',
  'text/plain; charset=utf-8',
  'application/x-www-form-urlencoded',
];

export const deepArray = (depth: number) => '['.repeat(depth) + ']'.repeat(depth);
export const deepObject = (depth: number) => '{"a":'.repeat(depth) + '1' + '}'.repeat(depth);

/** Malformed JSON, and well-formed JSON at the edge of what parsers accept. */
export const rawJsonText = (template: Record<string, unknown>, rules: BodyRules) => {
  const valid = JSON.stringify(template);
  const inner = valid.slice(0, -1);
  return fc
    .oneof(
      // Malformed: truncated, or with junk spliced in.
      fc.integer({ min: 0, max: valid.length - 1 }).map((cut) => valid.slice(0, cut)),
      fc
        .tuple(
          fc.integer({ min: 0, max: valid.length }),
          fc.oneof(
            fc.constantFrom('{', '}', '[', ']', ',', ':', '"', "'", '\\', 'NaN', '//', '/*'),
            fc.string({ unit: 'binary', minLength: 1, maxLength: 4 }),
          ),
        )
        .map(([at, junk]) => valid.slice(0, at) + junk + valid.slice(at)),
      fc.constantFrom(
        `${inner},}`,
        `${inner}}}`,
        `${valid}${valid}`,
        `${valid}x`,
        valid.replaceAll('"', "'"),
        `${inner},"${fieldsOf(rules)[0]}":NaN}`,
        `${inner},"${fieldsOf(rules)[0]}":-}`,
        `${inner},"${fieldsOf(rules)[0]}":01}`,
        `${inner},"${fieldsOf(rules)[0]}":1e400}`,
        `${inner},"${fieldsOf(rules)[0]}":0x10}`,
        `${inner},"__proto__":{"isAdmin":true}}`,
        `${inner},"constructor":{"prototype":{"isAdmin":true}}}`,
        '',
        ' ',
        'null',
        'undefined',
        '\u0000',
        '\ufeff',
        '{"a":"\\ud800"}',
        '"\\u0000"',
      ),
      // A duplicate key whose last (winning) value is hostile.
      fc
        .tuple(fc.constantFrom(...fieldsOf(rules)), hostileValue)
        .map(([key, value]) => `${inner},${JSON.stringify(key)}:${serialise(value)}}`),
      // Random text.
      fc.string({ unit: 'binary', maxLength: 200 }),
    )
    .filter((text) => textMustBeRefused(rules, text));
};

export const freshKey = fc.uuid().map((uuid) => `hostile-${uuid}`);

/**
 * Whole bodies of junk for a route that takes `rules`: random JSON, random values, raw text,
 * malformed and deep JSON, bodies just over the limit and the valid body under a wrong type.
 * `keyHeader` adds a valid, fresh Idempotency-Key to bodies the server cannot even parse.
 */
export function junkBody(
  method: string,
  path: fc.Arbitrary<string>,
  template: Record<string, unknown>,
  rules: BodyRules,
  baseHeaders: Record<string, string> = {},
  keyHeader = false,
): fc.Arbitrary<HostileRequest> {
  const valid = JSON.stringify(template);
  const unparsable = (
    body: fc.Arbitrary<{ body: string; type?: string; chunked?: boolean; parsed?: boolean }>,
  ) =>
    fc
      .tuple(path, body, keyHeader ? fc.option(freshKey) : fc.constant(null))
      .map(([p, { body: text, type, chunked, parsed }, key]) =>
        hostile({
          method,
          path: p,
          headers: {
            ...baseHeaders,
            ...(type === undefined ? {} : { 'content-type': type }),
            // Only where the server cannot read the body, so no handler could claim the key.
            ...(key === null || parsed ? {} : { 'idempotency-key': key }),
          },
          body: text,
          chunked,
        }),
      );
  const jsonValue = fc
    .oneof(fc.jsonValue(), fc.anything(), hostileValue, fc.constant([template, template]))
    .filter((value) => {
      const parsed = roundTrip(value);
      return !parsed.ok || !couldBeValid(rules, parsed.value);
    });
  const parsed = fc.tuple(path, jsonValue, fc.constantFrom(...JSON_TYPES)).map(([p, value, type]) =>
    hostile({
      method,
      path: p,
      headers: { ...baseHeaders, 'content-type': type },
      body: serialise(value),
    }),
  );
  const wrongType = fc
    .tuple(path, fc.constantFrom(...STRING_TYPES))
    .map(([p, type]) =>
      hostile({ method, path: p, headers: { ...baseHeaders, 'content-type': type }, body: valid }),
    );
  const formEncoded = path.map((p) =>
    hostile({
      method,
      path: p,
      headers: { ...baseHeaders, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(
        Object.entries(template).map(([key, value]) => [key, serialise(value)]),
      ).toString(),
    }),
  );
  return fc.oneof(
    { weight: 3, arbitrary: parsed },
    { weight: 1, arbitrary: wrongType },
    { weight: 1, arbitrary: formEncoded },
    {
      weight: 3,
      arbitrary: unparsable(
        fc
          .tuple(rawJsonText(template, rules), fc.constantFrom(...JSON_TYPES))
          .map(([body, type]) => ({ body, type, parsed: !isMalformed(body) })),
      ),
    },
    // Unsupported or missing content type (the valid body, as JSON text).
    {
      weight: 1,
      arbitrary: unparsable(
        fc.option(fc.constantFrom(...UNSUPPORTED_TYPES)).map((type) => ({
          body: valid,
          type: type ?? undefined,
        })),
      ),
    },
    // Just over 100 kB: valid JSON with a long unknown field, with or without Content-Length.
    {
      weight: 1,
      arbitrary: unparsable(
        fc.tuple(fc.integer({ min: 1, max: 4096 }), fc.boolean()).map(([over, chunked]) => {
          const skeleton = JSON.stringify({ ...template, padding: '' });
          const padding = 'x'.repeat(BODY_LIMIT + over - skeleton.length);
          return {
            body: JSON.stringify({ ...template, padding }),
            type: 'application/json',
            chunked,
          };
        }),
      ),
    },
  );
}

// Path segments and query strings -------------------------------------------------------------

const UNRESERVED = /^[A-Za-z0-9\-._~]$/;
export const percentEncode = (bytes: Iterable<number>) =>
  Array.from(bytes, (byte) => {
    const char = String.fromCharCode(byte);
    return UNRESERVED.test(char) ? char : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }).join('');
const encodeText = (text: string) => percentEncode(Buffer.from(text, 'utf8'));
const safeDecode = (segment: string) => {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
};

const PATH_SEGMENTS = [
  'not-a-uuid',
  '..%2f..%2fetc%2fpasswd',
  '%2e%2e',
  '..',
  '.',
  '%00',
  '%',
  '%ZZ',
  '%C0%AF',
  '%ED%A0%80',
  '%F0%9F%98%80',
  'null',
  'undefined',
  '0',
  '-1',
  '1e308',
  'true',
  '%5B%5D',
  '%7B%7D',
  '__proto__',
  'constructor',
  "'%20OR%201%3D1%20--",
  '%27%3B%20DROP%20TABLE%20products%3B%20--',
  '00000000-0000-0000-0000-000000000000',
  'f47ac10b-58cc-4372-a567-0e02b2c3d479x',
  'f47ac10b-58cc-4372-a567-0e02b2c3d47',
  'f47ac10b58cc4372a5670e02b2c3d479',
  '%7Bf47ac10b-58cc-4372-a567-0e02b2c3d479%7D',
  'f47ac10b-58cc-4372-a567-0e02b2c3d479%00',
  'f47ac10b-58cc-4372-a567-0e02b2c3d479%20',
  'events',
];

/** Hostile path segments; none names a seeded row (`real` holds their lower-case ids). */
export const hostileSegment = (real: Set<string>) =>
  fc
    .oneof(
      { weight: 4, arbitrary: fc.constantFrom(...PATH_SEGMENTS) },
      { weight: 2, arbitrary: fc.uuid() },
      fc.uuid().map((uuid) => uuid.toUpperCase()),
      fc.string({ unit: 'binary', minLength: 1, maxLength: 40 }).map(encodeText),
      fc.uint8Array({ minLength: 1, maxLength: 24 }).map(percentEncode),
      fc.string({ unit: fc.constantFrom(...'abcdef0123456789-xyzXYZ._~'), minLength: 1 }),
      fc.integer({ min: 37, max: 6_000 }).map((n) => 'a'.repeat(n)),
    )
    .filter((segment) => !real.has(safeDecode(segment).toLowerCase()));

const QUERY_KEYS = [
  'limit',
  'offset',
  'limit[]',
  'offset[0]',
  'limit[a]',
  '__proto__',
  '__proto__[x]',
  'constructor[prototype][x]',
  'Limit',
  'limit ',
  'sort',
  'where',
];
const QUERY_VALUES = [
  '-1',
  '0',
  '101',
  '1e9',
  'abc',
  '',
  'NaN',
  'Infinity',
  '1.5',
  '-0.5',
  '%00',
  '%ZZ',
  '9999999999999999999999',
  "' OR 1=1 --",
  "'; DROP TABLE products; --",
  'true',
  'null',
  '[]',
  '{}',
  'a'.repeat(5_000),
];

/** Query strings; `mustBeRefused` tells those the list route must refuse. */
export const queryString = fc.array(
  fc.tuple(
    fc.oneof(fc.constantFrom(...QUERY_KEYS), fc.string({ maxLength: 10 })),
    fc.oneof(
      fc.constantFrom(...QUERY_VALUES),
      fc.string({ unit: 'binary', maxLength: 20 }),
      fc.integer().map(String),
      fc.double().map(String),
    ),
    fc.boolean(),
  ),
  { minLength: 1, maxLength: 4 },
);

export const renderQuery = (pairs: [string, string, boolean][]) =>
  pairs
    .map(([key, value, raw]) =>
      raw && /^[\x21-\x7e]*$/.test(key + value)
        ? `${key.replace(/[#&=?]/g, encodeText)}=${value.replace(/[#&?]/g, encodeText)}`
        : `${encodeText(key)}=${encodeText(value)}`,
    )
    .join('&');

/**
 * Whether GET /products?query could be valid: only the parameters the document lists, each once,
 * each a number its schema accepts.
 */
export function listQueryCouldBeValid(contract: Contract, query: string): boolean {
  const parameters = contract.document.paths['/products'].get.parameters ?? [];
  const seen = new Set<string>();
  for (const [key, value] of new URLSearchParams(query)) {
    if (key === '') continue;
    const parameter = parameters.find((p) => p.in === 'query' && p.name === key);
    if (!parameter || seen.has(key)) return false;
    seen.add(key);
    if (value.trim() === '' || !contract.validator(parameter.schema!)(Number(value))) return false;
  }
  return true;
}

// Headers --------------------------------------------------------------------------------------

/** Characters Node lets a client put in a header value. */
const headerChar = fc.oneof(
  fc.integer({ min: 0x20, max: 0x7e }),
  fc.integer({ min: 0x80, max: 0xff }),
  fc.constant(0x09),
);
const headerText = (maxLength: number) =>
  fc.array(headerChar, { maxLength }).map((codes) => String.fromCharCode(...codes));
const trimOws = (value: string) => value.replace(/^[ \t]+|[ \t]+$/g, '');

const hostileAuthorization = fc
  .oneof(
    fc.constantFrom(
      '',
      'Bearer',
      'Bearer ',
      `bearer ${ADMIN_TOKEN}`,
      `BEARER ${ADMIN_TOKEN}`,
      `Bearer  ${ADMIN_TOKEN}`,
      `Bearer ${ADMIN_TOKEN}x`,
      `Bearer ${ADMIN_TOKEN.slice(0, -1)}`,
      `Bearer ${ADMIN_TOKEN.toUpperCase()}`,
      `Bearer ${ADMIN_TOKEN}, Bearer x`,
      `Basic ${Buffer.from(`admin:${ADMIN_TOKEN}`).toString('base64')}`,
      `Token ${ADMIN_TOKEN}`,
      ADMIN_TOKEN,
      `Bearer ${'x'.repeat(8_000)}`,
      "Bearer ' OR 1=1 --",
      'Bearer \u00e9',
    ),
    headerText(60),
    headerText(60).map((text) => `Bearer ${text}`),
  )
  // The scheme is case-insensitive (RFC 9110): `bearer <token>` is the token too.
  .filter((value) => !/^bearer /i.test(trimOws(value)) || trimOws(value).slice(7) !== ADMIN_TOKEN)
  .map((value): Record<string, string> => ({ authorization: value }));

/** No token, a wrong one, or the right token in the wrong header. */
export const notAdmin = fc.oneof(
  fc.constant<Record<string, string>>({}),
  hostileAuthorization,
  fc.constant<Record<string, string>>({ 'x-authorization': `Bearer ${ADMIN_TOKEN}` }),
  fc.constant<Record<string, string>>({ cookie: `authorization=Bearer ${ADMIN_TOKEN}` }),
);

/** The Idempotency-Key header's pattern in the document. */
function idempotencyKeyPattern(contract: Contract): RegExp {
  const parameter = contract.document.paths['/checkout'].post.parameters!.find(
    (p) => p.in === 'header' && p.name.toLowerCase() === 'idempotency-key',
  );
  return new RegExp(parameter!.schema!.pattern as string, 'u');
}

/** Idempotency-Key values the document refuses (after HTTP strips the whitespace around them). */
export function hostileIdempotencyKey(contract: Contract): fc.Arbitrary<string> {
  const pattern = idempotencyKeyPattern(contract);
  return fc
    .oneof(
      fc.constantFrom(
        '',
        ' ',
        '\t',
        'x'.repeat(256),
        'é',
        'a b',
        'key\u00ff',
        "'; DROP TABLE x; --",
      ),
      headerText(300),
    )
    .filter((key) => !pattern.test(trimOws(key)));
}

// Attack classes with properties of their own -------------------------------------------------

/** Deepest nesting of arrays and objects in JSON text (strings skipped). */
function nesting(text: string): number {
  let depth = 0;
  let deepest = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const char = text[i];
    if (inString) {
      if (char === '\\') i++;
      else if (char === '"') inString = false;
    } else if (char === '"') inString = true;
    else if (char === '[' || char === '{') deepest = Math.max(deepest, ++depth);
    else if (char === ']' || char === '}') depth--;
  }
  return deepest;
}

/**
 * Keys class-transformer drops without a word before validation sees them, so that
 * `forbidNonWhitelisted` cannot refuse them: `__proto__`, `constructor`, `prototype` and the
 * names of Object.prototype's members (`toString`, `valueOf`, `hasOwnProperty`...).
 */
export const PROTOTYPE_KEYS = [
  ...new Set([
    '__proto__',
    'constructor',
    'prototype',
    ...Object.getOwnPropertyNames(Object.prototype),
  ]),
];

function hasPrototypeKey(value: unknown): boolean {
  if (typeof value !== 'object' || value === null) return false;
  if (!Array.isArray(value) && PROTOTYPE_KEYS.some((key) => Object.hasOwn(value, key))) {
    return true;
  }
  return Object.values(value).some(hasPrototypeKey);
}

export const decodes = (segment: string) => {
  try {
    decodeURIComponent(segment);
    return true;
  } catch {
    return false;
  }
};

/**
 * Which of the attack classes that have a property of their own (at the end of this file) a
 * request belongs to. The per-route properties leave these out, so that one defect shows up as
 * one failing test rather than as the first counterexample of every route.
 */
export function attackClass(request: HostileRequest): string | undefined {
  const [path, query = ''] = request.path.split(/\?(.*)/s);
  if (path.split('/').some((segment) => segment.length > 100 || !decodes(segment))) {
    return 'router-rejected path param';
  }
  const queryKeys = [...new URLSearchParams(query).keys()];
  if (queryKeys.some((key) => PROTOTYPE_KEYS.includes(key))) {
    return 'prototype key';
  }
  if (request.body === undefined) return undefined;
  if (nesting(request.body) > 64) return 'deep JSON';
  let body: unknown;
  try {
    body = JSON.parse(request.body);
  } catch {
    return undefined;
  }
  if (hasPrototypeKey(body)) return 'prototype key';
  if (isPlainObject(body) && (unstorable(body.name) || unstorable(body.description))) {
    return 'unstorable text';
  }
  return undefined;
}
