import fc from 'fast-check';
import {
  adminHeaders,
  api,
  createCart,
  createProduct,
  expectProblem,
  startTestApp,
  type TestApp,
} from '../support/app';
import { type Contract, loadContract, type Operation } from '../support/contract';
import { fingerprint, storedProduct } from '../support/database';

/**
 * The document's own request schemas as the oracle: bodies are generated from the schema of
 * every operation that takes one, valid ones and mutated ones, and each is judged by Ajv against
 * openapi/openapi.json, not by rules copied from the DTOs:
 * - a body the document accepts is never refused with 400 (nor answered with a 5xx);
 * - a body the document refuses is always refused with 400, and changes no stored row.
 * The rules JSON Schema cannot say are stated in the schemas' descriptions, and are applied here
 * as those say: a cart names each product once, ids compared in any letter case (`uniqueItems`
 * only compares whole lines); a product's compareAtPriceCents is at least its priceCents, and its
 * saleEndsAt later than its saleStartsAt.
 */

const SEED = Number(process.env.FAST_CHECK_SEED ?? 30_112_026);
const RUNS = 100;

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

/** The values just past a schema's own limits, and of a neighbouring type. */
function edges(schema: Schema): unknown[] {
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

const JUNK: unknown[] = [null, true, [], {}, '', ' ', '1', 1.5, -1, 0];

/** Values a schema may well refuse: its own limits crossed first, then other types and junk. */
function hostile(schema: Schema): fc.Arbitrary<unknown> {
  const edge = edges(schema);
  return fc.oneof(
    ...(edge.length > 0 ? [{ weight: 4, arbitrary: fc.constantFrom(...edge) }] : []),
    { weight: 2, arbitrary: fc.constantFrom(...JUNK) },
    { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 2 }) },
    { weight: 1, arbitrary: fc.string({ maxLength: 20 }) },
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

/**
 * The product rules between fields, on the product as it would be stored: on an edit, the fields
 * left out keep their stored values. An edit at a stale version is refused with 409 first.
 */
function breaksAProductRule(body: unknown, stored?: Record<string, unknown>): boolean {
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
    // Edited by the updateProduct property, so kept out of carts and orders: its price may reach
    // the maximum, where orders are refused as too large (see the last test).
    const edited = await createProduct(t.baseUrl);
    const cart = await createCart(t.baseUrl, [{ productId: usd.id, quantity: 1 }]);
    // Checked out by the first body checkoutCart accepts; the others then meet CART_CHECKED_OUT.
    const toCheckOut = await createCart(t.baseUrl, [{ productId: usd.id, quantity: 1 }]);
    ids.push(usd.id, eur.id);
    paths = {
      '/products/{id}': `/products/${edited.id}`,
      '/cart/{id}/items/{productId}': `/cart/${cart.id}/items/${usd.id}`,
      '/cart/{id}/checkout': `/cart/${toCheckOut.id}/checkout`,
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
    ).toEqual([
      'checkout',
      'checkoutCart',
      'createCart',
      'createProduct',
      'setCartItem',
      'updateProduct',
    ]);
  });

  it.each([
    'createProduct',
    'updateProduct',
    'createCart',
    'setCartItem',
    'checkout',
    'checkoutCart',
  ])(
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

      /** Sends one body; the document's verdict on it must be the service's. */
      const judge = async (body: unknown) => {
        const stored =
          operationId === 'updateProduct' ? (await api(t.baseUrl, 'GET', path)).body : undefined;
        const refusedByDocument =
          (body === undefined && operation.requestBody!.required !== false) ||
          (body !== undefined && !accepts(body)) ||
          namesAProductTwice(body) ||
          (operationId.endsWith('Product') && breaksAProductRule(body, stored));
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
      };

      // Every field of one valid body set in turn to each value at the edge of its schema...
      const [sample] = fc.sample(good, { seed: SEED, numRuns: 1 }) as Record<string, unknown>[];
      for (const [name, property] of Object.entries(
        (schema.properties ?? {}) as Record<string, Schema>,
      )) {
        for (const value of [...edges(property), ...JUNK]) {
          await judge({ ...sample, [name]: value });
        }
      }
      // ...then random valid and mutated bodies.
      await fc.assert(fc.asyncProperty(bodies, judge), { seed: SEED, numRuns: RUNS });
      // Both sides of the property were exercised.
      expect(seen.accepted).toBeGreaterThan(RUNS / 10);
      expect(seen.refused).toBeGreaterThan(RUNS / 10);
    },
  );

  // Found by the checkout property above: the document allows priceCents up to 100,000,000 and
  // quantity up to 1,000, and such an order does not fit orders.total_cents (a PostgreSQL int).
  it('refuses an order whose total does not fit, with 422 and nothing changed', async () => {
    const dear = await createProduct(t.baseUrl, { priceCents: 100_000_000, stock: 1_000 });
    const response = await api(t.baseUrl, 'POST', '/checkout', {
      productId: dear.id,
      quantity: 1000,
    });
    expectProblem(response, 422, 'ORDER_TOTAL_TOO_LARGE');
    expect(await storedProduct(t.db, dear.id)).toMatchObject({ stock: 1_000 });
  });
});
