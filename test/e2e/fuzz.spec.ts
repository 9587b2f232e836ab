import fc from 'fast-check';
import {
  api,
  type ApiResponse,
  createCart,
  createProduct,
  startTestApp,
  type TestApp,
} from '../support/app';
import { type DatabaseFingerprint, fingerprint } from '../support/database';

/**
 * Property tests over generated request bodies that can never be served: every product they
 * can name is sold out or does not exist, and the only cart is already checked out. Whatever
 * the body, the answer must be a 4xx problem document and the database must stay as it was.
 */
/** Generated requests per property; raise it (FUZZ_RUNS=1000 npm test -- fuzz) to dig deeper. */
const RUNS = Number(process.env.FUZZ_RUNS) || 60;

describe('generated bad input never gets a 5xx and never changes data', () => {
  let t: TestApp;
  let soldOut: string;
  let checkedOutCart: string;
  let baseline: DatabaseFingerprint;

  beforeAll(async () => {
    t = await startTestApp();
    const product = await createProduct(t.baseUrl, { stock: 1 });
    const cart = await createCart(t.baseUrl, [{ productId: product.id, quantity: 1 }]);
    expect((await api(t.baseUrl, 'POST', `/cart/${cart.id}/checkout`)).status).toBe(201);
    soldOut = product.id;
    checkedOutCart = cart.id;
    baseline = await fingerprint(t.db);
  });
  afterAll(() => t.close());

  const expectRefusedUnchanged = async (response: ApiResponse) => {
    expect(response.status).toBeGreaterThanOrEqual(400);
    expect(response.status).toBeLessThan(500);
    expect(response.contentType).toMatch(/^application\/problem\+json/);
    expect(response.body).toMatchObject({ status: response.status, code: expect.any(String) });
    expect(await fingerprint(t.db)).toEqual(baseline);
  };

  const productId = () => fc.oneof(fc.constant(soldOut), fc.uuid(), fc.string(), fc.jsonValue());
  const quantity = fc.oneof(
    fc.integer(),
    fc.integer({ min: 1, max: 1000 }),
    fc.double(),
    fc.string(),
    fc.jsonValue(),
  );
  const withExtras = <T extends object>(record: fc.Arbitrary<T>) =>
    fc
      .tuple(record, fc.option(fc.dictionary(fc.string(), fc.jsonValue(), { maxKeys: 2 })))
      .map(([body, extras]) => ({ ...extras, ...body }));

  it('POST /checkout with generated bodies', async () => {
    const body = withExtras(
      fc.record(
        {
          productId: productId(),
          quantity,
          expectedVersion: fc.oneof(fc.integer(), fc.constant(2), fc.jsonValue()),
        },
        { requiredKeys: [] },
      ),
    );
    await fc.assert(
      fc.asyncProperty(fc.oneof(body, fc.jsonValue()), async (value) => {
        await expectRefusedUnchanged(await api(t.baseUrl, 'POST', '/checkout', value));
      }),
      { numRuns: RUNS },
    );
  });

  it('POST /checkout with generated raw text as JSON', async () => {
    await fc.assert(
      fc.asyncProperty(fc.string({ unit: 'binary', maxLength: 200 }), async (text) => {
        await expectRefusedUnchanged(await api(t.baseUrl, 'POST', '/checkout', text));
      }),
      { numRuns: RUNS },
    );
  });

  it('POST /cart with generated lines', async () => {
    const line = withExtras(
      fc.record(
        { productId: fc.oneof(fc.uuid(), fc.string(), fc.jsonValue()), quantity },
        {
          requiredKeys: [],
        },
      ),
    );
    const body = withExtras(
      fc.record({
        items: fc.oneof(
          fc.array(line, { minLength: 1, maxLength: 4 }),
          // Anything but an empty array, which is a valid empty cart.
          fc.jsonValue().filter((value) => !(Array.isArray(value) && value.length === 0)),
        ),
      }),
    );
    await fc.assert(
      fc.asyncProperty(body, async (value) => {
        await expectRefusedUnchanged(await api(t.baseUrl, 'POST', '/cart', value));
      }),
      { numRuns: RUNS },
    );
  });

  it('PUT /cart/{id}/items/{productId} on a checked-out cart with generated bodies', async () => {
    const body = withExtras(
      fc.record(
        { quantity, version: fc.oneof(fc.integer(), fc.constant(2), fc.jsonValue()) },
        { requiredKeys: [] },
      ),
    );
    await fc.assert(
      fc.asyncProperty(body, fc.oneof(fc.constant(soldOut), fc.uuid()), async (value, id) => {
        const path = `/cart/${checkedOutCart}/items/${id}`;
        await expectRefusedUnchanged(await api(t.baseUrl, 'PUT', path, value));
      }),
      { numRuns: RUNS },
    );
  });
});
