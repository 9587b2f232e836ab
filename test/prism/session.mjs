// A partner's session through Stoplight Prism in validation mode: every operation, its error
// paths, same-key concurrency, a burst up to 429 and (OUTAGE=1) a database outage. Not part of
// `npm test`: Prism is not a project dependency. See test/prism/README.md.
/* global fetch, crypto, setTimeout */
const BASE = process.env.BASE; // Prism
const DATABASE = process.env.DATABASE ?? 'flash_store_prism';
const ADMIN = { authorization: `Bearer ${process.env.ADMIN_TOKEN}` };
const results = [];
async function call(name, method, path, { body, headers = {}, raw } = {}) {
  const init = { method, headers: { ...headers } };
  if (raw !== undefined) init.body = raw;
  else if (body !== undefined) {
    init.body = JSON.stringify(body);
    init.headers['content-type'] ??= 'application/json';
  }
  const response = await fetch(BASE + path, init);
  const type = response.headers.get('content-type') ?? '';
  const text = type.startsWith('text/event-stream') ? '' : await response.text();
  if (type.startsWith('text/event-stream')) await response.body.cancel();
  let json;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined; // not JSON (metrics, or Prism's own answers)
  }
  results.push({
    name,
    method,
    path,
    status: response.status,
    code: json?.code,
    prism: response.headers.get('sl-violations'),
  });
  return { status: response.status, json, headers: response.headers };
}
const uuid = () => crypto.randomUUID();
const MISSING = 'f47ac10b-58cc-4372-a567-0e02b2c3d479';

await call('health', 'GET', '/health');
await call('live', 'GET', '/health/live');
await call('ready', 'GET', '/health/ready');
await call('metrics', 'GET', '/metrics');
// GET /products/events: Prism buffers the whole upstream body, so an endless SSE stream cannot pass through it.
const p1 = (
  await call('create product', 'POST', '/products', {
    headers: ADMIN,
    body: { sku: `P-${uuid()}`, name: 'Prism tee', priceCents: 1500, currency: 'USD', stock: 5 },
  })
).json;
const p2 = (
  await call('create product lower-case bearer', 'POST', '/products', {
    headers: { authorization: `bearer ${process.env.ADMIN_TOKEN}` },
    body: { sku: `P-${uuid()}`, name: 'Prism cap', priceCents: 900, currency: 'USD', stock: 3 },
  })
).json;
const eur = (
  await call('create product EUR', 'POST', '/products', {
    headers: ADMIN,
    body: {
      sku: `P-${uuid()}`,
      name: 'Euro mug',
      description: 'A mug',
      priceCents: 700,
      currency: 'EUR',
      stock: 50,
    },
  })
).json;
await call('create no token', 'POST', '/products', {
  body: { sku: 'X', name: 'x', priceCents: 1, currency: 'USD', stock: 1 },
});
await call('create wrong token', 'POST', '/products', {
  headers: { authorization: 'Bearer nope-nope-nope-nope' },
  body: { sku: 'X', name: 'x', priceCents: 1, currency: 'USD', stock: 1 },
});
await call('create duplicate sku', 'POST', '/products', {
  headers: ADMIN,
  body: { sku: p1.sku, name: 'dup', priceCents: 1, currency: 'USD', stock: 1 },
});
await call('create invalid', 'POST', '/products', {
  headers: ADMIN,
  body: { sku: 'X', priceCents: 1.5, currency: 'usd', stock: -1 },
});
await call('create extra field', 'POST', '/products', {
  headers: ADMIN,
  body: { sku: 'X2', name: 'x', priceCents: 1, currency: 'USD', stock: 1, isAdmin: true },
});
await call('create malformed', 'POST', '/products', {
  headers: { ...ADMIN, 'content-type': 'application/json' },
  raw: '{"sku":',
});
await call('create text/plain', 'POST', '/products', {
  headers: { ...ADMIN, 'content-type': 'text/plain' },
  raw: 'hello',
});
await call('create too large', 'POST', '/products', {
  headers: ADMIN,
  body: { sku: 'X', name: 'x'.repeat(110_000) },
});
await call('list', 'GET', '/products?limit=5&offset=0');
await call('list limit=abc', 'GET', '/products?limit=abc');
await call('list limit=0', 'GET', '/products?limit=0');
await call('get product', 'GET', `/products/${p1.id}`);
await call('get product 404', 'GET', `/products/${MISSING}`);
await call('get product bad id', 'GET', '/products/not-a-uuid');
await call('get product over-long id', 'GET', `/products/${'a'.repeat(200)}`);
await call('update product', 'PATCH', `/products/${p1.id}`, {
  headers: ADMIN,
  body: { version: p1.version, name: 'Prism tee v2' },
});
await call('update stale', 'PATCH', `/products/${p1.id}`, {
  headers: ADMIN,
  body: { version: p1.version, name: 'stale' },
});
await call('update 404', 'PATCH', `/products/${MISSING}`, { headers: ADMIN, body: { version: 1 } });
await call('update invalid', 'PATCH', `/products/${p1.id}`, {
  headers: ADMIN,
  body: { version: 'x' },
});
await call('update no token', 'PATCH', `/products/${p1.id}`, { body: { version: 2 } });

const cart = (
  await call('create cart', 'POST', '/cart', {
    body: { items: [{ productId: p1.id, quantity: 1 }] },
  })
).json;
const empty = (await call('create empty cart', 'POST', '/cart', { body: { items: [] } })).json;
const short = (
  await call('create short cart', 'POST', '/cart', {
    body: { items: [{ productId: p2.id, quantity: 3 }] },
  })
).json;
await call('create cart no body', 'POST', '/cart');
await call('create cart unknown product', 'POST', '/cart', {
  body: { items: [{ productId: MISSING, quantity: 1 }] },
});
await call('create cart currency mismatch', 'POST', '/cart', {
  body: {
    items: [
      { productId: p1.id, quantity: 1 },
      { productId: eur.id, quantity: 1 },
    ],
  },
});
await call('create cart 101 lines', 'POST', '/cart', {
  body: { items: Array.from({ length: 101 }, () => ({ productId: uuid(), quantity: 1 })) },
});
await call('create cart duplicate', 'POST', '/cart', {
  body: {
    items: [
      { productId: p1.id, quantity: 1 },
      { productId: p1.id.toUpperCase(), quantity: 1 },
    ],
  },
});
await call('create cart form', 'POST', '/cart', {
  headers: { 'content-type': 'application/x-www-form-urlencoded' },
  raw: 'items=1',
});
await call('get cart', 'GET', `/cart/${cart.id}`);
await call('get cart 404', 'GET', `/cart/${MISSING}`);
await call('get cart bad id', 'GET', '/cart/123');
const set = (
  await call('set item', 'PUT', `/cart/${cart.id}/items/${p1.id}`, {
    body: { quantity: 2, version: cart.version },
  })
).json;
await call('set item stale', 'PUT', `/cart/${cart.id}/items/${p1.id}`, {
  body: { quantity: 3, version: cart.version },
});
await call('set item currency mismatch', 'PUT', `/cart/${cart.id}/items/${eur.id}`, {
  body: { quantity: 1, version: set.version },
});
await call('set item unknown product', 'PUT', `/cart/${cart.id}/items/${MISSING}`, {
  body: { quantity: 1, version: set.version },
});
await call('set item unknown cart', 'PUT', `/cart/${MISSING}/items/${p1.id}`, {
  body: { quantity: 1, version: 1 },
});
await call('set item invalid', 'PUT', `/cart/${cart.id}/items/${p1.id}`, {
  body: { quantity: -1 },
});

const key = uuid();
const order = (
  await call('checkout', 'POST', '/checkout', {
    headers: { 'idempotency-key': key },
    body: { productId: eur.id, quantity: 1 },
  })
).json;
await call('checkout replay', 'POST', '/checkout', {
  headers: { 'idempotency-key': key },
  body: { productId: eur.id, quantity: 1 },
});
await call('checkout key reused', 'POST', '/checkout', {
  headers: { 'idempotency-key': key },
  body: { productId: eur.id, quantity: 2 },
});
await call('checkout key reused on the cart route', 'POST', `/cart/${cart.id}/checkout`, {
  headers: { 'idempotency-key': key },
});
await call('checkout bad key', 'POST', '/checkout', {
  headers: { 'idempotency-key': 'a b' },
  body: { productId: eur.id, quantity: 1 },
});
await call('checkout 404', 'POST', '/checkout', { body: { productId: MISSING, quantity: 1 } });
await call('checkout out of stock', 'POST', '/checkout', {
  body: { productId: p2.id, quantity: 4 },
});
await call('checkout version conflict', 'POST', '/checkout', {
  body: { productId: eur.id, quantity: 1, expectedVersion: 1 },
});
await call('checkout invalid', 'POST', '/checkout', { body: { productId: eur.id, quantity: 1.5 } });
await call('checkout malformed', 'POST', '/checkout', {
  headers: { 'content-type': 'application/json' },
  raw: '{',
});
await call('checkout text/plain', 'POST', '/checkout', {
  headers: { 'content-type': 'text/plain' },
  raw: 'x',
});
await call('checkout too large', 'POST', '/checkout', {
  body: { productId: eur.id, quantity: 1, pad: 'x'.repeat(110_000) },
});
const same = uuid();
await Promise.all(
  Array.from({ length: 20 }, () =>
    call('checkout same key concurrently', 'POST', '/checkout', {
      headers: { 'idempotency-key': same },
      body: { productId: eur.id, quantity: 1 },
    }),
  ),
);
await call('get order', 'GET', `/orders/${order.id}`);
await call('get order 404', 'GET', `/orders/${MISSING}`);
await call('get order bad id', 'GET', '/orders/x');

await call('cart checkout with {}', 'POST', `/cart/${cart.id}/checkout`, { body: {} });
await call('cart checkout text/plain', 'POST', `/cart/${cart.id}/checkout`, {
  headers: { 'content-type': 'text/plain' },
  raw: 'x',
});
await call('cart checkout malformed', 'POST', `/cart/${cart.id}/checkout`, {
  headers: { 'content-type': 'application/json' },
  raw: '{',
});
await call('cart checkout too large', 'POST', `/cart/${cart.id}/checkout`, {
  body: { pad: 'x'.repeat(110_000) },
});
const cartKey = uuid();
await Promise.all(
  Array.from({ length: 10 }, () =>
    call('cart checkout same key concurrently', 'POST', `/cart/${cart.id}/checkout`, {
      headers: { 'idempotency-key': cartKey },
    }),
  ),
);
await call('cart checkout again', 'POST', `/cart/${cart.id}/checkout`);
await call('cart checkout empty', 'POST', `/cart/${empty.id}/checkout`);
await call('cart checkout short', 'POST', `/cart/${short.id}/checkout`, { body: undefined });
await call('cart checkout short (p2 bought out first)', 'POST', '/checkout', {
  body: { productId: p2.id, quantity: 1 },
});
await call('cart checkout short', 'POST', `/cart/${short.id}/checkout`);
await call('cart checkout 404', 'POST', `/cart/${MISSING}/checkout`);
// Rate limit: a burst of checkouts.
for (let i = 0; i < 70; i++) {
  const r = await call('checkout burst', 'POST', '/checkout', {
    body: { productId: MISSING, quantity: 1 },
  });
  if (r.status === 429) break;
}
if (process.env.OUTAGE) {
  const { execSync } = await import('node:child_process');
  execSync(
    `psql -h 127.0.0.1 -U postgres -c "ALTER DATABASE ${DATABASE} ALLOW_CONNECTIONS false" -c "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '${DATABASE}'"`,
    { stdio: 'ignore' },
  );
  await new Promise((r) => setTimeout(r, 500));
  for (const [name, method, path, body] of [
    ['outage ready', 'GET', '/health/ready'],
    ['outage list', 'GET', '/products'],
    ['outage get', 'GET', `/products/${p1.id}`],
    ['outage checkout', 'POST', '/checkout', { productId: eur.id, quantity: 1 }],
    ['outage cart', 'POST', '/cart', { items: [] }],
    ['outage order', 'GET', `/orders/${order.id}`],
  ])
    await call(name, method, path, { body });
  execSync(`psql -h 127.0.0.1 -U postgres -c "ALTER DATABASE ${DATABASE} ALLOW_CONNECTIONS true"`, {
    stdio: 'ignore',
  });
}
const counts = {};
for (const r of results)
  counts[`${r.name} -> ${r.status}${r.code ? ' ' + r.code : ''}`] =
    (counts[`${r.name} -> ${r.status}${r.code ? ' ' + r.code : ''}`] ?? 0) + 1;
console.log(JSON.stringify(counts, null, 1));
console.log(`requests: ${results.length}`);
const statuses = new Set(results.map((r) => r.status));
console.log('statuses:', [...statuses].sort().join(' '));
