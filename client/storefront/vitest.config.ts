// The storefront's component tests: Vitest in browser mode, in Debian's Chromium through Vitest's
// Playwright provider (never a downloaded browser). From the repo root:
//   npm run test:components                  headless, once; exits non-zero on a failure
//   npm run test:components -- product-card  only the files whose path contains "product-card"
//   npx vitest --config client/storefront/vitest.config.ts    the same, re-run on every change
// A test file is any `src/**/*.test.ts`, next to what it tests; helpers are in src/testing/. The
// storefront's own Vite config serves the tests, so modules load as they do in the app.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { playwright } from '@vitest/browser-playwright';
import { defineConfig, mergeConfig } from 'vitest/config';
import storefront from './vite.config.js';

/** Debian's `chromium` package (`apt-get install -y chromium`); `CHROMIUM_PATH` overrides it. */
const chromium = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

// Like the Jest browser specs: without Chromium the tests are skipped on a developer's machine,
// and fail loudly in CI (`CI` set), where a missing browser is a broken setup.
const hasChromium = existsSync(chromium);
if (!hasChromium) {
  const hint = `no Chromium at ${chromium}: install it with "apt-get install -y chromium", or point CHROMIUM_PATH at one`;
  if (process.env.CI) throw new Error(`Component tests: ${hint}.`);
  process.stderr.write(`\n[component tests] skipped: ${hint}.\n`);
}

export default mergeConfig(
  // The storefront's Vite config, less the dev server's dependency scan: Vitest scans the test
  // files and their imports itself, so every dependency a test imports is bundled before the
  // first test runs instead of being found late, which would reload the page mid-run. The setup
  // file's own dependencies (Ajv, for the contract check) are not scanned: they are named here.
  { ...storefront, optimizeDeps: { include: ['ajv', 'ajv-formats'] } },
  defineConfig({
    test: {
      include: hasChromium ? ['src/**/*.test.ts'] : [],
      passWithNoTests: !hasChromium,
      setupFiles: ['src/testing/setup.ts'],
      testTimeout: 5_000,
      // Vitest's module cache with Vite's (see cacheDir), not in a node_modules of the storefront's.
      fsModuleCachePath: fileURLToPath(
        new URL('../../node_modules/.vitest-cache/storefront', import.meta.url),
      ),
      // Lit's development build (which Vite serves, with its extra checks) says so once per file.
      onConsoleLog: (log) => !log.includes('Lit is in dev mode'),
      browser: {
        enabled: true,
        headless: true,
        ui: false,
        viewport: { width: 1024, height: 768 },
        provider: playwright({
          launchOptions: {
            executablePath: chromium,
            args: [
              '--no-sandbox',
              '--disable-gpu',
              '--disable-background-networking',
              '--disable-component-update',
              '--disable-sync',
              '--no-first-run',
            ],
          },
          contextOptions: { locale: 'en-US', timezoneId: 'UTC' },
        }),
        instances: [{ browser: 'chromium' }],
      },
      // Screenshots of failed tests: client/storefront/test-output/ (ignored by git), inside the
      // root that Vite may write to.
      attachmentsDir: 'test-output',
    },
  }),
);
