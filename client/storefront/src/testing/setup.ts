// Runs before every component-test file (see `setupFiles` in ../../vitest.config.ts): each test
// starts with no mounted fixture, no URL hash, empty localStorage and sessionStorage (the
// shopper's email), and real timers.
import { afterEach, vi } from 'vitest';
import { cleanup } from './dom.js';

afterEach(() => {
  cleanup();
  history.replaceState(null, '', location.pathname + location.search);
  localStorage.clear();
  sessionStorage.clear();
  vi.useRealTimers();
});
