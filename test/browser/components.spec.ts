// Component tests, in a real headless Chromium. What is real: the browser, Lit, the components, the
// Shop and the generated SDK. What is faked: the HTTP API (an in-memory FakeStore behind the SDK's
// `fetch` option) and, for the feed's own tests, EventSource. The tests live next to each component
// (client/storefront/src/**/*.test.ts); Vite's dev server serves them to a test page, and this
// spec runs each file there and reports each failing test by name.
import { globSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { describeInBrowser, launchBrowser } from './support/browser';
import { type DevServer, serveStorefront } from './support/vite';

const STOREFRONT = join(__dirname, '../../client/storefront');
const testFiles = globSync('src/**/*.test.ts', { cwd: STOREFRONT }).sort();

interface TestResult {
  name: string;
  ok: boolean;
  ms: number;
  error?: string;
}

describeInBrowser('storefront components (Chromium)', () => {
  let server: DevServer;
  let browser: Browser;
  let page: Page;
  const pageErrors: string[] = [];

  beforeAll(async () => {
    [server, browser] = await Promise.all([serveStorefront(), launchBrowser()]);
    const context = await browser.newContext({
      locale: 'en-US',
      timezoneId: 'UTC',
      viewport: { width: 1024, height: 768 },
    });
    page = await context.newPage();
    page.on('pageerror', (error) => pageErrors.push(error.message));
    const fixtures = page.locator('[data-test-fixture]');
    await page.exposeFunction('__pwPress', (key: string) => page.keyboard.press(key));
    await page.exposeFunction('__pwCountByRole', (role: any, name: string) =>
      fixtures.getByRole(role, { name, exact: true }).count(),
    );
    await page.exposeFunction('__pwAriaSnapshot', async () =>
      (await fixtures.count()) > 0 ? fixtures.first().ariaSnapshot() : '',
    );
    await page.goto(new URL('src/testing/component-tests.html', server.url).href);
    await page.waitForFunction(() => window.componentTests !== undefined);
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('finds the component tests', async () => {
    const served = await page.evaluate(() => window.componentTests!.files);
    expect([...served].sort()).toEqual(testFiles);
    expect(testFiles.length).toBeGreaterThanOrEqual(5);
  });

  it.each(testFiles)('%s', async (file) => {
    const results: TestResult[] = await page.evaluate((f) => window.componentTests!.run(f), file);
    const failed = results.filter((result) => !result.ok);
    const report = results
      .map(
        (r) =>
          `${r.ok ? '✓' : '✕'} ${r.name} (${Math.round(r.ms)} ms)${r.ok ? '' : `\n${r.error}`}`,
      )
      .join('\n');
    if (failed.length > 0 || pageErrors.length > 0) {
      throw new Error(
        `${failed.length} of ${results.length} failed in ${file}:\n${report}` +
          (pageErrors.length ? `\nUncaught in the page:\n${pageErrors.splice(0).join('\n')}` : ''),
      );
    }
    expect(results.length).toBeGreaterThan(0);
  });
});

declare global {
  interface Window {
    componentTests?: {
      files: string[];
      run(file: string): Promise<TestResult[]>;
    };
  }
}
