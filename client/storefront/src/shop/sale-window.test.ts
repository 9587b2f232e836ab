import { describe, expect, it } from 'vitest';
import {
  countdownDuration,
  countdownTick,
  formatCountdown,
  formatWait,
  momentPhrase,
} from './sale-window.js';
import { salePhase, untilPhaseChange } from './sdk.js';

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

const START = '2026-12-12T20:00:00.000Z';
const END = '2026-12-12T22:00:00.000Z';
const start = Date.parse(START);
const end = Date.parse(END);
const drop = { saleStartsAt: START, saleEndsAt: END };

describe('salePhase', () => {
  it('is upcoming before the start, open from the start, ended from the end on', () => {
    expect(salePhase(drop, start - 1)).toBe('upcoming');
    expect(salePhase(drop, start)).toBe('open');
    expect(salePhase(drop, end - 1)).toBe('open');
    expect(salePhase(drop, end)).toBe('ended');
    expect(salePhase(drop, end + DAY)).toBe('ended');
  });

  it('a window open at one side (or none) bounds only that side', () => {
    expect(salePhase({ saleStartsAt: null, saleEndsAt: null }, 0)).toBe('open');
    expect(salePhase({ saleStartsAt: START, saleEndsAt: null }, start + 10 * DAY)).toBe('open');
    expect(salePhase({ saleStartsAt: START, saleEndsAt: null }, start - 1)).toBe('upcoming');
    expect(salePhase({ saleStartsAt: null, saleEndsAt: END }, 0)).toBe('open');
    expect(salePhase({ saleStartsAt: null, saleEndsAt: END }, end)).toBe('ended');
  });

  it('ignores a moment it cannot read', () => {
    expect(salePhase({ saleStartsAt: 'soon', saleEndsAt: 'later' }, start)).toBe('open');
  });
});

describe('untilPhaseChange', () => {
  it('counts to the start, then to the end, then never', () => {
    expect(untilPhaseChange(drop, start - 42 * SECOND)).toBe(42 * SECOND);
    expect(untilPhaseChange(drop, start)).toBe(2 * HOUR);
    expect(untilPhaseChange(drop, end - 1)).toBe(1);
    expect(untilPhaseChange(drop, end)).toBeUndefined();
    expect(untilPhaseChange({ saleStartsAt: null, saleEndsAt: null }, start)).toBeUndefined();
    expect(untilPhaseChange({ saleStartsAt: START, saleEndsAt: null }, start)).toBeUndefined();
  });
});

describe('formatCountdown', () => {
  it.each([
    [42 * SECOND, '0:42'],
    [12 * MINUTE + 5 * SECOND, '12:05'],
    [59 * MINUTE + 59 * SECOND, '59:59'],
    [HOUR, '1:00:00'],
    [3 * HOUR + 4 * MINUTE + 5 * SECOND, '3:04:05'],
    [DAY - SECOND, '23:59:59'],
    [DAY, '1 day 0 h'],
    [DAY + 59 * MINUTE, '1 day 0 h'],
    [2 * DAY + 5 * HOUR, '2 days 5 h'],
    [2 * DAY + 5 * HOUR + 59 * MINUTE + 59 * SECOND, '2 days 5 h'],
  ])('%i ms reads "%s"', (ms, text) => {
    expect(formatCountdown(ms)).toBe(text);
  });

  it('rounds up to the second: "0:00" only at the moment itself', () => {
    expect(formatCountdown(0)).toBe('0:00');
    expect(formatCountdown(-5 * SECOND)).toBe('0:00');
    expect(formatCountdown(1)).toBe('0:01');
    expect(formatCountdown(999)).toBe('0:01');
    expect(formatCountdown(SECOND)).toBe('0:01');
    expect(formatCountdown(SECOND + 1)).toBe('0:02');
    expect(formatCountdown(HOUR - 1)).toBe('1:00:00');
    expect(formatCountdown(DAY - 1)).toBe('1 day 0 h');
  });
});

describe('countdownDuration', () => {
  it.each([
    [0, 'PT0S'],
    [42 * SECOND, 'PT42S'],
    [42 * SECOND - 300, 'PT42S'],
    [12 * MINUTE + 5 * SECOND, 'PT12M5S'],
    [12 * MINUTE, 'PT12M0S'],
    [3 * HOUR + 4 * MINUTE + 5 * SECOND, 'PT3H4M5S'],
    [HOUR, 'PT1H0M0S'],
    [2 * DAY + 5 * HOUR, 'P2DT5H'],
    [DAY, 'P1DT0H'],
  ])('%i ms is %s', (ms, duration) => {
    expect(countdownDuration(ms)).toBe(duration);
  });

  it('is a valid ISO 8601 duration for every countdown', () => {
    const iso = /^P(\d+D)?T(\d+H)?(\d+M)?(\d+S)?$/;
    for (const ms of [1, 999, 59_999, HOUR + 1, DAY - 1, DAY + 1, 40 * DAY]) {
      expect(countdownDuration(ms)).toMatch(iso);
    }
  });
});

describe('countdownTick', () => {
  /** What a countdown at `ms` shows after waiting `wait`. */
  const after = (ms: number, wait: number) => formatCountdown(ms - wait);

  it('is the wait until the countdown shows something else, and not a millisecond more', () => {
    const samples = [
      42 * SECOND + 500,
      42 * SECOND,
      42 * SECOND + 1,
      12 * MINUTE + 5 * SECOND + 250,
      3 * HOUR + 0.5,
      DAY - 1,
      DAY,
      DAY + 1,
      DAY + 200,
      DAY + 30 * MINUTE,
      2 * DAY + 5 * HOUR,
      2 * DAY + 5 * HOUR + 1,
      2 * DAY + 5 * HOUR + 30 * MINUTE,
      2 * DAY + 5 * HOUR + 59 * MINUTE + 59 * SECOND + 999,
      9 * DAY + 17 * HOUR + 12 * MINUTE + 7 * SECOND + 3,
    ];
    for (const ms of samples) {
      const tick = countdownTick(ms);
      expect(tick, `tick at ${ms} ms`).toBeGreaterThan(0);
      expect(after(ms, tick), `after the tick from ${ms} ms`).not.toBe(formatCountdown(ms));
      expect(after(ms, tick - 1), `just before the tick from ${ms} ms`).toBe(formatCountdown(ms));
    }
  });

  it('ticks every second under a day, at most every hour beyond', () => {
    expect(countdownTick(42 * SECOND + 300)).toBe(300);
    expect(countdownTick(42 * SECOND)).toBe(SECOND);
    expect(countdownTick(3 * DAY)).toBeLessThanOrEqual(HOUR);
    expect(countdownTick(0)).toBe(SECOND);
    expect(countdownTick(-SECOND)).toBe(SECOND);
  });
});

describe('formatWait', () => {
  it.each([
    [42 * SECOND, '42 s'],
    [41 * SECOND + 1, '42 s'],
    [0, '1 s'],
    [3 * MINUTE + 5 * SECOND, '3 min 5 s'],
    [3 * MINUTE, '3 min'],
    [2 * HOUR + 5 * MINUTE, '2 h 5 min'],
    [2 * HOUR + 5 * MINUTE + 30 * SECOND, '2 h 5 min'],
    [2 * HOUR, '2 h'],
    [DAY, '1 day'],
    [3 * DAY + 4 * HOUR, '3 days 4 h'],
  ])('%i ms is "%s"', (ms, words) => {
    expect(formatWait(ms)).toBe(words);
  });
});

describe('momentPhrase', () => {
  // The component tests run in UTC (see vitest.config.ts).
  it('says the time to the second on the same day', () => {
    expect(momentPhrase(START, start - 42 * SECOND, 'en-US')).toBe('at 20:00:00');
    expect(momentPhrase('2026-12-12T09:05:07Z', start, 'en-US')).toBe('at 09:05:07');
  });

  it('says the date and the minute on another day', () => {
    expect(momentPhrase(START, start - 2 * DAY, 'en-US')).toBe('on Dec 12 at 20:00');
    expect(momentPhrase('2026-12-11T23:59:00Z', start, 'en-US')).toBe('on Dec 11 at 23:59');
  });
});
