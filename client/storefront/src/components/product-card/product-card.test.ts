import { html } from 'lit';
import { describe, expect, it, vi } from 'vitest';
import { userEvent } from 'vitest/browser';
import type { ProductDto } from '../../shop/sdk.js';
import { type Clock, ServerClock } from '../../shop/server-clock.js';
import { expectNamedControls, expectNoAxeViolations, expectRole } from '../../testing/a11y.js';
import {
  $,
  $$,
  button,
  deepActiveElement,
  mount,
  recordEvents,
  settle,
  textOf,
  waitFor,
} from '../../testing/dom.js';
import './product-card.js';
import type { ProductActionDetail, ProductCard } from './product-card.js';

const hoodie: ProductDto = {
  id: '7d3c1e52-0000-4000-8000-000000000001',
  sku: 'HOODIE-ZIP',
  name: 'Zip Hoodie',
  description: 'Brushed fleece with a full zip.',
  priceCents: 4900,
  currency: 'USD',
  stock: 80,
  version: 3,
  saleStartsAt: null,
  saleEndsAt: null,
  maxPerCustomer: null,
  compareAtPriceCents: null,
  imageUrl: null,
};

const card = (product: ProductDto) =>
  mount<ProductCard>(html`<product-card .product=${product}></product-card>`);

describe('product-card', () => {
  it('shows the name, the price from priceCents and currency, and the stock left', async () => {
    const element = await card(hoodie);
    expect(textOf($(element, '[part=name]'))).toBe('Zip Hoodie');
    expect(textOf($(element, '[part=price]'))).toBe('$49.00');
    expect(textOf($(element, '[part=stock]'))).toBe('80 left');
    expect(textOf(element)).toContain('Brushed fleece');
    expect(textOf(element)).not.toContain('Sold out');
  });

  it('formats other currencies by their own minor unit', async () => {
    const yen = await card({ ...hoodie, priceCents: 4900, currency: 'JPY' });
    expect(textOf($(yen, '[part=price]'))).toBe('¥4,900');
    const euro = await card({ ...hoodie, priceCents: 1250, currency: 'EUR' });
    expect(textOf($(euro, '[part=price]'))).toBe('€12.50');
  });

  it('says when only a few are left', async () => {
    const element = await card({ ...hoodie, stock: 3 });
    expect(textOf($(element, '[part=stock]'))).toBe('Only 3 left');
    expect($(element, '[part=stock]').classList.contains('low')).toBe(true);
  });

  it('names each action after the product, for screen readers', async () => {
    const element = await card(hoodie);
    expectRole('button', 'Buy now: Zip Hoodie');
    expectRole('button', 'Add to cart: Zip Hoodie');
    expectRole('article', 'Zip Hoodie');
    expectNamedControls(element);
  });

  it('fires buy-now and add-to-cart with the product', async () => {
    const element = await card(hoodie);
    const buys = recordEvents<CustomEvent>(document, 'buy-now');
    const adds = recordEvents<CustomEvent>(document, 'add-to-cart');
    button(element, 'Buy now: Zip Hoodie').click();
    button(element, 'Add to cart: Zip Hoodie').click();
    expect(buys.length).toBe(1);
    expect(buys[0].detail.product.id).toBe(hoodie.id);
    expect(adds.length).toBe(1);
    expect(adds[0].detail.product.version).toBe(3);
  });

  it('works from the keyboard: Tab between the actions, Enter and Space press them', async () => {
    const element = await card(hoodie);
    const buys = recordEvents(element, 'buy-now');
    const adds = recordEvents(element, 'add-to-cart');
    button(element, 'Buy now: Zip Hoodie').focus();
    await userEvent.keyboard('{Enter}');
    expect(buys.length).toBe(1);
    await userEvent.tab();
    expect(deepActiveElement()?.getAttribute('aria-label')).toBe('Add to cart: Zip Hoodie');
    await userEvent.keyboard('[Space]');
    expect(adds.length).toBe(1);
  });

  it('sold out: a "Sold out" badge, and neither action can be used', async () => {
    const element = await card({ ...hoodie, stock: 0 });
    expect(textOf($(element, '[part=badge]'))).toBe('Sold out');
    expect(textOf($(element, '[part=stock]'))).toBe('None left');
    const events = [...recordEvents(element, 'buy-now'), ...recordEvents(element, 'add-to-cart')];
    for (const name of ['Buy now: Zip Hoodie', 'Add to cart: Zip Hoodie']) {
      expect(button(element, name).disabled).toBe(true);
      button(element, name).click();
    }
    expect(events.length).toBe(0);
  });

  it('while a request is in flight the actions are inert but keep focus', async () => {
    const element = await card(hoodie);
    const buys = recordEvents(element, 'buy-now');
    const buy = button(element, 'Buy now: Zip Hoodie');
    buy.focus();
    element.busy = 'buy';
    await element.updateComplete;
    expect(buy.getAttribute('aria-disabled')).toBe('true');
    expect(buy.getAttribute('aria-busy')).toBe('true');
    expect(button(element, 'Add to cart: Zip Hoodie').getAttribute('aria-disabled')).toBe('true');
    await userEvent.keyboard('{Enter}');
    buy.click();
    expect(buys.length).toBe(0);
    expect(deepActiveElement()).toBe(buy);

    element.busy = null;
    await element.updateComplete;
    buy.click();
    expect(buys.length).toBe(1);
  });

  it('updates when the product changes (live stock)', async () => {
    const element = await card({ ...hoodie, stock: 1 });
    element.product = { ...hoodie, stock: 0, version: 4 };
    await element.updateComplete;
    expect(textOf(element)).toContain('Sold out');
    expect(button(element, 'Buy now: Zip Hoodie').disabled).toBe(true);
  });

  it.each([
    ['in stock', hoodie],
    ['only a few left', { ...hoodie, stock: 3 }],
    ['sold out', { ...hoodie, stock: 0 }],
  ])('passes axe-core: %s', async (_state, product) => {
    await expectNoAxeViolations(await card(product));
  });

  it('passes axe-core while a request is in flight', async () => {
    const element = await card(hoodie);
    element.busy = 'buy';
    await element.updateComplete;
    await expectNoAxeViolations(element);
  });
});

/** The service's clock in these tests: 42 s before a drop at 20:00:00 (the tests run in UTC). */
const NOW = Date.parse('2026-12-12T19:59:18Z');
const at = (ms: number): Clock => ({ now: () => ms });

/** A drop of two per customer, opening at 20:00:00 and closing at 22:00:00. */
const parka: ProductDto = {
  ...hoodie,
  id: '7d3c1e52-0000-4000-8000-000000000002',
  sku: 'PARKA-1212',
  name: 'Midnight Parka',
  description: '',
  priceCents: 15900,
  compareAtPriceCents: 21900,
  stock: 10,
  maxPerCustomer: 2,
  saleStartsAt: '2026-12-12T20:00:00.000Z',
  saleEndsAt: '2026-12-12T22:00:00.000Z',
};

const cardAt = (product: ProductDto, clock: Clock, email = '') =>
  mount<ProductCard>(
    html`<product-card .product=${product} .clock=${clock} .email=${email}></product-card>`,
  );

const actions = (element: ProductCard) =>
  ['Buy now', 'Add to cart'].map((action) => button(element, `${action}: ${element.product.name}`));

/** A 1×1 PNG, and bytes that are no picture at all. */
const PICTURE =
  'data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII=';
const BROKEN = 'data:image/png;base64,AAAA';

describe('product-card: price, limit, picture', () => {
  it('a reduced price: the original struck through, said as "Was", and the saving rounded down', async () => {
    const element = await card({ ...hoodie, compareAtPriceCents: 6900 });
    expect(textOf($(element, '[part=price]'))).toBe('$49.00');
    expect(textOf($(element, '[part=compare-at-price] s'))).toBe('$69.00');
    // Screen readers do not announce the strike-through: the word says it.
    expect(textOf($(element, '[part=compare-at-price]'))).toBe('Was $69.00');
    // 20/69 is 28.99%: never claim more than is given.
    expect(textOf($(element, '[part=saving]'))).toBe('Save $20.00 (28%)');
    const discount = $(element, '.badge.discount');
    expect(textOf(discount)).toBe('−28%');
    expect(discount.getAttribute('aria-hidden')).toBe('true');
    await expectNoAxeViolations(element);
  });

  it('no reduction: no original price, no saving, no percentage', async () => {
    for (const compareAtPriceCents of [null, 4900]) {
      const element = await card({ ...hoodie, compareAtPriceCents });
      expect($$(element, '[part=compare-at-price], [part=saving], .discount')).toEqual([]);
    }
  });

  it('says the limit per customer, and nothing without one', async () => {
    const limited = await card({ ...hoodie, maxPerCustomer: 2 });
    expect(textOf($(limited, '[part=limit]'))).toBe('Limit 2 per customer');
    const unlimited = await card(hoodie);
    expect($$(unlimited, '[part=limit]')).toEqual([]);
    expect(textOf(unlimited)).not.toContain('Limit');
  });

  it('shows the picture, named after the product, in a 400×300 frame', async () => {
    const element = await card({ ...hoodie, imageUrl: PICTURE });
    const image = $<HTMLImageElement>(element, 'img[part=image]');
    expect(image.alt).toBe('Zip Hoodie');
    expect(image.getAttribute('width')).toBe('400');
    expect(image.getAttribute('height')).toBe('300');
    expect($$(element, '.placeholder')).toEqual([]);
    await waitFor(() => image.complete && image.naturalWidth > 0, 'the picture to load');
    await expectNoAxeViolations(element);
  });

  it('without a picture: a placeholder hidden from screen readers, in the same frame', async () => {
    const element = await card(hoodie);
    expect($$(element, 'img')).toEqual([]);
    const placeholder = $(element, '[part=media] svg.placeholder');
    expect(placeholder.getAttribute('aria-hidden')).toBe('true');
  });

  it('a picture that fails to load gives way to the placeholder; a new one is tried again', async () => {
    const element = await card({ ...hoodie, imageUrl: BROKEN });
    await waitFor(() => $$(element, 'img').length === 0, 'the broken picture to go');
    expect($(element, '.placeholder').getAttribute('aria-hidden')).toBe('true');
    await expectNoAxeViolations(element);
    element.product = { ...hoodie, imageUrl: PICTURE };
    await element.updateComplete;
    expect($<HTMLImageElement>(element, 'img').alt).toBe('Zip Hoodie');
  });
});

describe('product-card: a drop', () => {
  it('before the start: a countdown on the given clock, when it opens, both actions disabled', async () => {
    const element = await cardAt(parka, at(NOW));
    expect(textOf($(element, '[part=badge]'))).toBe('Upcoming drop');
    const window = $(element, '[part=sale-window]');
    expect(textOf(window)).toBe('Drop starts in 0:42 Opens at 20:00:00');
    const [countdown, opens] = $$(window, 'time');
    expect(countdown.getAttribute('datetime')).toBe('PT42S');
    expect(opens.getAttribute('datetime')).toBe(parka.saleStartsAt);
    const events = [...recordEvents(element, 'buy-now'), ...recordEvents(element, 'add-to-cart')];
    for (const action of actions(element)) {
      expect(action.disabled).toBe(true);
      action.click();
    }
    expect(events).toEqual([]);
    // The email is asked for already, so that the shopper is ready at the moment.
    expectRole('textbox', 'Your email for Midnight Parka');
    await expectNoAxeViolations(element);
  });

  it('a drop days away counts down in days and hours, and names the day', async () => {
    const element = await cardAt(parka, at(Date.parse('2026-12-10T14:30:00Z')));
    const window = $(element, '[part=sale-window]');
    expect(textOf(window)).toBe('Drop starts in 2 days 5 h Opens on Dec 12 at 20:00');
    expect($(window, 'time').getAttribute('datetime')).toBe('P2DT5H');
  });

  it('unlocks at the start by its own timer, without re-mounting, and fires sale-open once', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    vi.setSystemTime(NOW);
    // The service's clock runs five minutes ahead of the shopper's: the card must follow it.
    const clock = new ServerClock();
    clock.observe(Date.now() + 5 * 60_000, Date.now(), Date.now());
    const product = { ...parka, saleStartsAt: new Date(clock.now() + 1500).toISOString() };
    const element = await cardAt(product, clock);
    const opened = recordEvents<CustomEvent<ProductActionDetail>>(document, 'sale-open');
    const buys = recordEvents<CustomEvent<ProductActionDetail>>(document, 'buy-now');
    const [buy, add] = actions(element);
    const countdown = () => textOf($(element, '[part=sale-window] time'));
    expect(countdown()).toBe('0:02');
    expect(buy.disabled).toBe(true);

    await vi.advanceTimersByTimeAsync(1000);
    expect(countdown()).toBe('0:01');
    expect(buy.disabled).toBe(true);
    await vi.advanceTimersByTimeAsync(499); // 1 ms before the start
    expect(buy.disabled).toBe(true);
    expect(opened).toEqual([]);

    await vi.advanceTimersByTimeAsync(100);
    await settle(element);
    expect(element.isConnected).toBe(true);
    expect(actions(element)).toEqual([buy, add]); // the same buttons, now enabled
    expect(buy.disabled).toBe(false);
    expect(add.disabled).toBe(false);
    expect(textOf(element)).not.toContain('Drop starts in');
    expect(textOf($(element, '[part=badge]'))).toBe('Live drop');
    expect(opened.length).toBe(1);
    expect(opened[0].detail.product.id).toBe(parka.id);

    // Later renders (time passing, live stock) do not announce it again.
    await vi.advanceTimersByTimeAsync(5000);
    element.product = { ...product, stock: 9, version: 4 };
    await settle(element);
    expect(opened.length).toBe(1);

    // And it can be bought now.
    const email = $<HTMLInputElement>(element, 'input[type=email]');
    email.value = 'ann@example.com';
    email.dispatchEvent(new Event('input'));
    buy.click();
    await settle(element);
    expect(buys.length).toBe(1);
    expect(buys[0].detail.email).toBe('ann@example.com');
  });

  it('a card that shows the drop already open fires no sale-open', async () => {
    const element = await cardAt(parka, at(Date.parse('2026-12-12T20:00:05Z')));
    const opened = recordEvents(document, 'sale-open');
    element.product = { ...parka, stock: 9 };
    await settle(element);
    expect(opened).toEqual([]);
  });

  it('a live drop: "Live drop", the time left, both actions enabled', async () => {
    const element = await cardAt(parka, at(Date.parse('2026-12-12T21:00:00Z')));
    expect(textOf($(element, '[part=badge]'))).toBe('Live drop');
    const window = $(element, '[part=sale-window]');
    expect(textOf(window)).toBe('Sale ends in 1:00:00');
    expect($(window, 'time').getAttribute('datetime')).toBe('PT1H0M0S');
    for (const action of actions(element)) expect(action.disabled).toBe(false);
    await expectNoAxeViolations(element);
  });

  it('after the end: "Sale ended", when, no email field, both actions disabled', async () => {
    const element = await cardAt(parka, at(Date.parse('2026-12-12T22:00:00Z')));
    expect(textOf($(element, '[part=badge]'))).toBe('Sale ended');
    const window = $(element, '[part=sale-window]');
    expect(textOf(window)).toBe('This sale ended at 22:00:00.');
    expect($(window, 'time').getAttribute('datetime')).toBe(parka.saleEndsAt);
    expect($$(element, 'input')).toEqual([]);
    const events = [...recordEvents(element, 'buy-now'), ...recordEvents(element, 'add-to-cart')];
    for (const action of actions(element)) {
      expect(action.disabled).toBe(true);
      action.click();
    }
    expect(events).toEqual([]);
    await expectNoAxeViolations(element);
  });

  it('closes by itself at the end', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    vi.setSystemTime(Date.parse('2026-12-12T21:59:59Z'));
    const element = await cardAt(parka, new ServerClock());
    const [buy] = actions(element);
    expect(buy.disabled).toBe(false);
    await vi.advanceTimersByTimeAsync(1100);
    await settle(element);
    expect(buy.disabled).toBe(true);
    expect(textOf($(element, '[part=badge]'))).toBe('Sale ended');
  });

  it('a countdown in days changes its hour on time', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    vi.setSystemTime(Date.parse('2026-12-10T14:30:00Z')); // 2 days 5 h 30 min before
    const element = await cardAt(parka, new ServerClock());
    const countdown = () => textOf($(element, '[part=sale-window] time'));
    expect(countdown()).toBe('2 days 5 h');
    await vi.advanceTimersByTimeAsync(30 * 60_000); // 2 days 5:00:00 left: still "5 h"
    expect(countdown()).toBe('2 days 5 h');
    // A second later 2 days 4:59:59 are left; the card renders a moment past it.
    await vi.advanceTimersByTimeAsync(1000 + 50);
    expect(countdown()).toBe('2 days 4 h');
  });
});

describe('product-card: the email of a limited product', () => {
  const open = () => at(Date.parse('2026-12-12T20:00:05Z'));
  const input = (element: ProductCard) => $<HTMLInputElement>(element, 'input[type=email]');

  it('has a labelled email field, pre-filled with the email remembered', async () => {
    const element = await cardAt(parka, open(), 'ann@example.com');
    expectRole('textbox', 'Your email for Midnight Parka');
    const field = input(element);
    expect(field.value).toBe('ann@example.com');
    expect(field.autocomplete).toBe('email');
    expect(field.getAttribute('aria-invalid')).toBe('false');
    expect(field.getAttribute('aria-describedby')).toBe('email-hint');
    expect(textOf($(element, '#email-hint'))).toBe('Needed to buy; the limit counts by email.');
    expectNamedControls(element);
  });

  it('a product without a limit asks for none, and buy-now carries no email', async () => {
    const element = await cardAt({ ...parka, maxPerCustomer: null }, open());
    expect($$(element, 'input')).toEqual([]);
    const buys = recordEvents<CustomEvent<ProductActionDetail>>(element, 'buy-now');
    actions(element)[0].click();
    expect(buys.length).toBe(1);
    expect(buys[0].detail).not.toHaveProperty('email');
  });

  it('no email: an inline error tied to the field, focus on it, and no buy-now', async () => {
    const element = await cardAt(parka, open());
    const buys = recordEvents(element, 'buy-now');
    actions(element)[0].click();
    await waitFor(() => $$(element, '[part=email-error]').length > 0, 'the error');
    const field = input(element);
    const error = $(element, '[part=email-error]');
    expect(textOf(error)).toBe('Enter your email address.');
    expect(error.id).toBe('email-error');
    expect(field.getAttribute('aria-invalid')).toBe('true');
    expect(field.getAttribute('aria-describedby')?.split(' ')).toEqual([
      'email-error',
      'email-hint',
    ]);
    expect(deepActiveElement()).toBe(field);
    expect(buys).toEqual([]);
    await expectNoAxeViolations(element);
  });

  it('a malformed email: says what it should look like; the error follows the typing', async () => {
    const element = await cardAt(parka, open());
    const buys = recordEvents(element, 'buy-now');
    await userEvent.fill(input(element), 'ann@example');
    actions(element)[0].click();
    await waitFor(() => $$(element, '[part=email-error]').length > 0, 'the error');
    expect(textOf($(element, '[part=email-error]'))).toBe(
      'Enter an email address like ann@example.com.',
    );
    expect(buys).toEqual([]);
    await userEvent.type(input(element), '.com');
    await settle(element);
    expect($$(element, '[part=email-error]')).toEqual([]);
    expect(input(element).getAttribute('aria-invalid')).toBe('false');
  });

  it('a valid email: buy-now with it, trimmed; Enter in the field buys too', async () => {
    const element = await cardAt(parka, open());
    const buys = recordEvents<CustomEvent<ProductActionDetail>>(element, 'buy-now');
    await userEvent.fill(input(element), '  Ann+drop@Example.com ');
    actions(element)[0].click();
    await waitFor(() => buys.length === 1, 'buy-now');
    expect(buys[0].detail).toEqual({ product: parka, email: 'Ann+drop@Example.com' });
    expect($$(element, '[part=email-error]')).toEqual([]);

    input(element).focus();
    await userEvent.keyboard('{Enter}');
    await waitFor(() => buys.length === 2, 'buy-now from Enter');
    expect(buys[1].detail.email).toBe('Ann+drop@Example.com');
  });

  it('the email remembered is enough to buy', async () => {
    const element = await cardAt(parka, open(), 'ann@example.com');
    const buys = recordEvents<CustomEvent<ProductActionDetail>>(element, 'buy-now');
    actions(element)[0].click();
    await waitFor(() => buys.length === 1, 'buy-now');
    expect(buys[0].detail.email).toBe('ann@example.com');
  });
});
