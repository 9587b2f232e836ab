/** The storefront's pages, addressed by the URL's hash so that the API keeps every real path. */
export type Route =
  | { page: 'products' }
  | { page: 'cart' }
  | { page: 'order'; orderId: string }
  | { page: 'not-found'; hash: string };

export function parseRoute(hash: string): Route {
  const path = hash.replace(/^#/, '') || '/';
  if (path === '/') return { page: 'products' };
  if (path === '/cart') return { page: 'cart' };
  const order = /^\/orders\/([^/]+)$/.exec(path);
  if (order) return { page: 'order', orderId: decodeURIComponent(order[1]) };
  return { page: 'not-found', hash };
}

export function orderHash(orderId: string): string {
  return `#/orders/${encodeURIComponent(orderId)}`;
}
