import { html } from 'lit';
import { describe, expect, it } from 'vitest';
import { userEvent } from 'vitest/browser';
import type { ProductDto } from '../../shop/sdk.js';
import { expectNamedControls, expectNoAxeViolations, expectRole } from '../../testing/a11y.js';
import { $, button, deepActiveElement, mount, recordEvents, textOf } from '../../testing/dom.js';
import './product-card.js';
import type { ProductCard } from './product-card.js';

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
