// The catalogue is answered from memory only while the stock feed is live: with the database
// gone it answers 503 DATABASE_UNAVAILABLE as before, and once the database is back it shows
// the database again, changes made behind the service's back included.
import { setTimeout as sleep } from 'node:timers/promises';
import { Client } from 'pg';
import { adminHeaders } from '../support/app';
import { type OwnPostgres, startOwnPostgres } from '../support/postgres-server';
import { spawnService, type ServiceProcess } from '../support/service-process';

async function get(url: string): Promise<{ status: number; retryAfter: string | null; body: any }> {
  try {
    const response = await fetch(url);
    const text = await response.text();
    return {
      status: response.status,
      retryAfter: response.headers.get('retry-after'),
      body: text ? JSON.parse(text) : undefined,
    };
  } catch {
    return { status: 0, retryAfter: null, body: undefined };
  }
}

/** Polls `url` (bounded) until `done` holds for its answer; returns that answer. */
async function until(url: string, done: (answer: Awaited<ReturnType<typeof get>>) => boolean) {
  let answer = await get(url);
  for (let i = 0; i < 300 && !done(answer); i++) {
    await sleep(100);
    answer = await get(url);
  }
  return answer;
}

async function sql(url: string, text: string, params: unknown[] = []): Promise<void> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(text, params);
  } finally {
    await client.end();
  }
}

describe('the catalogue while the database is away', () => {
  let pg: OwnPostgres;
  let service: ServiceProcess;

  beforeAll(async () => {
    pg = await startOwnPostgres();
    service = await spawnService(pg.url);
  }, 120_000);

  afterAll(async () => {
    if (service && service.child.exitCode === null) {
      service.child.kill('SIGTERM');
      await service.exited;
    }
    await pg?.destroy();
  });

  it('answers 503 with Retry-After while it is down, and the database again after', async () => {
    const created = await fetch(`${service.baseUrl}/products`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...adminHeaders },
      body: JSON.stringify({
        sku: 'OUTAGE-CAT',
        name: 'Kept',
        priceCents: 100,
        currency: 'USD',
        stock: 5,
      }),
    });
    expect(created.status).toBe(201);
    const { id } = (await created.json()) as { id: string };
    const list = `${service.baseUrl}/products?limit=10`;
    const one = `${service.baseUrl}/products/${id}`;
    expect((await get(list)).status).toBe(200);

    await pg.stop();
    try {
      for (const url of [list, one]) {
        const down = await until(url, (answer) => answer.status === 503);
        expect(down.status).toBe(503);
        expect(down.body.code).toBe('DATABASE_UNAVAILABLE');
        expect(down.retryAfter).toMatch(/^\d+$/);
      }
    } finally {
      await pg.start();
    }

    // A change made straight in the database, once it is back, shows in the catalogue.
    const back = await until(one, (answer) => answer.status === 200);
    expect(back.status).toBe(200);
    await sql(
      pg.url,
      `update products set name = 'Renamed', stock = 3, version = version + 1 where id = $1`,
      [id],
    );
    const renamed = await until(list, (answer) => answer.body?.items?.[0]?.name === 'Renamed');
    expect(renamed.body.items[0]).toMatchObject({ id, name: 'Renamed', stock: 3, version: 2 });
    expect((await get(one)).body).toMatchObject({ name: 'Renamed', stock: 3, version: 2 });
  }, 120_000);
});
