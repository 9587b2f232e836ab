// The checkout limit against clients that really hold many addresses of one IPv6 /64, with no
// proxy: the service listens on `::` in a network namespace of its own, where the test gives the
// loopback interface addresses of two /64s and sends from each. Jest cannot enter a namespace, so
// this file runs itself again inside `unshare -n` (root) or `unshare -rn`; skipped, saying so,
// where neither is allowed.
import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { request } from 'node:http';
import { createApp } from '../../src/app/app';
import { loadConfig } from '../../src/common/config';
import { ADMIN_TOKEN, createProduct } from '../support/app';
import { checkResponsesOf } from '../support/contract-setup';
import { createTestDatabase, type TestDatabase } from '../support/database';

const INSIDE = process.env.FLASH_STORE_NETNS === '1';
const NETWORK = '2001:db8:1:2::';
const NEIGHBOUR = '2001:db8:1:3::1';
const ADDRESSES = Array.from({ length: 12 }, (_, n) => `${NETWORK}${n + 1}`);

/** The loopback interface up, with the test's addresses, in a new network namespace. */
const SETUP = [
  'ip link set lo up',
  // Without an IPv4 address besides loopback, getaddrinfo (AI_ADDRCONFIG) cannot find localhost.
  'ip addr add 192.0.2.1/32 dev lo',
  ...[...ADDRESSES, NEIGHBOUR].map((address) => `ip addr add ${address}/64 dev lo nodad`),
].join(' && ');

/** The first of `unshare -n`, `unshare -rn` that can set the namespace up here, if any. */
function unshareFlag(): string | undefined {
  return ['-n', '-rn'].find(
    (flag) => spawnSync('unshare', [flag, 'sh', '-c', SETUP], { stdio: 'ignore' }).status === 0,
  );
}

const flag = INSIDE ? undefined : unshareFlag();
if (!INSIDE && !flag) {
  console.warn(
    'rate-limit-netns.spec.ts skipped: `unshare -n`/`unshare -rn` cannot create a network ' +
      'namespace here (needs root or unprivileged user namespaces, and iproute2).',
  );
}

(INSIDE || !flag ? describe.skip : describe)(
  'checkout limit, many addresses of one /64 (runner)',
  () => {
    it('passes inside a network namespace', () => {
      const run = spawnSync(
        'unshare',
        [flag!, 'sh', '-c', `${SETUP} && npx jest --ci --runInBand ${__filename}`],
        {
          env: { ...process.env, FLASH_STORE_NETNS: '1', TEST_DATABASE_URL: '' },
          encoding: 'utf8',
          timeout: 240_000,
        },
      );
      const output = `${run.stdout}\n${run.stderr}`;
      if (run.status !== 0) console.log(output);
      expect(output).toMatch(/Tests:.* 2 passed/);
      expect(output).not.toMatch(/Tests:.*failed/);
      expect(run.status).toBe(0);
    }, 300_000);
  },
);

(INSIDE ? describe : describe.skip)('checkout limit, many addresses of one /64 (HOST=::)', () => {
  let db: TestDatabase;
  let app: Awaited<ReturnType<typeof createApp>>;
  let port: number;
  beforeAll(async () => {
    db = await createTestDatabase();
    const config = loadConfig({
      ADMIN_TOKEN,
      SEED_DEMO_DATA: 'false',
      HOST: '::',
      RATE_LIMIT_CHECKOUT_PER_MINUTE: '3',
    });
    app = await createApp(config, db.url, { silent: true });
    await app.listen({ port: 0, host: '::' });
    port = (app.getHttpServer().address() as { port: number }).port;
    checkResponsesOf(`http://127.0.0.1:${port}`);
  });
  afterAll(async () => {
    await app?.close();
    await db?.drop();
  });

  /** POST /checkout from `localAddress`, the service's address in the same /64 as its peer. */
  const buyFrom = (localAddress: string, body: object) =>
    new Promise<{ status: number }>((resolve, reject) => {
      const text = JSON.stringify(body);
      const sent = request(
        {
          host: '::1',
          port,
          localAddress,
          method: 'POST',
          path: '/checkout',
          headers: {
            'content-type': 'application/json',
            'content-length': Buffer.byteLength(text),
            'idempotency-key': randomUUID(),
          },
        },
        (response) => {
          response.resume();
          response.on('end', () => resolve({ status: response.statusCode ?? 0 }));
        },
      );
      sent.on('error', reject);
      sent.end(text);
    });

  it('counts every address of one /64 as one client', async () => {
    const product = await createProduct(`http://127.0.0.1:${port}`, { stock: 100 });
    const body = { productId: product.id, quantity: 1 };
    const statuses: number[] = [];
    for (const address of ADDRESSES) statuses.push((await buyFrom(address, body)).status);
    expect(statuses).toEqual([201, 201, 201, ...ADDRESSES.slice(3).map(() => 429)]);
  });

  it('counts another /64 on its own', async () => {
    const product = await createProduct(`http://127.0.0.1:${port}`, { stock: 100 });
    const answer = await buyFrom(NEIGHBOUR, { productId: product.id, quantity: 1 });
    expect(answer.status).toBe(201);
  });
});
