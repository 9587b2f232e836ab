import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import * as sdk from '../../client/sdk/src/index';
import { createApp } from '../../src/app/app';
import { loadConfig } from '../../src/common/config';
import { checkResponsesOf } from './contract-setup';
import { createTestDatabase, type TestDatabase } from './database';

export const ADMIN_TOKEN = 'test-admin-token-0123456789';

export interface TestApp {
  app: NestFastifyApplication;
  /** Base URL of the app listening on a free port, e.g. http://127.0.0.1:40123 */
  baseUrl: string;
  db: TestDatabase;
  /** The SDK as a shopper uses it, and as the admin (with the admin token). */
  shopper: sdk.Client;
  admin: sdk.Client;
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
    // The concurrency tests buy far faster than any one shopper; rate-limit.spec.ts turns it on.
    RATE_LIMIT_CHECKOUT_PER_MINUTE: '0',
    RATE_LIMIT_CARTS_PER_MINUTE: '0',
    ...options.env,
  });
  const app = await createApp(config, db.url, { silent: true });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const baseUrl = await app.getUrl();
  // Every response from it is checked against openapi/openapi.json (contract-setup.ts).
  checkResponsesOf(baseUrl);
  return {
    app,
    baseUrl,
    db,
    shopper: sdk.createStoreClient({ baseUrl }),
    admin: sdk.createStoreClient({ baseUrl, adminToken: ADMIN_TOKEN }),
    close: async () => {
      await app.close();
      if (!options.db) await db.drop();
    },
  };
}

export interface ApiResponse<T = unknown> {
  status: number;
  contentType: string | null;
  headers: Headers;
  body: T;
}

/**
 * A JSON request over real HTTP, for what the SDK hides or refuses to send (malformed input, exact
 * statuses and headers); the response is checked against the document on the way. Name the body's
 * type `T` only where the document fixes it.
 */
export async function api<T = unknown>(
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
  const contentType = response.headers.get('content-type');
  return {
    status: response.status,
    contentType,
    headers: response.headers,
    body: (text && /json/.test(contentType ?? '') ? JSON.parse(text) : text || undefined) as T,
  };
}

/** What an SDK call resolves to: the parsed body as `data` or `error`, and the response. */
export interface SdkResult {
  data?: unknown;
  error?: unknown;
  response?: Response;
}

/** The status, media type and body of a raw response or of an SDK call's result. */
function received(response: ApiResponse | SdkResult): ApiResponse {
  if ('status' in response) return response;
  const raw = response.response;
  if (!raw) throw new Error(`no response: ${JSON.stringify(response.error)}`);
  return {
    status: raw.status,
    contentType: raw.headers.get('content-type'),
    headers: raw.headers,
    body: response.error ?? response.data,
  };
}

/** The HTTP status of a raw response or of an SDK call's result. */
export const statusOf = (response: ApiResponse | SdkResult): number => received(response).status;

/**
 * Asserts an RFC 9457 problem response (raw, or an SDK call's result): the status, the media
 * type, the members every problem carries, and the stable `code`. Returns the body for further
 * checks.
 */
export function expectProblem(
  response: ApiResponse | SdkResult,
  status: number,
  code: sdk.ErrorCode,
): sdk.ProblemDetailsDto {
  const { status: actual, contentType, body } = received(response);
  expect({ status: actual, body }).toMatchObject({ status, body: { status, code } });
  expect(contentType).toMatch(/^application\/problem\+json/);
  expect(body).toEqual(
    expect.objectContaining({
      type: expect.any(String),
      title: expect.any(String),
      detail: expect.any(String),
    }),
  );
  const problem = body as sdk.ProblemDetailsDto;
  if (code === 'VALIDATION_FAILED') {
    expect(problem.errors).toEqual(
      expect.arrayContaining([{ field: expect.any(String), message: expect.any(String) }]),
    );
  }
  return problem;
}

/** Creates a cart through the SDK and returns it. */
export async function createCart(
  baseUrl: string,
  items: sdk.CartLineInput[],
): Promise<sdk.CartDto> {
  const client = sdk.createStoreClient({ baseUrl });
  const { data, error } = await sdk.createCart({ client, body: { items } });
  if (!data) throw new Error(`create cart: ${JSON.stringify(error)}`);
  return data;
}

/** How many responses had each status, e.g. `{ 201: 100, 409: 200 }`. */
export function countStatuses(responses: (ApiResponse | SdkResult)[]): Record<number, number> {
  const counts: Record<number, number> = {};
  for (const status of responses.map(statusOf)) counts[status] = (counts[status] ?? 0) + 1;
  return counts;
}

export const adminHeaders = { authorization: `Bearer ${ADMIN_TOKEN}` };

let skuCounter = 0;

/** Creates a product through the SDK as the admin and returns it. */
export async function createProduct(
  baseUrl: string,
  overrides: Partial<sdk.CreateProductDto> = {},
): Promise<sdk.ProductDto> {
  const client = sdk.createStoreClient({ baseUrl, adminToken: ADMIN_TOKEN });
  const { data, error } = await sdk.createProduct({
    client,
    body: {
      sku: `SKU-${process.pid}-${++skuCounter}`,
      name: `Product ${skuCounter}`,
      priceCents: 1000,
      currency: 'USD',
      stock: 10,
      ...overrides,
    },
  });
  if (!data) throw new Error(`create product: ${JSON.stringify(error)}`);
  return data;
}
