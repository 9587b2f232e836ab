// The accessibility helpers themselves: proof that the role and name checks can fail, so a clean
// result elsewhere means something.
import { html } from 'lit';
import { describe, expect, it } from 'vitest';
import { expectNamedControls, expectRole } from './a11y.js';
import { mount } from './dom.js';

describe('accessibility helpers', () => {
  it('the role and name checks fail on a missing or unnamed control', async () => {
    const element = await mount(html`<div><button>Buy now</button><button></button></div>`);
    expectRole('button', 'Buy now');
    expect(() => expectRole('button', 'Add to cart')).toThrow(/one button named "Add to cart"/);
    expect(() => expectNamedControls(element)).toThrow(/controls without an accessible name/);
  });
});
