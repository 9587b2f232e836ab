/**
 * Jest setup file: every response a test receives through `fetch` from a service under test
 * (registered by `startTestApp` and `spawnService`) is checked against openapi/openapi.json
 * before the test sees it, so no test can skip the check: `api()`, the SDK (which calls the
 * global fetch) and raw `fetch` calls alike. A response the document does not allow makes the
 * fetch reject with the list of violations.
 */
import { assertConforms } from './contract';

const services: Set<string> = ((globalThis as any).__contractServices ??= new Set<string>());

/** Checks every later response from `baseUrl` against the document. */
export function checkResponsesOf(baseUrl: string): void {
  services.add(new URL(baseUrl).origin);
}

const original: typeof fetch = (globalThis as any).__contractOriginalFetch ?? globalThis.fetch;
(globalThis as any).__contractOriginalFetch = original;

async function checkedFetch(input: RequestInfo | URL, init?: RequestInit): Promise<Response> {
  // (Not `new Request(input, init)`: that would consume the body of a Request passed in.)
  const method = (input instanceof Request ? input.method : (init?.method ?? 'GET')).toUpperCase();
  const url = new URL(input instanceof Request ? input.url : String(input));
  const response = await original(input, init);
  if (!services.has(url.origin)) return response;
  const headers = Object.fromEntries(response.headers.entries());
  // A stream (Server-Sent Events) is checked by status and headers only.
  const streamed = /^text\/event-stream/.test(headers['content-type'] ?? '');
  await assertConforms({
    method,
    url: url.pathname + url.search,
    status: response.status,
    headers,
    text: streamed || method === 'HEAD' ? undefined : await response.clone().text(),
  });
  return response;
}

globalThis.fetch = checkedFetch as typeof fetch;
