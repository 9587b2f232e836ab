import type { ReactiveController, ReactiveControllerHost } from 'lit';

/** Never wait longer than this in one timer (browsers overflow past 2^31 - 1 ms; clocks drift). */
const MAX_WAIT_MS = 60 * 60_000;

/** A little past the moment itself, so that the render after it sees the moment as passed. */
const LATE_MS = 20;

/**
 * Re-renders its host when what it shows depends on the time: after each update it asks
 * `nextChangeIn()` how many milliseconds remain until the host would render something different
 * (the next second of a countdown, a sale opening), and asks for an update then. Undefined: nothing
 * will change; no timer runs. When the page becomes visible again (background tabs get their
 * timers throttled) it updates at once.
 */
export class ClockController implements ReactiveController {
  #timer: ReturnType<typeof setTimeout> | undefined;
  readonly #onVisible = () => {
    if (document.visibilityState === 'visible') this.host.requestUpdate();
  };

  constructor(
    private readonly host: ReactiveControllerHost,
    private readonly nextChangeIn: () => number | undefined,
  ) {
    host.addController(this);
  }

  hostConnected(): void {
    document.addEventListener('visibilitychange', this.#onVisible);
    this.#schedule();
  }

  hostUpdated(): void {
    this.#schedule();
  }

  hostDisconnected(): void {
    document.removeEventListener('visibilitychange', this.#onVisible);
    clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  #schedule(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    const wait = this.nextChangeIn();
    if (wait === undefined || !Number.isFinite(wait)) return;
    this.#timer = setTimeout(
      () => {
        this.#timer = undefined;
        this.host.requestUpdate();
      },
      Math.min(Math.max(0, wait) + LATE_MS, MAX_WAIT_MS),
    );
  }
}
