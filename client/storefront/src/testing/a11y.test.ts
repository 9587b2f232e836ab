// The accessibility helpers themselves: proof that axe-core really runs in the page and sees into
// shadow roots, and that the role and name checks can fail, so a clean result elsewhere means
// something.
import { html, LitElement } from 'lit';
import { describe, expect, it } from 'vitest';
import {
  axeViolations,
  describeViolations,
  expectNamedControls,
  expectNoAxeViolations,
  expectRole,
} from './a11y.js';
import { mount } from './dom.js';

/** A deliberately broken component: an image without alt text, a button without a name. */
class BrokenWidget extends LitElement {
  override render() {
    return html`<img src="data:image/gif;base64,R0lGODlhAQABAAAAACw=" /><button></button>`;
  }
}
customElements.define('broken-widget', BrokenWidget);

describe('accessibility helpers', () => {
  it('axe reports an image without alt text and a button without a name inside a shadow root', async () => {
    const element = await mount(html`<broken-widget></broken-widget>`);
    const violations = await axeViolations(element);
    expect(violations.map((v) => v.id).sort()).toEqual(['button-name', 'image-alt']);
    expect(describeViolations(violations)).toContainEqual(
      expect.stringMatching(/^image-alt \(critical\) at broken-widget >>> img <img src=.*>: /),
    );
    await expect(expectNoAxeViolations(element)).rejects.toThrow(/button-name/);
  });

  it('axe finds nothing wrong with a named button', async () => {
    const element = await mount(html`<div><button>Buy now</button></div>`);
    await expectNoAxeViolations(element);
  });

  it('the role and name checks fail on a missing or unnamed control', async () => {
    const element = await mount(html`<div><button>Buy now</button><button></button></div>`);
    expectRole('button', 'Buy now');
    expect(() => expectRole('button', 'Add to cart')).toThrow(/one button named "Add to cart"/);
    expect(() => expectNamedControls(element)).toThrow(/controls without an accessible name/);
  });
});
