import { EMAIL_PATTERN, isEmail, MAX_EMAIL_LENGTH } from '../../client/sdk/src/index';
import { loadContract, type ReceivedResponse, violations } from '../support/contract';

/** The response checker every e2e response goes through: it must catch what it is for. */
describe('the contract checker', () => {
  const product = {
    id: '5f0c6f5e-3f7a-4c1e-9a59-7c1f8f0b2a11',
    sku: 'TEE-RED-M',
    name: 'Red T-shirt, M',
    description: '',
    priceCents: 1999,
    currency: 'USD',
    stock: 3,
    version: 1,
    saleStartsAt: '2026-12-12T00:00:00.000Z',
    saleEndsAt: null,
    maxPerCustomer: 2,
    compareAtPriceCents: 2499,
    imageUrl: '/images/products/tee-classic.svg',
  };
  const json = { 'content-type': 'application/json; charset=utf-8', 'x-request-id': 'r-1' };
  // The catalogue's answers are revalidated: they carry an ETag and Cache-Control.
  const catalogue = { ...json, etag: 'W/"p-1"', 'cache-control': 'no-cache' };
  const problemType = { 'content-type': 'application/problem+json', 'x-request-id': 'r-1' };
  const ok = (overrides: Partial<ReceivedResponse> = {}): ReceivedResponse => ({
    method: 'GET',
    url: `/products/${product.id}`,
    status: 200,
    headers: catalogue,
    text: JSON.stringify(product),
    ...overrides,
  });
  const problem = (status: number, code: string) =>
    JSON.stringify({ type: '/problems/x', title: 'X', status, detail: 'x', code });

  it('accepts a documented response', async () => {
    expect(violations(await loadContract(), ok())).toEqual([]);
    const compressed = ok({
      headers: { ...catalogue, 'content-encoding': 'br', vary: 'Accept-Encoding' },
    });
    expect(violations(await loadContract(), compressed)).toEqual([]);
    const notFound = ok({ status: 404, headers: problemType, text: problem(404, 'NOT_FOUND') });
    expect(violations(await loadContract(), notFound)).toEqual([]);
  });

  it('refuses an undocumented status, content type, code or body, and a missing request id', async () => {
    const contract = await loadContract();
    const cases: [Partial<ReceivedResponse>, RegExp][] = [
      [{ status: 418 }, /status 418 is not documented for getProduct/],
      [{ headers: { ...catalogue, 'content-type': 'text/html' } }, /content type "text\/html"/],
      [{ text: JSON.stringify({ ...product, priceCents: 19.99 }) }, /priceCents must be integer/],
      [
        { text: JSON.stringify({ ...product, stock: undefined }) },
        /must have required property 'stock'/,
      ],
      [{ headers: { 'content-type': 'application/json' } }, /no x-request-id header/],
      [
        {
          method: 'POST',
          url: '/checkout',
          status: 429,
          headers: { ...problemType, 'retry-after': 'soon' },
          text: problem(429, 'RATE_LIMITED'),
        },
        /header Retry-After: "soon" Retry-After must be integer/,
      ],
      [
        { status: 409, headers: problemType, text: problem(409, 'OUT_OF_STOCK') },
        /status 409 is not documented/,
      ],
      [
        { status: 404, headers: problemType, text: problem(404, 'OUT_OF_STOCK') },
        /code must be equal to one of the allowed values/,
      ],
      [
        { method: 'POST', url: '/checkout', status: 409, headers: problemType, text: '{}' },
        /must have required property 'code'/,
      ],
      [{ headers: { ...json, 'content-encoding': 'br' } }, /br without Vary: accept-encoding/],
      [
        {
          url: '/products/events',
          headers: {
            'content-type': 'text/event-stream; charset=utf-8',
            'content-encoding': 'gzip',
            vary: 'accept-encoding',
            'x-request-id': 'r-1',
          },
          text: undefined,
        },
        /an event stream sent with gzip/,
      ],
    ];
    for (const [overrides, expected] of cases) {
      expect(violations(contract, ok(overrides)).join('\n')).toMatch(expected);
    }
  });

  it('lists the codes the decorators add next to the route’s own, per status', async () => {
    const { raw } = await loadContract();
    const codes = (operationId: string, status: number) => {
      for (const operations of Object.values<any>(raw.paths)) {
        for (const operation of Object.values<any>(operations)) {
          if (operation.operationId !== operationId) continue;
          const schema = operation.responses[status]?.content['application/problem+json'].schema;
          return schema?.allOf[1].properties.code.enum;
        }
      }
    };
    expect(codes('checkout', 429)).toEqual(['RATE_LIMITED']);
    expect(codes('checkout', 422)).toEqual([
      'EMAIL_REQUIRED',
      'IDEMPOTENCY_KEY_REUSED',
      'ORDER_TOTAL_TOO_LARGE',
    ]);
    expect(codes('checkoutCart', 422)).toEqual([
      'CART_EMPTY',
      'CURRENCY_MISMATCH',
      'EMAIL_REQUIRED',
      'IDEMPOTENCY_KEY_REUSED',
      'ORDER_TOTAL_TOO_LARGE',
    ]);
    expect(codes('checkout', 503)).toEqual(['DATABASE_UNAVAILABLE', 'OVERLOADED']);
    expect(codes('checkoutCart', 415)).toEqual(['UNSUPPORTED_MEDIA_TYPE']);
    expect(codes('getOrder', 503)).toEqual(['DATABASE_UNAVAILABLE']);
    expect(codes('getLiveness', 503)).toBeUndefined();
  });

  it("the SDK's email rule is the document's, for both checkouts", async () => {
    const { document } = await loadContract();
    const schemas = (document as any).components.schemas;
    for (const name of ['CheckoutDto', 'CheckoutCartDto']) {
      expect(schemas[name].properties.email).toMatchObject({
        pattern: EMAIL_PATTERN,
        maxLength: MAX_EMAIL_LENGTH,
      });
    }
    expect(isEmail(' Ann.Lee+drop@Example.com ')).toBe(true);
    expect(isEmail('ann@example')).toBe(false);
  });
});
