import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { createApp } from '../../src/app';
import { loadConfig } from '../../src/common/config';
import { createTestDatabase, type TestDatabase } from './database';

export const ADMIN_TOKEN = 'test-admin-token-0123456789';

export interface TestApp {
  app: NestFastifyApplication;
  /** Base URL of the app listening on a free port, e.g. http://127.0.0.1:40123 */
  baseUrl: string;
  db: TestDatabase;
  close(): Promise<void>;
}

export interface TestAppOptions {
  env?: Record<string, string>;
  /** Share a database with another instance instead of creating one. */
  db?: TestDatabase;
}

/** The real application on a real database of its own, listening on a free port. */
export async function startTestApp(options: TestAppOptions = {}): Promise<TestApp> {
  const db = options.db ?? (await createTestDatabase());
  const config = loadConfig({
    ADMIN_TOKEN,
    SEED_DEMO_DATA: 'false',
    ...options.env,
  });
  const app = await createApp(config, db.url, { logger: false });
  await app.listen({ port: 0, host: '127.0.0.1' });
  return {
    app,
    baseUrl: await app.getUrl(),
    db,
    close: async () => {
      await app.close();
      if (!options.db) await db.drop();
    },
  };
}

export interface ApiResponse<T = any> {
  status: number;
  contentType: string | null;
  body: T;
}

/** A JSON request over real HTTP. */
export async function api<T = any>(
  baseUrl: string,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<ApiResponse<T>> {
  const response = await fetch(baseUrl + path, {
    method,
    headers: body === undefined ? headers : { 'content-type': 'application/json', ...headers },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await response.text();
  return {
    status: response.status,
    contentType: response.headers.get('content-type'),
    body: text ? JSON.parse(text) : undefined,
  };
}

export const adminHeaders = { authorization: `Bearer ${ADMIN_TOKEN}` };

let skuCounter = 0;

/** Creates a product through the admin API and returns it. */
export async function createProduct(
  baseUrl: string,
  overrides: Partial<{
    sku: string;
    name: string;
    priceCents: number;
    currency: string;
    stock: number;
  }> = {},
) {
  const response = await api(
    baseUrl,
    'POST',
    '/products',
    {
      sku: `SKU-${process.pid}-${++skuCounter}`,
      name: `Product ${skuCounter}`,
      priceCents: 1000,
      currency: 'USD',
      stock: 10,
      ...overrides,
    },
    adminHeaders,
  );
  if (response.status !== 201) throw new Error(`create product: ${JSON.stringify(response.body)}`);
  return response.body as { id: string; stock: number; version: number; priceCents: number };
}
