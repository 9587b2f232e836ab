import type { ReactiveController, ReactiveControllerHost } from 'lit';
import {
  FeedStatusEvent,
  type FeedStatus,
  type StockFeed,
  type StockUpdate,
} from './stock-feed.js';

type FeedHost = ReactiveControllerHost & HTMLElement & { feed?: StockFeed };

/**
 * Keeps a component subscribed to its `feed` property while it is connected: each stock update
 * goes to `onUpdate`, each change of the feed's state to `onStatus`. Follows the property when it
 * is replaced.
 */
export class StockFeedController implements ReactiveController {
  #subscribed?: StockFeed;
  #stop?: () => void;

  constructor(
    private readonly host: FeedHost,
    private readonly onUpdate: (update: StockUpdate) => void,
    private readonly onStatus?: (status: FeedStatus) => void,
  ) {
    host.addController(this);
  }

  hostConnected(): void {
    this.#follow();
  }

  hostUpdate(): void {
    if (this.host.feed !== this.#subscribed) this.#follow();
  }

  hostDisconnected(): void {
    this.#stop?.();
    this.#stop = this.#subscribed = undefined;
  }

  #follow(): void {
    this.#stop?.();
    const feed = (this.#subscribed = this.host.feed);
    if (!feed) {
      this.#stop = undefined;
      return;
    }
    const stopUpdates = feed.subscribe(this.onUpdate);
    const onStatus = this.onStatus;
    const report = () => onStatus?.(feed.status);
    feed.addEventListener(FeedStatusEvent.type, report);
    report();
    this.#stop = () => {
      stopUpdates();
      feed.removeEventListener(FeedStatusEvent.type, report);
    };
  }
}
