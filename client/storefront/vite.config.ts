// The storefront's build and dev server. Works from any working directory, e.g. from the repo root:
//   vite build --config client/storefront/vite.config.ts    (writes client/storefront/dist)
//   vite --config client/storefront/vite.config.ts          (dev server, API proxied to :3000)
import type { ServerResponse } from 'node:http';
import { fileURLToPath } from 'node:url';
import { defineConfig, type ProxyOptions } from 'vite';

const root = fileURLToPath(new URL('.', import.meta.url));

/** Where the dev server forwards API calls; `STORE_API_URL` overrides it. */
const apiTarget = process.env.STORE_API_URL ?? 'http://localhost:3000';

/** The API's paths; everything else is the storefront. */
const API_PATHS = ['/products', '/cart', '/checkout', '/orders', '/health', '/docs', '/images'];

const apiProxy: ProxyOptions = {
  target: apiTarget,
  // The stock stream (`/products/events`) is long-lived: no timeout, and the upstream request is
  // ended as soon as the browser goes away. The proxy pipes bytes as they come, so events are not
  // buffered (nothing here compresses or collects the body).
  timeout: 0,
  proxyTimeout: 0,
  configure(proxy) {
    proxy.on('proxyReq', (proxyRequest, _request, response: ServerResponse) => {
      response.on('close', () => proxyRequest.destroy());
    });
  },
};

export default defineConfig({
  root,
  // Vite's dependency cache with the repository's other tooling, not in a node_modules of its own.
  cacheDir: fileURLToPath(new URL('../../node_modules/.vite/storefront', import.meta.url)),
  // Relative asset URLs, so the same build works wherever it is served.
  base: './',
  build: { outDir: 'dist', emptyOutDir: true, target: 'es2022' },
  // Scan every module up front, so the dev server never discovers a dependency late and
  // re-optimizes mid-session (that would load a second copy of Lit into an open page). The tests
  // are not the app's: Vitest scans them (and their own dependencies) for its own server.
  optimizeDeps: { entries: ['index.html', 'src/**/*.ts', '!src/**/*.test.ts', '!src/testing/**'] },
  server: { proxy: Object.fromEntries(API_PATHS.map((path) => [path, apiProxy])) },
  preview: { proxy: Object.fromEntries(API_PATHS.map((path) => [path, apiProxy])) },
});
