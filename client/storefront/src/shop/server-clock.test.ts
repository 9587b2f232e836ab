import { describe, expect, it } from 'vitest';
import { ServerClock, offsetOf, systemClock } from './server-clock.js';

/** A ServerClock on a shopper's clock that the test sets. */
function arrange(localStart = 1_000_000) {
  let local = localStart;
  const clock = new ServerClock(() => local);
  return {
    clock,
    setLocal: (ms: number) => void (local = ms),
    /** One reading: the request left at `sentAt`, came back `roundTrip` later, and the service
     *  read its clock (`serverAhead` ms ahead of the shopper's) in the middle. */
    read(serverAhead: number, sentAt: number, roundTrip: number) {
      const serverTime = sentAt + roundTrip / 2 + serverAhead;
      clock.observe(new Date(serverTime).toISOString(), sentAt, sentAt + roundTrip);
    },
  };
}

describe('offsetOf', () => {
  it('takes the service as having read its clock in the middle of the round trip', () => {
    expect(offsetOf({ serverTime: 10_500, sentAt: 1000, receivedAt: 2000 })).toBe(9000);
    expect(offsetOf({ serverTime: 1000, sentAt: 1000, receivedAt: 1000 })).toBe(0);
    expect(offsetOf({ serverTime: 500, sentAt: 1000, receivedAt: 1200 })).toBe(-600);
  });
});

describe('ServerClock', () => {
  it("is the shopper's clock until the first reading", () => {
    const { clock, setLocal } = arrange();
    expect(clock.synced).toBe(false);
    expect(clock.offsetMs).toBe(0);
    expect(clock.now()).toBe(1_000_000);
    setLocal(1_000_250);
    expect(clock.now()).toBe(1_000_250);
    expect(clock.local()).toBe(1_000_250);
  });

  it("runs ahead or behind by the service's offset, read from serverTime (ISO or ms)", () => {
    const { clock, setLocal } = arrange();
    clock.observe('1970-01-01T00:21:40.100Z', 1_000_000, 1_000_200); // 1_300_100
    expect(clock.synced).toBe(true);
    expect(clock.offsetMs).toBe(300_000);
    setLocal(1_005_000);
    expect(clock.now()).toBe(1_305_000);
    expect(clock.local()).toBe(1_005_000);

    const behind = new ServerClock(() => 50_000);
    behind.observe(40_000, 49_900, 50_100);
    expect(behind.offsetMs).toBe(-10_000);
    expect(behind.now()).toBe(40_000);
  });

  it('trusts the reading with the shortest round trip among the last few', () => {
    const { clock, read } = arrange();
    read(5000, 1_000_000, 800); // within 400 ms of the truth
    expect(clock.offsetMs).toBe(5000);
    read(5300, 1_010_000, 60); // within 30 ms: this one wins
    expect(clock.offsetMs).toBe(5300);
    read(4900, 1_020_000, 900); // looser again: ignored while the tight one is kept
    read(5500, 1_030_000, 1000);
    expect(clock.offsetMs).toBe(5300);
    // Of equally tight readings, the latest.
    read(5310, 1_040_000, 60);
    expect(clock.offsetMs).toBe(5310);
  });

  it('forgets old readings: after five more, the tight one no longer counts', () => {
    const { clock, read } = arrange();
    read(5000, 1_000_000, 20);
    for (let i = 1; i <= 4; i++) read(5200 + i, 1_000_000 + i * 10_000, 900 - i * 100);
    expect(clock.offsetMs).toBe(5000);
    read(5400, 1_100_000, 700); // the sixth: the first drops out
    // Left: round trips 800, 700, 600, 500, 700; the 500 ms one (offset 5204) wins.
    expect(clock.offsetMs).toBe(5204);
  });

  it("starts afresh when a reading is far off the others: the shopper's clock was changed", () => {
    const { clock, read } = arrange();
    read(5000, 1_000_000, 20); // tight
    read(5100, 1_010_000, 400);
    expect(clock.offsetMs).toBe(5000);
    // The shopper set their clock back an hour: the offset now looks an hour larger, and this
    // reading, though looser, replaces every earlier one.
    read(3_605_000, 1_020_000, 500);
    expect(clock.offsetMs).toBe(3_605_000);
    read(3_605_050, 1_030_000, 600); // agrees, but looser: the new one stays
    expect(clock.offsetMs).toBe(3_605_000);
  });

  it('takes a difference within both round trips (plus a second) as noise, not a jump', () => {
    const { clock, read } = arrange();
    read(5000, 1_000_000, 20);
    read(5000 + 1000 + 200, 1_010_000, 380); // off by 1200 ms; allowed 200 + 1000
    expect(clock.offsetMs).toBe(5000);
    read(5000 + 1000 + 250, 1_020_000, 400); // off by 1250 ms; allowed 1210: a jump
    expect(clock.offsetMs).toBe(6250);
  });

  it('ignores readings it cannot use', () => {
    const { clock } = arrange();
    clock.observe('not a time', 1_000_000, 1_000_100);
    clock.observe(5_000_000, 1_000_100, 1_000_000); // came back before it left
    expect(clock.synced).toBe(false);
    expect(clock.offsetMs).toBe(0);
  });

  it('the system clock is the shopper’s own', () => {
    const before = Date.now();
    const now = systemClock.now();
    expect(now).toBeGreaterThanOrEqual(before);
    expect(now).toBeLessThanOrEqual(Date.now());
  });
});
