// The Flash Store SDK: the generated operations and types, plus a few hand-written helpers and
// the API's rules a client may apply itself (rules.ts).
import { createClient, createConfig, type Client } from './generated/client/index.js';
import type { ErrorCode, ProblemDetailsDto } from './generated/types.gen.js';

export * from './generated/index.js';
export type { Client } from './generated/client/index.js';
export * from './rules.js';

export interface StoreClientOptions {
  /** Where the API is served, e.g. `https://store.example.com` or `http://localhost:3000`. */
  baseUrl: string;
  /** The admin bearer token, for the admin operations (createProduct, updateProduct). */
  adminToken?: string;
  /** A fetch implementation; defaults to the global one. */
  fetch?: typeof fetch;
}

/** A client to pass as `client` to every operation. */
export function createStoreClient({ baseUrl, adminToken, fetch }: StoreClientOptions): Client {
  return createClient(
    createConfig({
      baseUrl,
      fetch,
      auth: adminToken === undefined ? undefined : () => adminToken,
    }),
  );
}

/** True when `error` is a problem document from the API, optionally with one of `codes`. */
export function isProblem<C extends ErrorCode = ErrorCode>(
  error: unknown,
  ...codes: C[]
): error is ProblemDetailsDto & { code: C } {
  if (typeof error !== 'object' || error === null || !('code' in error)) return false;
  const { code } = error as { code: unknown };
  return codes.length === 0 || (codes as unknown[]).includes(code);
}
