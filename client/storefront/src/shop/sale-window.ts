// Sale windows (drops) as the shopper sees them: countdowns and moments in words and digits. Pure
// functions, so that views and tests share them; the window's phase is the API's rule, from the
// SDK (`salePhase`, `untilPhaseChange`).

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/**
 * A countdown as a clock shows it: "0:42" and "12:05" under an hour, "3:04:05" under a day,
 * "2 days 5 h" (or "1 day 0 h") beyond. Rounds up, so that it reads "0:00" only at the moment
 * itself, and "0:01" during the last second.
 */
export function formatCountdown(ms: number): string {
  const { days, hours, minutes, seconds } = parts(ms);
  if (days > 0) return `${days} ${days === 1 ? 'day' : 'days'} ${hours} h`;
  const pad = (n: number) => String(n).padStart(2, '0');
  return hours > 0 ? `${hours}:${pad(minutes)}:${pad(seconds)}` : `${minutes}:${pad(seconds)}`;
}

/** The same countdown as an ISO 8601 duration, for `<time datetime>`: "PT42S", "P2DT5H". */
export function countdownDuration(ms: number): string {
  const { days, hours, minutes, seconds } = parts(ms);
  if (days > 0) return `P${days}DT${hours}H`;
  return `PT${hours > 0 ? `${hours}H` : ''}${hours > 0 || minutes > 0 ? `${minutes}M` : ''}${seconds}S`;
}

/** Whole days, hours, minutes and seconds in `ms`, rounded up to the second. */
function parts(ms: number) {
  const total = Math.ceil(Math.max(0, ms) / SECOND);
  return {
    days: Math.floor(total / 86_400),
    hours: Math.floor((total % 86_400) / 3600),
    minutes: Math.floor((total % 3600) / 60),
    seconds: total % 60,
  };
}

/**
 * Milliseconds until {@link formatCountdown} of a countdown now at `ms` shows something else: the
 * next whole second under a day, the next hour beyond. Always more than zero.
 */
export function countdownTick(ms: number): number {
  if (ms <= 0) return SECOND;
  // Rounded up to the second, "2 days 5 h" lasts until 2 days 4:59:59 is left, one second before
  // the whole hour.
  if (ms > DAY) return (ms + SECOND) % HOUR || HOUR;
  return ms % SECOND || SECOND;
}

/**
 * A wait in short words, for sentences: "42 s", "3 min 5 s", "2 h 5 min", "3 days 4 h".
 * Rounds up to the second.
 */
export function formatWait(ms: number): string {
  const seconds = Math.max(1, Math.ceil(ms / SECOND));
  if (seconds < 60) return `${seconds} s`;
  if (seconds < 3600) {
    const s = seconds % 60;
    return `${Math.floor(seconds / 60)} min${s ? ` ${s} s` : ''}`;
  }
  if (seconds < 86_400) {
    const m = Math.floor((seconds % 3600) / 60);
    return `${Math.floor(seconds / 3600)} h${m ? ` ${m} min` : ''}`;
  }
  const days = Math.floor(seconds / 86_400);
  const h = Math.floor((seconds % 86_400) / 3600);
  return `${days} ${days === 1 ? 'day' : 'days'}${h ? ` ${h} h` : ''}`;
}

/**
 * A moment as a shopper reads it, in their time zone, to follow "opens" or "ended": "at 20:00:00"
 * when it falls on the same day as `now`, "on Dec 12 at 20:00" otherwise.
 */
export function momentPhrase(iso: string, now: number, locale?: string): string {
  const moment = new Date(iso);
  const clock = (options: Intl.DateTimeFormatOptions) =>
    moment.toLocaleTimeString(locale, {
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
      ...options,
    });
  if (moment.toDateString() === new Date(now).toDateString()) {
    return `at ${clock({ second: '2-digit' })}`;
  }
  return `on ${moment.toLocaleDateString(locale, { month: 'short', day: 'numeric' })} at ${clock({})}`;
}
