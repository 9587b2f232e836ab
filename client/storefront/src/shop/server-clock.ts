/** Something that tells the time, in milliseconds since the epoch. */
export interface Clock {
  now(): number;
}

/** The shopper's own clock. */
export const systemClock: Clock = { now: () => Date.now() };

/** One reading of the service's clock: what it said, and when the request left and came back. */
export interface ClockSample {
  /** The service's clock (ms since the epoch) while it answered. */
  serverTime: number;
  /** The shopper's clock when the request was sent and when its answer arrived. */
  sentAt: number;
  receivedAt: number;
}

/**
 * How far the service's clock is ahead of the shopper's (negative: behind), from one reading. The
 * service read its clock somewhere between sending and receiving; the middle of the round trip is
 * the best guess, wrong by at most half the round trip.
 */
export function offsetOf({ serverTime, sentAt, receivedAt }: ClockSample): number {
  return serverTime - (sentAt + receivedAt) / 2;
}

/** Readings kept; the one with the shortest round trip among them is trusted. */
const SAMPLES_KEPT = 5;

/**
 * The service's clock as seen from the page. Sale windows are decided by the service's clock, so
 * countdowns must run on it, not on the shopper's (which may be minutes off). Each product page
 * carries `serverTime`; {@link ServerClock.observe} takes it with the request's send and receive
 * times, and {@link ServerClock.now} is the shopper's clock corrected by the estimated offset.
 *
 * Of the last few readings it trusts the one with the shortest round trip (the tightest bound).
 * When a new reading disagrees with that by more than both round trips allow, the shopper's clock
 * was changed meanwhile: the older readings are forgotten.
 */
export class ServerClock implements Clock {
  readonly #local: () => number;
  #samples: { offset: number; roundTrip: number }[] = [];
  #offset = 0;

  /** `local`: the shopper's clock (tests pass a fake one). */
  constructor(local: () => number = () => Date.now()) {
    this.#local = local;
  }

  /** The shopper's clock, uncorrected: to time requests with. */
  local(): number {
    return this.#local();
  }

  /** The service's time now, as best known. */
  now(): number {
    return this.#local() + this.#offset;
  }

  /** Estimated milliseconds the service's clock is ahead of the shopper's. */
  get offsetMs(): number {
    return this.#offset;
  }

  /** True once at least one reading was taken. */
  get synced(): boolean {
    return this.#samples.length > 0;
  }

  /** Takes one reading; `serverTime` as the API sends it (ISO 8601) or in ms. */
  observe(serverTime: string | number, sentAt: number, receivedAt: number): void {
    const time = typeof serverTime === 'number' ? serverTime : Date.parse(serverTime);
    if (!Number.isFinite(time) || receivedAt < sentAt) return;
    const sample = {
      offset: offsetOf({ serverTime: time, sentAt, receivedAt }),
      roundTrip: receivedAt - sentAt,
    };
    const best = this.#best();
    const jumped =
      best !== undefined &&
      Math.abs(sample.offset - best.offset) > (sample.roundTrip + best.roundTrip) / 2 + 1000;
    this.#samples = jumped ? [sample] : [...this.#samples, sample].slice(-SAMPLES_KEPT);
    this.#offset = this.#best()!.offset;
  }

  #best() {
    let best: { offset: number; roundTrip: number } | undefined;
    for (const sample of this.#samples) {
      if (!best || sample.roundTrip <= best.roundTrip) best = sample;
    }
    return best;
  }
}
