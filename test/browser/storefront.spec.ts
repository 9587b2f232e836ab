// The storefront end to end, as a shopper uses it: a real headless Chromium on the built storefront,
// served by the real app on a real PostgreSQL. "Another shopper" buys through the generated SDK
// over HTTP while the page is open, and the admin makes products (drops) through it. Nothing is
// faked, the clocks included: a drop opens when the service's clock says so. Screenshots of the
// main states are saved under test-output/screenshots/.
import { type ClientRequest, type IncomingMessage, request } from 'node:http';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import {
  type Client,
  type CreateProductDto,
  checkout,
  createProduct,
  createStoreClient,
  getOrder,
  listProducts,
} from '../../client/sdk/src/index';
import { ADMIN_TOKEN, startTestApp, type TestApp } from '../support/app';
import { soldOf, storedProduct } from '../support/database';
import { describeInBrowser, launchBrowser, screenshotPath } from './support/browser';
import { buildStorefront } from './support/vite';

const DESKTOP = { width: 1280, height: 800 };

/** A product picture the app serves, by file name (src/products/images/<file>.svg). */
const picture = (file: string) => `/images/products/${file}.svg`;
const PHONE = { width: 390, height: 844 };

describeInBrowser('storefront in Chromium against the real service', () => {
  let outDir: string;
  let t: TestApp;
  let browser: Browser;
  let otherShopper: Client;
  let admin: Client;
  const contexts: BrowserContext[] = [];
  const pageErrors: string[] = [];

  beforeAll(async () => {
    outDir = await mkdtemp(join(tmpdir(), 'storefront-'));
    [, browser] = await Promise.all([buildStorefront(outDir), launchBrowser()]);
    t = await startTestApp({
      env: {
        STOREFRONT_DIR: outDir,
        RATE_LIMIT_CHECKOUT_PER_MINUTE: '0',
        RATE_LIMIT_CARTS_PER_MINUTE: '0',
      },
    });
    otherShopper = createStoreClient({ baseUrl: t.baseUrl });
    admin = createStoreClient({ baseUrl: t.baseUrl, adminToken: ADMIN_TOKEN });
    // A small catalogue for the screenshots; each test also makes the products it changes. The
    // pictures are the demo catalogue's drawings (src/products/images), served by the app.
    for (const product of [
      {
        name: 'Classic Cotton Tee',
        priceCents: 1900,
        stock: 250,
        description: 'Soft organic cotton, regular fit.',
        imageUrl: picture('tee-classic'),
      },
      {
        name: 'Enamel Camp Mug',
        priceCents: 1400,
        stock: 120,
        description: '350 ml, dishwasher safe.',
        imageUrl: picture('mug-enamel'),
      },
      {
        name: 'Zip Hoodie',
        priceCents: 4900,
        compareAtPriceCents: 6900,
        stock: 80,
        description: 'Brushed fleece with a full zip.',
        imageUrl: picture('hoodie-zip'),
      },
    ]) {
      await addProduct(product);
    }
  });

  afterAll(async () => {
    await browser?.close();
    await t?.close();
    if (outDir) await rm(outDir, { recursive: true, force: true });
  });

  afterEach(async () => {
    await Promise.all(contexts.splice(0).map((context) => context.close()));
    expect(pageErrors.splice(0)).toEqual([]);
  });

  let skus = 0;

  /** Adds a product to the catalogue through the admin API. */
  async function addProduct(fields: Omit<CreateProductDto, 'sku' | 'currency'>) {
    const { data, error } = await createProduct({
      client: admin,
      body: { sku: `BROWSER-${++skus}`, currency: 'USD', ...fields },
    });
    if (!data) throw new Error(`create product: ${JSON.stringify(error)}`);
    return data;
  }

  /** `prepare` sees the page before it loads (e.g. to watch its requests from the start). */
  async function openStore(
    viewport = DESKTOP,
    hash = '#/',
    { baseUrl = t.baseUrl, prepare }: { baseUrl?: string; prepare?: (page: Page) => void } = {},
  ): Promise<Page> {
    const context = await browser.newContext({ viewport, locale: 'en-US', timezoneId: 'UTC' });
    contexts.push(context);
    const page = await context.newPage();
    page.setDefaultTimeout(10_000);
    page.on('pageerror', (error) => pageErrors.push(error.message));
    prepare?.(page);
    await page.goto(`${baseUrl}/${hash}`);
    await page.getByRole('heading', { level: 1 }).first().waitFor();
    return page;
  }

  const card = (page: Page, name: string) => page.getByRole('article', { name, exact: true });
  const status = (page: Page) => page.getByRole('status');

  /** The service's clock now, read from a product page (as the storefront reads it). */
  async function serverNow(): Promise<number> {
    const sentAt = Date.now();
    const { data } = await listProducts({ client: otherShopper, query: { limit: 1 } });
    const receivedAt = Date.now();
    if (!data) throw new Error('listProducts failed');
    return Date.parse(data.serverTime) + (receivedAt - sentAt) / 2;
  }

  // Regular expressions in getByText see the text as it is, line breaks of the template included.

  /** Polls `check` until it holds; fails after `timeoutMs`, saying what was awaited. */
  async function until(check: () => Promise<boolean>, what: string, timeoutMs = 10_000) {
    const deadline = Date.now() + timeoutMs;
    while (!(await check())) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  const emailOf = async (orderId: string) =>
    (
      await t.db.query<{ email: string | null }>('select email from orders where id = $1', [
        orderId,
      ])
    )[0]?.email;

  const orderIdOf = (page: Page) =>
    decodeURIComponent(new URL(page.url()).hash.replace('#/orders/', ''));

  async function waitForLiveStock(page: Page): Promise<void> {
    await page.getByText('Live stock: counts change as other shoppers buy.').waitFor();
  }

  /** Every button, link and field on the page has an accessible name. */
  async function expectNamedControls(page: Page): Promise<void> {
    const snapshot = await page.locator('store-app').ariaSnapshot();
    expect(snapshot).toContain('- button "');
    const unnamed = snapshot
      .split('\n')
      .map((line) => line.trim())
      .filter((line) => /^- (button|link|spinbutton|textbox|checkbox|combobox)(?! ")/.test(line));
    expect(unnamed).toEqual([]);
  }

  it('serves the storefront at / next to the API', async () => {
    const response = await fetch(`${t.baseUrl}/`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/text\/html/);
    expect(await response.text()).toContain('<store-app>');
  });

  it('browse, add two products to the cart, check out, see the confirmation', async () => {
    const page = await openStore();
    await card(page, 'Zip Hoodie').getByText('80 left').waitFor();
    await expectNamedControls(page);
    expect(await card(page, 'Zip Hoodie').getByText('$49.00').count()).toBe(1);
    await waitForLiveStock(page);
    await page.screenshot({ path: screenshotPath('01-grid-desktop'), fullPage: true });

    // From the keyboard: focus the button and press Enter.
    await page.getByRole('button', { name: 'Add to cart: Zip Hoodie' }).focus();
    await page.keyboard.press('Enter');
    await status(page).getByText('Added Zip Hoodie to your cart (1 item).').waitFor();
    await page.getByRole('button', { name: 'Add to cart: Enamel Camp Mug' }).click();
    await status(page).getByText('Added Enamel Camp Mug to your cart (2 items).').waitFor();
    await page.getByRole('link', { name: 'Cart, 2 items' }).click();

    await page.getByRole('heading', { name: 'Your cart' }).waitFor();
    await page.getByRole('button', { name: 'Increase quantity: Zip Hoodie' }).click();
    await page.getByText('Subtotal (3 items): $112.00').waitFor();
    await expectNamedControls(page);
    await page.screenshot({ path: screenshotPath('02-cart-desktop'), fullPage: true });

    await page.getByRole('button', { name: 'Checkout' }).click();
    await page.getByRole('heading', { name: 'Thank you! Your order is confirmed.' }).waitFor();
    const orderId = decodeURIComponent(new URL(page.url()).hash.replace('#/orders/', ''));
    await page.getByText(orderId).waitFor();
    // Lines come in the order the API lists them; compare them as a set.
    const rows = (await page.getByRole('row').allInnerTexts()).map((row) =>
      row.replace(/\s+/g, ' ').trim(),
    );
    expect(rows[0]).toBe('Item Quantity Price Total');
    expect(rows.slice(1, -1).sort()).toEqual([
      'Enamel Camp Mug 1 $14.00 $14.00',
      'Zip Hoodie 2 $49.00 $98.00',
    ]);
    expect(rows.at(-1)).toBe('Total $112.00');
    await page.screenshot({ path: screenshotPath('03-confirmation-desktop'), fullPage: true });

    // The order is really stored, and the cart is gone from the header.
    const { data: order } = await getOrder({ client: otherShopper, path: { id: orderId } });
    expect(order).toMatchObject({ totalCents: 11200, currency: 'USD' });
    await page.getByRole('link', { name: 'Cart, 0 items' }).waitFor();
    expect(await page.evaluate(() => localStorage.getItem('flash-store.cart-id'))).toBeNull();
  });

  it('buy a product until it sells out and see "Sold out"', async () => {
    const sneaker = await addProduct({
      name: 'Flash Sneaker 12.12 Limited',
      priceCents: 12900,
      stock: 2,
      description: 'Only a handful made.',
      imageUrl: picture('sneaker-1212'),
    });
    const page = await openStore();
    const buy = page.getByRole('button', { name: 'Buy now: Flash Sneaker 12.12 Limited' });
    for (const left of ['Only 2 left', 'Only 1 left']) {
      await card(page, 'Flash Sneaker 12.12 Limited').getByText(left).waitFor();
      await buy.click();
      await page.getByRole('heading', { name: 'Thank you! Your order is confirmed.' }).waitFor();
      await page.getByRole('link', { name: 'Continue shopping' }).click();
      await page.getByRole('heading', { name: 'Flash sale' }).waitFor();
    }
    const soldOut = card(page, 'Flash Sneaker 12.12 Limited');
    await soldOut.getByText('Sold out').waitFor();
    expect(await buy.isDisabled()).toBe(true);
    expect(
      await page
        .getByRole('button', { name: 'Add to cart: Flash Sneaker 12.12 Limited' })
        .isDisabled(),
    ).toBe(true);
    await soldOut.scrollIntoViewIfNeeded();
    await page.screenshot({ path: screenshotPath('04-sold-out-desktop'), fullPage: true });

    expect(await storedProduct(t.db, sneaker.id)).toMatchObject({ stock: 0 });
    expect(await soldOf(t.db, sneaker.id)).toEqual({ orders: 2, lines: 2, units: 2 });
  });

  it('watch stock fall live while another client buys, without reloading', async () => {
    const bottle = await addProduct({
      name: 'Steel Water Bottle',
      priceCents: 2400,
      stock: 12,
      description: 'Keeps drinks cold for 24 hours.',
      imageUrl: picture('bottle-steel'),
    });
    const page = await openStore();
    await card(page, 'Steel Water Bottle').getByText('12 left').waitFor();
    await waitForLiveStock(page);
    await page.evaluate(() => ((window as any).__sameDocument = true));

    const first = await checkout({
      client: otherShopper,
      body: { productId: bottle.id, quantity: 5 },
    });
    expect(first.response?.status).toBe(201);
    // Polling runs only while the stream is down, every 5 s: this must come from the stream.
    await card(page, 'Steel Water Bottle').getByText('7 left').waitFor({ timeout: 4000 });

    await checkout({ client: otherShopper, body: { productId: bottle.id, quantity: 7 } });
    await card(page, 'Steel Water Bottle').getByText('Sold out').waitFor({ timeout: 4000 });
    expect(
      await page.getByRole('button', { name: 'Buy now: Steel Water Bottle' }).isDisabled(),
    ).toBe(true);
    expect(await page.evaluate(() => (window as any).__sameDocument)).toBe(true);
  });

  it('a cart checkout that runs short says how many are left and keeps the cart', async () => {
    const cap = await addProduct({
      name: 'Wool Cap',
      priceCents: 2200,
      stock: 2,
      description: 'Merino blend, one size.',
      imageUrl: picture('cap-wool'),
    });
    const page = await openStore();
    const add = page.getByRole('button', { name: 'Add to cart: Wool Cap' });
    await add.click();
    await status(page).getByText('Added Wool Cap to your cart (1 item).').waitFor();
    await add.click();
    await status(page).getByText('Added Wool Cap to your cart (2 items).').waitFor();
    await page.getByRole('link', { name: 'Cart, 2 items' }).click();
    await page.getByText('Subtotal (2 items): $44.00').waitFor();

    // Someone else buys one of the two caps while this shopper looks at the cart.
    await checkout({ client: otherShopper, body: { productId: cap.id, quantity: 1 } });
    await page.getByRole('button', { name: 'Checkout' }).click();
    await status(page)
      .getByText(
        'Not checked out: only 1 Wool Cap left (you asked for 2). Nothing was bought and your cart is kept; change or remove that item and check out again.',
      )
      .waitFor();
    await page.getByText('Only 1 left').waitFor();
    await page.screenshot({ path: screenshotPath('05-cart-short-desktop'), fullPage: true });

    await page.getByRole('spinbutton', { name: 'Quantity: Wool Cap' }).fill('1');
    await page.getByRole('spinbutton', { name: 'Quantity: Wool Cap' }).press('Enter');
    await page.getByText('Subtotal (1 item): $22.00').waitFor();
    await page.getByRole('button', { name: 'Checkout' }).click();
    await page.getByRole('heading', { name: 'Thank you! Your order is confirmed.' }).waitFor();
    expect(await storedProduct(t.db, cap.id)).toMatchObject({ stock: 0 });
  });

  it('works at phone width', async () => {
    const page = await openStore(PHONE);
    await card(page, 'Zip Hoodie').waitFor();
    await waitForLiveStock(page);
    const overflow = await page.evaluate(
      () => document.documentElement.scrollWidth - window.innerWidth,
    );
    expect(overflow).toBeLessThanOrEqual(0);
    await page.screenshot({ path: screenshotPath('06-grid-phone'), fullPage: false });

    await page.getByRole('button', { name: 'Add to cart: Classic Cotton Tee' }).click();
    await status(page).getByText('Added Classic Cotton Tee to your cart (1 item).').waitFor();
    await page.getByRole('button', { name: 'Add to cart: Zip Hoodie' }).click();
    await status(page).getByText('Added Zip Hoodie to your cart (2 items).').waitFor();
    await page.getByRole('link', { name: 'Cart, 2 items' }).click();
    await page.getByText('Subtotal (2 items): $68.00').waitFor();
    expect(
      await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth),
    ).toBeLessThanOrEqual(0);
    await page.screenshot({ path: screenshotPath('07-cart-phone'), fullPage: true });

    await page.getByRole('button', { name: 'Checkout' }).click();
    await page.getByRole('heading', { name: 'Thank you! Your order is confirmed.' }).waitFor();
    await page.screenshot({ path: screenshotPath('08-confirmation-phone'), fullPage: true });
  });

  it('a drop: counts down on the service clock, unlocks without a reload, asks for the email, holds the limit', async () => {
    const name = '12.12 Midnight Drop Parka';
    // A few seconds ahead by the service's clock (not this machine's), enough to load the page.
    const leadMs = 8000;
    const startsAt = new Date((await serverNow()) + leadMs).toISOString();
    const drop = await addProduct({
      name,
      priceCents: 15900,
      compareAtPriceCents: 21900,
      stock: 10,
      maxPerCustomer: 2,
      saleStartsAt: startsAt,
      description: 'Storm shell over down; two per customer.',
      imageUrl: picture('jacket-1212'),
    });
    const page = await openStore();
    await page.evaluate(() => ((window as any).__sameDocument = true));
    const dropCard = card(page, name);
    const buy = page.getByRole('button', { name: `Buy now: ${name}` });
    const add = page.getByRole('button', { name: `Add to cart: ${name}` });

    // 1. Before the start: a countdown, both actions disabled.
    await dropCard.getByText(/Drop starts in\s+\d:\d\d(?!:)/).waitFor();
    expect(await buy.isDisabled()).toBe(true);
    expect(await add.isDisabled()).toBe(true);
    await dropCard.getByText('Limit 2 per customer', { exact: true }).waitFor();
    expect(await dropCard.locator('time').first().getAttribute('datetime')).toMatch(/^PT\d+S$/);
    expect(await dropCard.locator(`time[datetime="${startsAt}"]`).count()).toBe(1);
    await expectNamedControls(page);
    await page.screenshot({ path: screenshotPath('drop-countdown'), fullPage: true });
    await dropCard.screenshot({ path: screenshotPath('drop-countdown-card') });

    // 2. At the start, by the page's own timer: enabled, said once in the live region.
    await until(async () => !(await buy.isDisabled()), 'Buy now to unlock', leadMs + 10_000);
    expect(await add.isDisabled()).toBe(false);
    await status(page).getByText(`${name} is on sale now.`).waitFor();
    expect(await dropCard.getByText(/Drop starts in/).count()).toBe(0);
    expect(await page.evaluate(() => (window as any).__sameDocument)).toBe(true);
    await page.screenshot({ path: screenshotPath('drop-unlocked'), fullPage: true });

    // 3. Buying asks for the email first, inline, and sends nothing until it is valid.
    const email = page.getByRole('textbox', { name: `Your email for ${name}` });
    expect(await email.getAttribute('type')).toBe('email');
    expect(await email.getAttribute('autocomplete')).toBe('email');
    await buy.click();
    await dropCard.getByText('Enter your email address.').waitFor();
    expect(await email.getAttribute('aria-invalid')).toBe('true');
    expect(await email.evaluate((input) => input.matches(':focus'))).toBe(true);
    await email.fill('ann@example');
    await buy.click();
    await dropCard.getByText('Enter an email address like ann@example.com.').waitFor();
    expect(await soldOf(t.db, drop.id)).toEqual({ orders: 0, lines: 0, units: 0 });
    await email.fill('ann@example.com');
    expect(await email.getAttribute('aria-invalid')).toBe('false');
    await buy.click();
    await page.getByRole('heading', { name: 'Thank you! Your order is confirmed.' }).waitFor();
    await page.getByText('ann@example.com').waitFor();
    expect(await emailOf(orderIdOf(page))).toBe('ann@example.com');

    // The email is remembered: the second unit needs no typing, even in another case.
    await page.getByRole('link', { name: 'Continue shopping' }).click();
    await dropCard.waitFor();
    expect(await email.inputValue()).toBe('ann@example.com');
    await email.fill('ANN@Example.com');
    await buy.click();
    await page.getByRole('heading', { name: 'Thank you! Your order is confirmed.' }).waitFor();
    expect(await emailOf(orderIdOf(page))).toBe('ANN@Example.com');

    // 4. A third, by the same customer with a +tag: refused, and said in words.
    await page.getByRole('link', { name: 'Continue shopping' }).click();
    await email.fill('Ann+drop@Example.com');
    await buy.click();
    await status(page)
      .getByText(
        `${name} is limited to 2 per customer, and you have already bought 2 with Ann+drop@Example.com. Nothing was bought.`,
      )
      .waitFor();
    await page.screenshot({ path: screenshotPath('drop-limit'), fullPage: true });
    expect(await soldOf(t.db, drop.id)).toEqual({ orders: 2, lines: 2, units: 2 });
    expect(await page.evaluate(() => (window as any).__sameDocument)).toBe(true);
  });

  it('a reduced price: the original struck through, the saving, and a steady picture frame', async () => {
    const page = await openStore();
    const hoodie = card(page, 'Zip Hoodie');
    await hoodie.scrollIntoViewIfNeeded();
    expect((await hoodie.locator('s').innerText()).trim()).toBe('$69.00');
    await hoodie.getByText('Was $69.00').waitFor(); // words for screen readers, not only a line
    await hoodie.getByText('Save $20.00 (28%)').waitFor();
    // A 400×300 drawing in a 4:3 frame (the frame keeps its shape whether the picture loads or not).
    const frame = await hoodie.locator('[part=media]').boundingBox();
    expect(Math.abs(frame!.width / frame!.height - 4 / 3)).toBeLessThan(0.02);
    await until(
      async () =>
        hoodie
          .locator('img')
          .evaluateAll(
            (images) =>
              images.length === 1 &&
              images.every(
                (image) =>
                  (image as HTMLImageElement).complete &&
                  (image as HTMLImageElement).naturalWidth > 0,
              ),
          ),
      'the picture to load',
    );
    const alts = await hoodie
      .locator('img')
      .evaluateAll((images) => images.map((i) => i.getAttribute('alt')));
    expect(alts).toEqual(['Zip Hoodie']);
    await hoodie.screenshot({ path: screenshotPath('card-reduced') });
  });

  it('a sale that ended says so, and cannot be bought', async () => {
    const now = await serverNow();
    await addProduct({
      name: '11.11 Archive Canvas Tote',
      priceCents: 5900,
      stock: 7,
      saleStartsAt: new Date(now - 2 * 3600_000).toISOString(),
      saleEndsAt: new Date(now - 3600_000).toISOString(),
      description: 'Last year’s drop.',
      imageUrl: picture('tote-canvas'),
    });
    const page = await openStore();
    const ended = card(page, '11.11 Archive Canvas Tote');
    await ended.getByText('Sale ended', { exact: true }).waitFor();
    await ended.getByText(/This sale ended\s+(at \d\d:\d\d:\d\d|on )/).waitFor();
    expect(
      await page.getByRole('button', { name: 'Buy now: 11.11 Archive Canvas Tote' }).isDisabled(),
    ).toBe(true);
    expect(
      await page
        .getByRole('button', { name: 'Add to cart: 11.11 Archive Canvas Tote' })
        .isDisabled(),
    ).toBe(true);
    await ended.screenshot({ path: screenshotPath('card-sale-ended') });
  });

  it('a cart with a limited line asks for the email at checkout, and the order keeps it', async () => {
    const name = 'Flash Sneaker Low 12.12';
    const sneaker = await addProduct({
      name,
      priceCents: 12900,
      compareAtPriceCents: 18900,
      stock: 5,
      maxPerCustomer: 2,
      description: 'Two per customer.',
      imageUrl: picture('sneaker-1212'),
    });
    const page = await openStore();
    await page.getByRole('button', { name: `Add to cart: ${name}` }).click();
    await status(page).getByText(`Added ${name} to your cart (1 item).`).waitFor();
    await page.getByRole('link', { name: 'Cart, 1 item' }).click();
    await page.getByText('Subtotal (1 item): $129.00').waitFor();
    await page.getByText('Limit 2 per customer', { exact: true }).waitFor();
    const email = page.getByRole('textbox', { name: 'Your email' });
    expect(await email.inputValue()).toBe('');
    await expectNamedControls(page);

    await page.getByRole('button', { name: 'Checkout' }).click();
    await page.getByText('Enter your email address.').waitFor();
    expect(await email.getAttribute('aria-invalid')).toBe('true');
    expect(await email.evaluate((input) => input.matches(':focus'))).toBe(true);
    expect(await soldOf(t.db, sneaker.id)).toEqual({ orders: 0, lines: 0, units: 0 });
    await page.screenshot({ path: screenshotPath('cart-email-desktop'), fullPage: true });

    await email.fill('  bea@example.com ');
    await page.getByRole('button', { name: 'Checkout' }).click();
    await page.getByRole('heading', { name: 'Thank you! Your order is confirmed.' }).waitFor();
    await page.getByText('bea@example.com').waitFor();
    expect(await emailOf(orderIdOf(page))).toBe('bea@example.com');
    await page.screenshot({ path: screenshotPath('confirmation-email-desktop'), fullPage: true });
  });

  it('a drop at phone width: countdown and email field fit', async () => {
    const name = '12.12 Phone Drop Beanie';
    await addProduct({
      name,
      priceCents: 2900,
      compareAtPriceCents: 3900,
      stock: 20,
      maxPerCustomer: 1,
      saleStartsAt: new Date((await serverNow()) + 3 * 3600_000).toISOString(),
      description: 'One per customer.',
      imageUrl: picture('cap-wool'),
    });
    const page = await openStore(PHONE);
    const beanie = card(page, name);
    await beanie.getByText(/Drop starts in\s+\d:\d\d:\d\d/).waitFor();
    expect(
      await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth),
    ).toBeLessThanOrEqual(0);
    await beanie.scrollIntoViewIfNeeded();
    await page.screenshot({ path: screenshotPath('drop-countdown-phone') });
  });

  it('live stock refused at the cap of streams (503): out of date and polling, then live once a slot frees', async () => {
    // A second instance on the same database, allowed one stream, which a page already holds.
    const capped = await startTestApp({
      db: t.db,
      env: { STOREFRONT_DIR: outDir, EVENT_STREAMS_MAX: '1' },
    });
    const held = await holdStream(`${capped.baseUrl}/products/events`);
    try {
      expect(held.response.statusCode).toBe(200);
      const kettle = await addProduct({ name: 'Stovetop Kettle', priceCents: 3900, stock: 30 });
      const refusals: number[] = [];
      const page = await openStore(DESKTOP, '#/', {
        baseUrl: capped.baseUrl,
        prepare: (opened) =>
          opened.on('response', (response) => {
            if (new URL(response.url()).pathname === '/products/events') {
              refusals.push(response.status());
            }
          }),
      });
      await page
        .getByText(
          'Live stock paused: counts may be out of date; they refresh every few seconds meanwhile.',
        )
        .waitFor();
      await card(page, 'Stovetop Kettle').getByText('30 left').waitFor();

      // Sold elsewhere: no stream tells this page, its polls of the catalogue do.
      await checkout({ client: otherShopper, body: { productId: kettle.id, quantity: 4 } });
      await card(page, 'Stovetop Kettle').getByText('26 left').waitFor({ timeout: 15_000 });
      await page.screenshot({ path: screenshotPath('live-stock-refused-desktop') });

      // The page holding the slot leaves: the storefront's next ask (its backoff is bounded at
      // 30 s, plus up to half) is accepted, and the page is live again.
      held.close();
      await page
        .getByText('Live stock: counts change as other shoppers buy.')
        .waitFor({ timeout: 50_000 });
      // Refused (503) while the slot was held, then accepted.
      expect(refusals).toContain(503);
      expect(refusals.at(-1)).toBe(200);
      await checkout({ client: otherShopper, body: { productId: kettle.id, quantity: 6 } });
      // Polling has stopped, so this comes from the stream.
      await card(page, 'Stovetop Kettle').getByText('20 left').waitFor({ timeout: 4000 });
    } finally {
      held.close();
      await capped.close();
    }
  }, 90_000);
});

/** Opens a live-stock stream from Node and holds it (a page elsewhere) until `close()`. */
function holdStream(url: string): Promise<{ response: IncomingMessage; close: () => void }> {
  return new Promise((resolve, reject) => {
    const held: ClientRequest = request(
      url,
      { headers: { accept: 'text/event-stream' } },
      (response) => {
        response.resume();
        resolve({ response, close: () => held.destroy() });
      },
    );
    held.on('error', (error) => {
      if (!held.destroyed) reject(error);
    });
    held.end();
  });
}
