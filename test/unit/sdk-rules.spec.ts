import * as sdk from '../../client/sdk/src/index';
import { customerKey, EMAIL_PATTERN, MAX_EMAIL_LENGTH } from '../../src/orders/customer-email';
import { MAX_QUANTITY } from '../../src/orders/order.errors';
import { type ProductOnSale, saleRefusal, shortage } from '../../src/products/product-sale';

/**
 * The SDK carries the API's rules for clients and for the storefront's FakeStore
 * (client/sdk/src/rules.ts): each must answer as the service's rule of the same name does.
 */
describe("the SDK's rules equal the service's", () => {
  it.each([
    'ann@example.com',
    '  Ann.Lee+drop@Example.COM ',
    '+ann@example.com',
    'ann+a+b@example.com',
    'a@b@example.com',
    'ANN@EXAMPLE.COM',
    'ann.lee@example.co.uk',
  ])('customerKey(%j)', (email) => {
    expect(sdk.customerKey(email)).toBe(customerKey(email));
  });

  // What checkout takes (the DTO's pattern and length) and what the SDK's isEmail says agree.
  const serverTakes = (email: string) =>
    email.length <= MAX_EMAIL_LENGTH && new RegExp(EMAIL_PATTERN).test(email);
  it.each([
    ['ann@example.com', true],
    ['  Ann.Lee+drop@Example.COM ', true],
    ['ann.lee@example.co.uk', true],
    ["o'brien_x%y-z@mail-1.example.com", true],
    ['ann+@example.com', true],
    ['a@b.co', true],
    [`${'a'.repeat(64)}@example.com`, true],
    [`ann@${'x'.repeat(63)}.com`, true],
    ['ann@example.com.', false],
    ['"ann"@example.com', false],
    ['ann(c)@example.com', false],
    ['+ann@example.com', false],
    ['ann@[127.0.0.1]', false],
    ['ann@example..com', false],
    ['.ann@example.com', false],
    ['ann.@example.com', false],
    ['an..n@example.com', false],
    ['ann@.example.com', false],
    ['ann@-example.com', false],
    ['ann@example-.com', false],
    ['ann@example', false],
    ['a@b@example.com', false],
    ['ann\\@example.com', false],
    ['ann @example.com', false],
    ['ann@exa mple.com', false],
    ['ann@exämple.com', false],
    [`${'a'.repeat(65)}@example.com`, true],
    [`ann@${'x'.repeat(64)}.com`, false],
    [`ann@${'x.'.repeat(125)}com`, false],
  ])('isEmail(%j) is %s, as checkout takes it', (email, valid) => {
    expect(serverTakes(email)).toBe(valid);
    expect(sdk.isEmail(email)).toBe(valid);
  });

  it('MAX_QUANTITY', () => {
    expect(sdk.MAX_QUANTITY).toBe(MAX_QUANTITY);
  });

  const at = (iso: string) => new Date(iso);
  const start = '2026-12-12T00:00:00.000Z';
  const end = '2026-12-12T01:00:00.000Z';
  const moments = [
    '2026-12-11T23:59:58.500Z',
    '2026-12-11T23:59:59.999Z',
    start,
    '2026-12-12T00:30:00.000Z',
    '2026-12-12T00:59:59.999Z',
    end,
  ];
  const windows = [
    { saleStartsAt: null, saleEndsAt: null },
    { saleStartsAt: start, saleEndsAt: null },
    { saleStartsAt: null, saleEndsAt: end },
    { saleStartsAt: start, saleEndsAt: end },
  ];
  const cases = windows.flatMap((window) =>
    [null, 0, 2].flatMap((maxPerCustomer) =>
      moments.flatMap((now) =>
        [undefined, '', 'ann@example.com'].flatMap((email) =>
          [0, 1, 2].flatMap((bought) =>
            [1, 2, 3].map((quantity) => ({ window, maxPerCustomer, now, email, bought, quantity })),
          ),
        ),
      ),
    ),
  );

  it(`saleRefusal, on ${cases.length} cases`, () => {
    for (const { window, maxPerCustomer, now, email, bought, quantity } of cases) {
      const product: ProductOnSale = {
        id: '5f0c6f5e-3f7a-4c1e-9a59-7c1f8f0b2a11',
        name: 'Tee',
        priceCents: 1999,
        currency: 'USD',
        stock: 10,
        version: 1,
        maxPerCustomer,
        saleStartsAt: window.saleStartsAt === null ? null : at(window.saleStartsAt),
        saleEndsAt: window.saleEndsAt === null ? null : at(window.saleEndsAt),
      };
      const served = saleRefusal(product, quantity, at(now), { email, bought });
      const fromSdk = sdk.saleRefusal(
        { id: product.id, maxPerCustomer, ...window },
        quantity,
        at(now).getTime(),
        { email, bought },
      );
      const context = { window, maxPerCustomer, now, email, bought, quantity };
      expect({ context, refusal: served && { code: served.code, ...served.details } }).toEqual({
        context,
        refusal: fromSdk,
      });
    }
  });

  it.each([
    [3, 1],
    [3, 3],
    [3, 4],
    [0, 1],
  ])('shortage with %i in stock, %i asked', (stock, quantity) => {
    const product = { id: '5f0c6f5e-3f7a-4c1e-9a59-7c1f8f0b2a11', stock } as ProductOnSale;
    expect(sdk.shortage(product, quantity)).toEqual(shortage(product, quantity));
  });
});
