// Runs before every component-test file (see `setupFiles` in ../../vitest.config.ts): each test
// starts with no mounted fixture, no URL hash and an empty localStorage.
import { afterEach } from 'vitest';
import { cleanup } from './dom.js';

afterEach(() => {
  cleanup();
  history.replaceState(null, '', location.pathname + location.search);
  localStorage.clear();
});
