// Runs before every component-test file (see `setupFiles` in ../../vitest.config.ts): each test
// starts with no mounted fixture, no URL hash, empty localStorage and sessionStorage (the
// shopper's email), and real timers; and fails if the FakeStore answered anything that
// openapi/openapi.json does not allow (contract.ts), even where the page swallowed the error.
import { afterEach, vi } from 'vitest';
import { takeViolations } from './contract.js';
import { cleanup } from './dom.js';

afterEach(() => {
  cleanup();
  history.replaceState(null, '', location.pathname + location.search);
  localStorage.clear();
  sessionStorage.clear();
  vi.useRealTimers();
  const violations = takeViolations();
  if (violations.length > 0) throw new Error(violations.join('\n\n'));
});
