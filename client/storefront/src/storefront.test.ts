// The storefront as main.ts wires it (createStorefront), on the FakeStore and its live-stock
// stream: what the page does when the service refuses the stream (503 at its cap of streams,
// EVENT_STREAMS_MAX) or loses it, and how it comes back.
import { html } from 'lit';
import { describe, expect, it } from 'vitest';
import './components/product-grid/product-grid.js';
import type { ProductCard } from './components/product-card/product-card.js';
import type { ProductGrid } from './components/product-grid/product-grid.js';
import type { FeedStatus, LiveStockFeedOptions } from './live/stock-feed.js';
import { memoryCartIds } from './shop/cart-ids.js';
import { memoryEmails } from './shop/customer-email.js';
import { createStorefront } from './storefront.js';
import { expectNoAxeViolations } from './testing/a11y.js';
import { $, $$, mount, settle, textOf, waitFor } from './testing/dom.js';
import { FakeStore } from './testing/fake-store.js';

const LIVE = 'Live stock: counts change as other shoppers buy.';
const OUT_OF_DATE =
  'Live stock paused: counts may be out of date; they refresh every few seconds meanwhile.';

function arrange(feed: Omit<LiveStockFeedOptions, 'poll' | 'openEventSource'>) {
  const store = new FakeStore();
  const hoodie = store.addProduct({ name: 'Zip Hoodie', stock: 80 });
  const sneaker = store.addProduct({ name: 'Flash Sneaker', stock: 6 });
  const { shop, feed: live } = createStorefront({
    client: store.client(),
    cartIds: memoryCartIds(),
    emails: memoryEmails(),
    feed: { ...feed, openEventSource: store.eventSource },
  });
  const statuses: FeedStatus[] = [];
  live.addEventListener('status', () => statuses.push(live.status));
  return { store, hoodie, sneaker, shop, feed: live, statuses };
}

async function page({ shop, feed }: ReturnType<typeof arrange>): Promise<ProductGrid> {
  const element = await mount<ProductGrid>(
    html`<product-grid .shop=${shop} .feed=${feed}></product-grid>`,
  );
  await waitFor(() => $$(element, 'product-card').length === 2, 'the cards');
  await settle(element);
  return element;
}

const feedLine = (element: ProductGrid) => textOf($(element, '[part=feed]'));
const left = (element: ProductGrid, name: string) => {
  const card = $$<ProductCard>(element, 'product-card').find((c) => c.product.name === name);
  return textOf($(card!, '[part=stock]'));
};

describe('storefront: live stock refused or lost', () => {
  it('refused (503): says the counts may be out of date and polls; asks again later, and goes live when a slot frees', async () => {
    const arranged = arrange({
      pollIntervalMs: 40,
      reconnectDelayMs: 60,
      maxReconnectDelayMs: 120,
      resyncSpreadMs: 20,
    });
    const { store, hoodie, sneaker, feed } = arranged;
    store.streamsMax = 0; // the instance holds as many streams as it may
    const element = await page(arranged);
    const polls = () => store.count('GET /products');
    const asked = () => store.count('GET /products/events');
    feed.start();

    await waitFor(() => feed.status === 'polling', 'the refusal');
    await settle(element);
    expect(asked()).toBe(1);
    expect(store.openStreams).toBe(0);
    expect(feedLine(element)).toBe(OUT_OF_DATE);
    expect($(element, '[part=feed]').dataset.feed).toBe('polling');
    expect(textOf(element)).not.toContain('could not be loaded');

    // Sold meanwhile, with no stream to say so: the page learns it from its polls, and keeps
    // asking for the stream, which is refused each time.
    store.sell(hoodie.id, 5);
    await waitFor(() => left(element, 'Zip Hoodie') === '75 left', 'the polled count');
    await waitFor(() => asked() >= 3, 'the stream asked for again, twice');
    expect(feed.status).toBe('polling');
    expect(feedLine(element)).toBe(OUT_OF_DATE);

    // A page leaves, a slot frees: the next ask is accepted, and the page is live.
    store.sell(sneaker.id, 2);
    store.streamsMax = 1;
    await waitFor(() => feed.status === 'live', 'the stream accepted');
    await settle(element);
    expect(store.openStreams).toBe(1);
    expect(feedLine(element)).toBe(LIVE);
    expect($(element, '[part=feed]').dataset.feed).toBe('live');

    // Live stock flows: a sale shows at once, with no poll.
    const before = polls();
    store.sell(sneaker.id, 1);
    await settle(element);
    expect(left(element, 'Flash Sneaker')).toBe('Only 3 left');
    expect(polls()).toBe(before);

    // At most one catch-up read (for what the stream missed), then no more polling.
    await new Promise((resolve) => setTimeout(resolve, 150));
    const settled = polls();
    expect(settled - before <= 1).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect(polls()).toBe(settled);
    expect(arranged.statuses).toEqual(['connecting', 'polling', 'live']);

    // Changes conflated by the service (several products in one burst) land on every card.
    store.products.get(hoodie.id)!.stock = 60;
    store.products.get(hoodie.id)!.version += 3;
    store.products.get(sneaker.id)!.stock = 0;
    store.products.get(sneaker.id)!.version += 2;
    store.announce(hoodie.id, sneaker.id);
    await settle(element);
    expect(left(element, 'Zip Hoodie')).toBe('60 left');
    expect(left(element, 'Flash Sneaker')).toBe('None left');
    feed.stop();
  });

  it('lost, then refused on its way back: polls, and is live again once accepted; no axe violation while out of date', async () => {
    const arranged = arrange({ pollIntervalMs: 40, reconnectDelayMs: 60, resyncSpreadMs: 20 });
    const { store, hoodie, feed } = arranged;
    store.streamRetryMs = 20;
    const element = await page(arranged);
    feed.start();
    await waitFor(() => feed.status === 'live', 'live');

    // The connection breaks, and the service, full, refuses the browser's own retry.
    store.streamsMax = 0;
    store.dropStreams();
    await waitFor(() => feed.status === 'polling', 'out of date');
    await waitFor(() => store.count('GET /products/events') >= 2, 'the refused retry');
    store.sell(hoodie.id, 4);
    await waitFor(() => left(element, 'Zip Hoodie') === '76 left', 'the polled count');
    await settle(element);
    expect(feedLine(element)).toBe(OUT_OF_DATE);
    await expectNoAxeViolations(element);

    store.streamsMax = Number.POSITIVE_INFINITY;
    await waitFor(() => feed.status === 'live', 'live again', 3000);
    await settle(element);
    expect(feedLine(element)).toBe(LIVE);
    expect(arranged.statuses).toEqual(['connecting', 'live', 'polling', 'live']);
    store.sell(hoodie.id, 1);
    await waitFor(() => left(element, 'Zip Hoodie') === '75 left', 'live stock again');
    await expectNoAxeViolations(element);
    feed.stop();
    expect(store.openStreams).toBe(0);
  });
});
