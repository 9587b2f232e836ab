// The storefront's entry: one SDK client with a relative base URL (the API is served from the same
// origin, or proxied there by Vite's dev server), live stock, and the app element.
import './components/store-app/store-app.js';
import { LiveStockFeed, type StockUpdate } from './live/stock-feed.js';
import { createStoreClient } from './shop/sdk.js';
import { Shop } from './shop/shop.js';

const client = createStoreClient({ baseUrl: '' });
const feed: LiveStockFeed = new LiveStockFeed({
  // While the stream is down: the whole catalogue's stock, read through the SDK.
  poll: async (): Promise<StockUpdate[]> =>
    (await shop.products()).map((p) => ({ productId: p.id, stock: p.stock, version: p.version })),
});
const shop: Shop = new Shop({ client, feed });

const app = document.querySelector('store-app') ?? document.createElement('store-app');
app.shop = shop;
app.feed = feed;
if (!app.isConnected) document.body.append(app);
feed.start();
