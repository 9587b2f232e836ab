// The storefront's entry: one SDK client with a relative base URL (the API is served from the same
// origin, or proxied there by Vite's dev server), live stock, and the app element.
import './components/store-app/store-app.js';
import { createStoreClient } from './shop/sdk.js';
import { createStorefront } from './storefront.js';

const { shop, feed } = createStorefront({ client: createStoreClient({ baseUrl: '' }) });

const app = document.querySelector('store-app') ?? document.createElement('store-app');
app.shop = shop;
app.feed = feed;
if (!app.isConnected) document.body.append(app);
feed.start();
