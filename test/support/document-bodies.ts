/**
 * Bodies generated from openapi/openapi.json's own request schemas, for
 * test/e2e/input/document.spec.ts: valid ones (ids of real rows mixed in where a UUID is asked
 * for), values just past each schema's limits, and valid bodies with one change. The rules JSON
 * Schema cannot say are stated in the schemas' descriptions, and are applied here as those say.
 */
import fc from 'fast-check';
import type { Contract } from './contract';

type Schema = Record<string, any>;

/** Values that satisfy `schema`, with ids of real rows mixed in where a UUID is asked for. */
export function valid(schema: Schema, ids: string[], contract: Contract): fc.Arbitrary<unknown> {
  const check = contract.validator(schema);
  if (schema.allOf) return valid(Object.assign({}, ...schema.allOf), ids, contract);
  if (schema.enum) return fc.constantFrom(...(schema.enum as unknown[]));
  switch (schema.type) {
    case 'integer': {
      const min = schema.minimum ?? Number.MIN_SAFE_INTEGER;
      const max = schema.maximum ?? Number.MAX_SAFE_INTEGER;
      return fc.oneof(
        fc.constantFrom(min, max),
        fc.integer({ min: Math.max(min, -1000), max: Math.min(max, 1000) }),
        fc.integer({ min, max }),
      );
    }
    case 'string': {
      const text = schema.pattern
        ? fc.stringMatching(new RegExp(schema.pattern, 'u'))
        : fc.string({ unit: 'grapheme', maxLength: schema.maxLength ?? 50 });
      const anyText = fc.oneof(text, fc.string({ unit: 'grapheme', maxLength: 300 }));
      const candidates =
        schema.format === 'uuid' ? fc.oneof(fc.constantFrom(...ids), text) : anyText;
      return candidates.filter((value) => check(value));
    }
    case 'array':
      return fc
        .uniqueArray(valid(schema.items as Schema, ids, contract), {
          maxLength: Math.min(schema.maxItems ?? 5, 5),
          selector: (line) => JSON.stringify(line),
        })
        .filter((value) => check(value));
    case 'object': {
      const properties = (schema.properties ?? {}) as Record<string, Schema>;
      return fc.record(
        Object.fromEntries(
          Object.entries(properties).map(([name, property]) => [
            name,
            valid(property, ids, contract),
          ]),
        ),
        { requiredKeys: (schema.required ?? []) as string[], noNullPrototype: true },
      );
    }
    default:
      return fc.jsonValue();
  }
}

/** The values just past a schema's own limits, and of a neighbouring type. */
export function edges(schema: Schema): unknown[] {
  if (schema.allOf) return edges(Object.assign({}, ...schema.allOf));
  const edge: unknown[] = [];
  if (schema.minimum !== undefined) edge.push(schema.minimum - 1, schema.minimum - 0.5);
  if (schema.maximum !== undefined) edge.push(schema.maximum + 1, schema.maximum + 0.5);
  if (schema.type === 'integer') edge.push(1.5, '7', 2 ** 31, 2 ** 53, -(2 ** 31) - 1, 1e21);
  if (schema.maxLength !== undefined) edge.push('x'.repeat(schema.maxLength + 1));
  if (schema.minLength) edge.push('');
  if (schema.type === 'string') edge.push(7, '\u0000', 'a\ud800', ' ');
  if (schema.enum) {
    const values = schema.enum as string[];
    edge.push('XXX', values[0].toLowerCase(), ` ${values[0]}`, values.at(-1)!.toLowerCase());
  }
  if (schema.maxItems !== undefined) {
    edge.push(Array.from({ length: schema.maxItems + 1 }, () => ({})));
  }
  return edge;
}

export const JUNK: unknown[] = [null, true, [], {}, '', ' ', '1', 1.5, -1, 0];

/** Values a schema may well refuse: its own limits crossed first, then other types and junk. */
function nearEdge(schema: Schema): fc.Arbitrary<unknown> {
  const edge = edges(schema);
  return fc.oneof(
    ...(edge.length > 0 ? [{ weight: 4, arbitrary: fc.constantFrom(...edge) }] : []),
    { weight: 2, arbitrary: fc.constantFrom(...JUNK) },
    { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 2 }) },
    { weight: 1, arbitrary: fc.string({ maxLength: 20 }) },
  );
}

/** A valid body with one change: a field replaced or left out, an unknown one added. */
export function mutated(schema: Schema, body: fc.Arbitrary<unknown>): fc.Arbitrary<unknown> {
  const properties = (schema.properties ?? {}) as Record<string, Schema>;
  const names = Object.keys(properties);
  const asObject = body as fc.Arbitrary<Record<string, unknown>>;
  const nested = (value: Record<string, unknown>, name: string): fc.Arbitrary<unknown> => {
    const property = properties[name];
    // Into an array of objects: one line mutated.
    if (
      property.type === 'array' &&
      property.items?.type === 'object' &&
      Array.isArray(value[name])
    ) {
      const lines = value[name] as unknown[];
      if (lines.length > 0) {
        return fc
          .tuple(fc.nat(lines.length - 1), mutated(property.items, fc.constant(lines[0])))
          .map(([at, line]) => ({ ...value, [name]: lines.map((l, i) => (i === at ? line : l)) }));
      }
    }
    return nearEdge(property).map((bad) => ({ ...value, [name]: bad }));
  };
  return fc.oneof(
    {
      weight: 4,
      arbitrary: fc.tuple(asObject, fc.constantFrom(...names)).chain(([v, n]) => nested(v, n)),
    },
    {
      weight: 1,
      arbitrary: fc
        .tuple(asObject, fc.constantFrom(...names))
        .map(([value, name]) =>
          Object.fromEntries(Object.entries(value).filter(([k]) => k !== name)),
        ),
    },
    {
      weight: 1,
      arbitrary: fc
        .tuple(asObject, fc.string({ minLength: 1, maxLength: 12 }), fc.jsonValue({ maxDepth: 1 }))
        .filter(([, key]) => !names.includes(key))
        .map(([value, key, extra]) => ({ ...value, [key]: extra })),
    },
    { weight: 1, arbitrary: fc.oneof(fc.jsonValue({ maxDepth: 2 }), fc.constant(undefined)) },
  );
}

/** The rule the document states in words only: a cart names each product once, in any case. */
export function namesAProductTwice(body: unknown): boolean {
  const items = (body as { items?: unknown })?.items;
  if (!Array.isArray(items)) return false;
  const ids = items.map((line) =>
    String((line as { productId?: unknown })?.productId).toLowerCase(),
  );
  return new Set(ids).size !== ids.length;
}

/**
 * The product rules between fields, on the product as it would be stored: on an edit, the fields
 * left out keep their stored values. An edit at a stale version is refused with 409 first.
 */
export function breaksAProductRule(body: unknown, stored?: Record<string, unknown>): boolean {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return false;
  if (stored && (body as { version?: unknown }).version !== stored.version) return false;
  const product = { ...stored, ...body } as Record<string, unknown>;
  const { priceCents, compareAtPriceCents, saleStartsAt, saleEndsAt } = product;
  if (typeof compareAtPriceCents === 'number' && typeof priceCents === 'number') {
    if (compareAtPriceCents < priceCents) return true;
  }
  if (typeof saleStartsAt === 'string' && typeof saleEndsAt === 'string') {
    if (Date.parse(saleEndsAt) <= Date.parse(saleStartsAt)) return true;
  }
  return false;
}
