// The storefront's parts wired together: the Shop over the SDK, and live stock that falls back to
// re-reading the catalogue while its stream is refused or lost. main.ts runs it on the real API;
// the component tests run the same wiring on the FakeStore.
import { LiveStockFeed, type LiveStockFeedOptions } from './live/stock-feed.js';
import type { Client } from './shop/sdk.js';
import { Shop, type ShopOptions } from './shop/shop.js';

export interface StorefrontOptions extends Omit<ShopOptions, 'client' | 'feed'> {
  client: Client;
  /** The live feed's settings (intervals, randomness, how to open a stream). */
  feed?: Omit<LiveStockFeedOptions, 'poll'>;
}

export function createStorefront({
  client,
  feed: feedOptions,
  ...shopOptions
}: StorefrontOptions): {
  shop: Shop;
  feed: LiveStockFeed;
} {
  // While the stream is down: every product's stock, read through the SDK (a read the browser
  // may revalidate, so it does not set the clock).
  const feed: LiveStockFeed = new LiveStockFeed({ ...feedOptions, poll: () => shop.stock() });
  const shop: Shop = new Shop({ ...shopOptions, client, feed });
  return { shop, feed };
}
