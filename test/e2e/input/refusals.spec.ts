import {
  ADMIN_TOKEN,
  adminHeaders,
  api,
  createCart,
  createProduct,
  expectProblem,
  startTestApp,
  type TestApp,
} from '../../support/app';
import { loadContract } from '../../support/contract';
import { type DatabaseFingerprint, fingerprint } from '../../support/database';
import { ADMIN_ROUTES, MISSING, REFUSALS, validProduct } from '../../support/input-cases';
import { send } from '../../support/raw-http';
import { randomUUID } from 'node:crypto';

// The named refusals of test/support/input-cases.ts, each with its exact status, code and field.
describe('bad input is refused with a problem document and changes nothing', () => {
  let t: TestApp;
  let fill: (text: string) => string;
  let baseline: DatabaseFingerprint;

  beforeAll(async () => {
    t = await startTestApp();
    const product = await createProduct(t.baseUrl, { stock: 5 });
    const cart = await createCart(t.baseUrl, [{ productId: product.id, quantity: 1 }]);
    const emptyCart = await createCart(t.baseUrl, []);
    const shortCart = await createCart(t.baseUrl, [{ productId: product.id, quantity: 6 }]);
    const values: Record<string, string> = {
      product: product.id,
      sku: product.sku,
      cart: cart.id,
      emptyCart: emptyCart.id,
      shortCart: shortCart.id,
      missing: MISSING,
    };
    fill = (text) => text.replace(/\{(\w+)\}/g, (_, name: string) => values[name] ?? `{${name}}`);
    baseline = await fingerprint(t.db);
    expect(baseline).toMatchObject({
      products: { rows: 1 },
      carts: { rows: 3 },
      orders: { rows: 0 },
    });
  });
  afterAll(() => t.close());

  it.each(REFUSALS)('%s', async (_name, c) => {
    const body =
      c.body === undefined
        ? undefined
        : fill(typeof c.body === 'string' ? c.body : JSON.stringify(c.body));
    const headers = { ...(c.admin ? adminHeaders : {}), ...c.headers };

    const response = await api(t.baseUrl, c.method, fill(c.path), body, headers);

    const problem = expectProblem(response, c.status, c.code);
    if (c.field) {
      const field = c.field;
      const fields = (problem.errors ?? []).map((e) => e.field);
      expect(fields.filter((f) => f === field || f.startsWith(`${field}.`))).not.toHaveLength(0);
    }
    if (c.message) {
      const first = problem.errors?.find((e) => e.field === c.field);
      expect(first?.message).toMatch(c.message);
    }
    if (c.problem) expect(problem).toMatchObject(JSON.parse(fill(JSON.stringify(c.problem))));
    expect(await fingerprint(t.db)).toEqual(baseline);
  });
});

describe('admin routes when the app runs without ADMIN_TOKEN', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ env: { ADMIN_TOKEN: '' } });
  });
  afterAll(() => t.close());

  it.each(ADMIN_ROUTES)(
    '%s is refused with 401 ADMIN_DISABLED, whatever the token',
    async (_name, method, path, body) => {
      const before = await fingerprint(t.db);
      for (const headers of [{}, adminHeaders]) {
        expectProblem(await api(t.baseUrl, method, path, body, headers), 401, 'ADMIN_DISABLED');
      }
      expect(await fingerprint(t.db)).toEqual(before);
    },
  );
});

describe('HTTP details', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  it('takes the admin bearer scheme in any letter case (RFC 9110)', async () => {
    for (const scheme of ['bearer', 'BEARER', 'Bearer']) {
      const response = await api(
        t.baseUrl,
        'POST',
        '/products',
        { ...validProduct, sku: `CASE-${scheme}` },
        { authorization: `${scheme} ${ADMIN_TOKEN}` },
      );
      expect(response.status).toBe(201);
    }
  });

  it('refuses a body on every operation the document gives none, before anything runs', async () => {
    const { document } = await loadContract();
    const operations = Object.entries(document.paths).flatMap(([template, methods]) =>
      Object.entries(methods)
        .filter(([, operation]) => !operation.requestBody)
        .map(([method]) => ({ method: method.toUpperCase(), template })),
    );
    expect(operations.length).toBeGreaterThan(5);
    const before = await fingerprint(t.db);
    for (const { method, template } of operations) {
      // fetch sends no body with GET; node:http does, as any client may.
      const path = template.replace(/\{\w+\}/g, () => randomUUID());
      const response = await send(t.baseUrl, {
        method,
        path,
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ quantity: 2 }),
      });
      expect({ operation: `${method} ${template}`, status: response.status }).toEqual({
        operation: `${method} ${template}`,
        status: 400,
      });
      expect(JSON.parse(response.text)).toMatchObject({
        code: 'VALIDATION_FAILED',
        errors: [{ field: 'body', message: 'This operation takes no request body.' }],
        requestId: response.headers['x-request-id'],
      });
    }
    expect(await fingerprint(t.db)).toEqual(before);
  });

  it("puts x-request-id on the router's own refusals too", async () => {
    const response = await fetch(`${t.baseUrl}/products/${'a'.repeat(200)}`);
    expect(response.status).toBe(400);
    expect(response.headers.get('x-request-id')).toMatch(/^[\w.:-]{1,128}$/);
    expect((await response.json()).requestId).toBe(response.headers.get('x-request-id'));
  });
});
