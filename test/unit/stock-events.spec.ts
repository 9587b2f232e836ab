import {
  RECONNECT_BASE_MS,
  RECONNECT_MAX_MS,
  reconnectDelay,
} from '../../src/products/stock-events.service';

describe('the stock listener reconnect delay', () => {
  it('is full jitter under a ceiling that doubles from the base', () => {
    expect(reconnectDelay(0, () => 0.999)).toBeLessThanOrEqual(RECONNECT_BASE_MS);
    expect(reconnectDelay(3, () => 0.999)).toBeLessThanOrEqual(RECONNECT_BASE_MS * 8);
    expect(reconnectDelay(3, () => 0.999)).toBeGreaterThan(RECONNECT_BASE_MS * 4);
    expect(reconnectDelay(3, () => 0)).toBe(0);
  });

  it('never waits longer than the cap, however long the outage', () => {
    for (const attempt of [10, 50, 1000]) {
      expect(reconnectDelay(attempt, () => 0.999)).toBeLessThanOrEqual(RECONNECT_MAX_MS);
      expect(Number.isFinite(reconnectDelay(attempt))).toBe(true);
    }
  });
});
