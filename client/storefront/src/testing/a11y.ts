// Accessibility checks for the component tests, by the browser's own rules: role and name queries
// through Vitest's locators (Playwright's role engine) and the accessibility tree as an ARIA
// snapshot.
import { expect } from 'vitest';
import { page, utils } from 'vitest/browser';

type Role = Parameters<typeof page.getByRole>[0];

/** Fails unless exactly one element on the page has `role` and exactly the accessible name `name`. */
export function expectRole(role: Role, name: string): void {
  const found = page.getByRole(role, { name, exact: true }).elements();
  expect(found, `one ${role} named "${name}"`).toHaveLength(1);
}

const CONTROL_ROLES = ['button', 'link', 'textbox', 'spinbutton', 'checkbox', 'combobox'];

/** Fails when a control inside `element` has no accessible name (read from its ARIA snapshot). */
export function expectNamedControls(element: Element): void {
  const snapshot = utils.aria.renderAriaTree(utils.aria.generateAriaTree(element));
  const unnamed = snapshot
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => {
      const match = /^- (\w+)(.*)$/.exec(line);
      return match && CONTROL_ROLES.includes(match[1]) && !match[2].trimStart().startsWith('"');
    });
  expect(unnamed, `controls without an accessible name in:\n${snapshot}`).toEqual([]);
}
