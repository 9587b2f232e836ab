import fc from 'fast-check';
import {
  adminHeaders,
  api,
  createCart,
  createProduct,
  startTestApp,
  type TestApp,
} from '../support/app';
import { type Contract, loadContract, type Operation } from '../support/contract';
import { fingerprint } from '../support/database';

/**
 * The document's own request schemas as the oracle: bodies are generated from the schema of
 * every operation that takes one, valid ones and mutated ones, and each is judged by Ajv against
 * openapi/openapi.json, not by rules copied from the DTOs:
 * - a body the document accepts is never refused with 400 (nor answered with a 5xx);
 * - a body the document refuses is always refused with 400, and changes no stored row.
 * The one rule JSON Schema cannot say (a cart names each product once, ids compared in any letter
 * case; `uniqueItems` only compares whole lines) is stated in the schema's description, and is
 * applied here as that description says.
 */

const SEED = Number(process.env.FAST_CHECK_SEED ?? 30_112_026);
const RUNS = 60;

type Schema = Record<string, any>;

/** Values that satisfy `schema`, with ids of real rows mixed in where a UUID is asked for. */
function valid(schema: Schema, ids: string[], contract: Contract): fc.Arbitrary<unknown> {
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

/** Values a schema may well refuse: its own limits crossed, other types, junk. */
function hostile(schema: Schema): fc.Arbitrary<unknown> {
  const near: unknown[] = [null, true, [], {}, '', ' ', '1', 1.5, -1, 0, '\u0000', 'a\ud800'];
  if (schema.minimum !== undefined) near.push(schema.minimum - 1, schema.minimum - 0.5);
  if (schema.maximum !== undefined) near.push(schema.maximum + 1, schema.maximum + 0.5);
  if (schema.maxLength !== undefined) near.push('x'.repeat(schema.maxLength + 1));
  if (schema.enum) near.push(...(schema.enum as string[]).slice(0, 3).map((v) => v.toLowerCase()));
  if (schema.maxItems !== undefined)
    near.push(Array.from({ length: schema.maxItems + 1 }, () => ({})));
  if (schema.type === 'integer') near.push(2 ** 31, 2 ** 53, -(2 ** 31) - 1, 1e21, '7');
  return fc.oneof(
    { weight: 3, arbitrary: fc.constantFrom(...near) },
    { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 2 }) },
    { weight: 1, arbitrary: fc.string({ maxLength: 20 }) },
    { weight: 1, arbitrary: fc.double() },
  );
}

/** A valid body with one change: a field replaced or left out, an unknown one added. */
function mutated(schema: Schema, body: fc.Arbitrary<unknown>): fc.Arbitrary<unknown> {
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
    return hostile(property).map((bad) => ({ ...value, [name]: bad }));
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
function namesAProductTwice(body: unknown): boolean {
  const items = (body as { items?: unknown })?.items;
  if (!Array.isArray(items)) return false;
  const ids = items.map((line) =>
    String((line as { productId?: unknown })?.productId).toLowerCase(),
  );
  return new Set(ids).size !== ids.length;
}

describe('request bodies generated from openapi/openapi.json', () => {
  let t: TestApp;
  let contract: Contract;
  const ids: string[] = [];
  let paths: Record<string, string>;

  beforeAll(async () => {
    contract = await loadContract();
    t = await startTestApp();
    const usd = await createProduct(t.baseUrl, { stock: 1_000_000 });
    const eur = await createProduct(t.baseUrl, { stock: 1_000_000, currency: 'EUR' });
    const cart = await createCart(t.baseUrl, [{ productId: usd.id, quantity: 1 }]);
    ids.push(usd.id, eur.id);
    paths = {
      '/products/{id}': `/products/${usd.id}`,
      '/cart/{id}/items/{productId}': `/cart/${cart.id}/items/${usd.id}`,
    };
  });
  afterAll(() => t.close());

  const operationsWithBody = (): [string, string, Operation][] =>
    Object.entries(contract.document.paths).flatMap(([template, operations]) =>
      Object.entries(operations)
        .filter(([, operation]) => operation.requestBody)
        .map(([method, operation]): [string, string, Operation] => [template, method, operation]),
    );

  it('covers every operation that takes a body', () => {
    expect(
      operationsWithBody()
        .map(([, , o]) => o.operationId)
        .sort(),
    ).toEqual(['checkout', 'createCart', 'createProduct', 'setCartItem', 'updateProduct']);
  });

  it.each(['createProduct', 'updateProduct', 'createCart', 'setCartItem', 'checkout'])(
    '%s: accepted bodies are never refused with 400; refused ones always are, and change nothing',
    async (operationId) => {
      const [template, method, operation] = operationsWithBody().find(
        ([, , o]) => o.operationId === operationId,
      )!;
      const schema = operation.requestBody!.content['application/json'].schema!;
      const accepts = contract.validator(schema);
      const path = paths[template] ?? template;
      const headers = (operation as { security?: unknown[] }).security?.length ? adminHeaders : {};
      const good = valid(schema, ids, contract);
      const bodies = fc.oneof(good, mutated(schema, good));
      const seen = { accepted: 0, refused: 0 };

      await fc.assert(
        fc.asyncProperty(bodies, async (body) => {
          const refusedByDocument =
            body === undefined || !accepts(body) || namesAProductTwice(body);
          const before = refusedByDocument ? await fingerprint(t.db) : undefined;
          const response = await api(t.baseUrl, method.toUpperCase(), path, body, headers);
          const outcome = `${response.status} ${JSON.stringify(response.body)}`;
          if (refusedByDocument) {
            seen.refused++;
            expect(outcome).toMatch(/^400 .*"code":"(VALIDATION_FAILED|MALFORMED_JSON)"/);
            expect(await fingerprint(t.db)).toEqual(before);
          } else {
            seen.accepted++;
            expect(outcome).not.toMatch(/^400 /);
            expect(response.status).toBeLessThan(500);
          }
        }),
        { seed: SEED, numRuns: RUNS },
      );
      // Both sides of the property were exercised.
      expect(seen.accepted).toBeGreaterThan(RUNS / 10);
      expect(seen.refused).toBeGreaterThan(RUNS / 10);
    },
  );
});
