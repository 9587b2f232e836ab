// Loads the component tests (`src/**/*.test.ts`) on demand and runs one file at a time; driven by
// test/browser/components.spec.ts through `window.componentTests`.
import { cleanup, takeTests } from './harness.js';

export interface TestResult {
  name: string;
  ok: boolean;
  ms: number;
  error?: string;
}

const files = import.meta.glob('../**/*.test.ts');

/** Longest a single test may take; a hung test fails alone instead of stalling its file. */
const TEST_TIMEOUT_MS = 5000;

function withTimeout(work: Promise<void>, name: string): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`"${name}" took longer than ${TEST_TIMEOUT_MS} ms`)),
      TEST_TIMEOUT_MS,
    );
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

/** "src/components/x/x.test.ts" for "../components/x/x.test.ts". */
const toFile = (key: string) => key.replace(/^\.\.\//, 'src/');

async function run(file: string): Promise<TestResult[]> {
  const key = Object.keys(files).find((k) => toFile(k) === file);
  if (!key)
    throw new Error(`No test file ${file}; known: ${Object.keys(files).map(toFile).join(', ')}`);
  await files[key]();
  const results: TestResult[] = [];
  for (const { name, fn } of takeTests()) {
    const started = performance.now();
    try {
      await withTimeout(Promise.resolve().then(fn), name);
      results.push({ name, ok: true, ms: performance.now() - started });
    } catch (error) {
      const message = error instanceof Error ? (error.stack ?? error.message) : String(error);
      results.push({ name, ok: false, ms: performance.now() - started, error: message });
    } finally {
      cleanup();
      history.replaceState(null, '', location.pathname + location.search);
      localStorage.clear();
    }
  }
  return results;
}

const api = { files: Object.keys(files).map(toFile), run };

declare global {
  interface Window {
    componentTests?: typeof api;
  }
}

window.componentTests = api;
