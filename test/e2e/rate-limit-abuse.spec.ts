// Ways around the checkout limit (issue 20): retrying a refused purchase with its key, reusing a
// key whose outcome was given back or refused as reused, and rotating addresses or spellings of
// one client. The test plays a trusted proxy (TRUST_PROXY=loopback) and names each client in
// X-Forwarded-For; in Redis when REDIS_URL is set, as rate-limit.spec.ts does.
import { randomUUID } from 'node:crypto';
import { api, createProduct, countStatuses, type TestApp, startTestApp } from '../support/app';

const redisUrl = process.env.REDIS_URL;
const LIMIT = 3;

describe(`checkout limit against abuse (${redisUrl ? 'Redis' : 'memory'})`, () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({
      env: {
        RATE_LIMIT_CHECKOUT_PER_MINUTE: String(LIMIT),
        TRUST_PROXY: 'loopback',
        REDIS_KEY_PREFIX: `test-${randomUUID()}:`,
        ...(redisUrl ? { REDIS_URL: redisUrl } : {}),
      },
    });
  });
  afterAll(() => t.close());

  const stockOf = async (id: string) =>
    (await t.db.query<{ stock: number }>('select stock from products where id = $1', [id]))[0]
      .stock;
  const buy = (client: string, body: object, key?: string) =>
    api(t.baseUrl, 'POST', '/checkout', body, {
      'x-forwarded-for': client,
      ...(key ? { 'idempotency-key': key } : {}),
    });
  /** Sends the requests one after another, so that the order of the answers is the order sent. */
  const inTurn = async <T>(requests: (() => Promise<T>)[]): Promise<T[]> => {
    const answers: T[] = [];
    for (const request of requests) answers.push(await request());
    return answers;
  };
  const statuses = (answers: { status: number }[]) => answers.map((a) => a.status);

  it('does not let a blocked client buy by retrying a refused attempt with its key', async () => {
    const product = await createProduct(t.baseUrl, { stock: 100 });
    const body = { productId: product.id, quantity: 1 };
    const client = '198.51.100.1';
    const first = await inTurn(
      Array.from({ length: LIMIT }, () => () => buy(client, body, randomUUID())),
    );
    const keys = Array.from({ length: 5 }, () => randomUUID());
    const retried = await inTurn(
      keys.flatMap((key) => [() => buy(client, body, key), () => buy(client, body, key)]),
    );

    expect(statuses(first)).toEqual([201, 201, 201]);
    expect(countStatuses(retried)).toEqual({ 429: 10 });
    expect(await stockOf(product.id)).toBe(100 - LIMIT);
  });

  it('answers a true replay of a purchase it let through, from the same client only', async () => {
    const product = await createProduct(t.baseUrl, { stock: 100 });
    const body = { productId: product.id, quantity: 1 };
    const client = '198.51.100.2';
    const key = randomUUID();
    const bought = await buy(client, body, key);
    await inTurn(Array.from({ length: LIMIT }, () => () => buy(client, body, randomUUID())));
    const replay = await buy(client, body, key);
    // The same key and request from another client is that client's attempt, counted as such.
    const other = '198.51.100.3';
    const fromOther = await inTurn([
      () => buy(other, body, key),
      ...Array.from({ length: LIMIT }, () => () => buy(other, body, randomUUID())),
    ]);

    expect(bought.status).toBe(201);
    expect(replay.status).toBe(201);
    expect(replay.headers.get('idempotent-replayed')).toBe('true');
    expect(statuses(fromOther)).toEqual([201, 201, 201, 429]);
    expect(fromOther[0].headers.get('idempotent-replayed')).toBe('true');
    expect(await stockOf(product.id)).toBe(100 - LIMIT - (LIMIT - 1));
  });

  it('counts every reuse of a key given back (a stale expectedVersion)', async () => {
    const product = await createProduct(t.baseUrl, { stock: 100 });
    const stale = { productId: product.id, quantity: 1, expectedVersion: product.version + 7 };
    const key = randomUUID();
    const answers = await inTurn(
      Array.from({ length: 8 }, () => () => buy('198.51.100.4', stale, key)),
    );
    expect(statuses(answers)).toEqual([409, 409, 409, 429, 429, 429, 429, 429]);
  });

  it('counts every reuse of a key given back (a sale not started)', async () => {
    const later = new Date(Date.now() + 3_600_000).toISOString();
    const product = await createProduct(t.baseUrl, { stock: 100, saleStartsAt: later });
    const key = randomUUID();
    const answers = await inTurn(
      Array.from(
        { length: 6 },
        () => () => buy('198.51.100.5', { productId: product.id, quantity: 1 }, key),
      ),
    );
    expect(statuses(answers)).toEqual([409, 409, 409, 429, 429, 429]);
    expect((answers[0].body as { code: string }).code).toBe('SALE_NOT_STARTED');
  });

  it('counts 422 IDEMPOTENCY_KEY_REUSED', async () => {
    const product = await createProduct(t.baseUrl, { stock: 100 });
    const key = randomUUID();
    const client = '198.51.100.6';
    const answers = await inTurn([
      () => buy(client, { productId: product.id, quantity: 1 }, key),
      ...Array.from(
        { length: 5 },
        () => () => buy(client, { productId: product.id, quantity: 2 }, key),
      ),
    ]);
    expect(statuses(answers)).toEqual([201, 422, 422, 429, 429, 429]);
  });

  it('counts the addresses of one IPv6 /64 as one client', async () => {
    const product = await createProduct(t.baseUrl, { stock: 100 });
    const body = { productId: product.id, quantity: 1 };
    const answers = await inTurn(
      Array.from({ length: 10 }, (_, n) => () => buy(`2001:db8:1:2::${n + 1}`, body, randomUUID())),
    );
    // Another /64 is another client.
    const neighbour = await buy('2001:db8:1:3::1', body, randomUUID());

    expect(countStatuses(answers)).toEqual({ 201: LIMIT, 429: 10 - LIMIT });
    expect(neighbour.status).toBe(201);
    expect(await stockOf(product.id)).toBe(100 - LIMIT - 1);
  });

  it('counts the spellings of one address as one client', async () => {
    const product = await createProduct(t.baseUrl, { stock: 100 });
    const body = { productId: product.id, quantity: 1 };
    const spellings = ['203.0.113.9', '::ffff:203.0.113.9', '::FFFF:cb00:7109', '203.0.113.9'];
    const answers = await inTurn(spellings.map((client) => () => buy(client, body)));
    expect(statuses(answers)).toEqual([201, 201, 201, 429]);
  });

  it('never takes an entry of X-Forwarded-For that is not an address for the client', async () => {
    const product = await createProduct(t.baseUrl, { stock: 100 });
    const body = { productId: product.id, quantity: 1 };
    const answers = await inTurn(
      Array.from({ length: 6 }, (_, n) => () => buy(`junk-${n}`, body, randomUUID())),
    );
    expect(countStatuses(answers)).toEqual({ 201: LIMIT, 429: 6 - LIMIT });
  });
});
