import fc from 'fast-check';
import {
  adminHeaders,
  api,
  createCart,
  createProduct,
  expectProblem,
  startTestApp,
  type TestApp,
} from '../../support/app';
import { type Contract, loadContract, type Operation } from '../../support/contract';
import {
  breaksAProductRule,
  edges,
  JUNK,
  mutated,
  namesAProductTwice,
  valid,
} from '../../support/document-bodies';
import { fingerprint, storedProduct } from '../../support/database';

/**
 * The document's own request schemas as the oracle: bodies are generated from the schema of
 * every operation that takes one, valid ones and mutated ones (test/support/document-bodies.ts),
 * and each is judged by Ajv against openapi/openapi.json, not by rules copied from the DTOs:
 * - a body the document accepts is never refused with 400 (nor answered with a 5xx);
 * - a body the document refuses is always refused with 400, and changes no stored row.
 * The rules JSON Schema cannot say are stated in the schemas' descriptions, and are applied here
 * as those say: a cart names each product once, ids compared in any letter case (`uniqueItems`
 * only compares whole lines); a product's compareAtPriceCents is at least its priceCents, and its
 * saleEndsAt later than its saleStartsAt.
 */

const SEED = Number(process.env.FAST_CHECK_SEED ?? 30_112_026);
const RUNS = 100;

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
          operationId === 'updateProduct'
            ? (await api<Record<string, unknown>>(t.baseUrl, 'GET', path)).body
            : undefined;
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
        (schema.properties ?? {}) as Record<string, Record<string, any>>,
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
