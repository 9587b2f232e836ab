// Accessibility checks for the component tests, by the browser's own rules: role and name queries
// through Vitest's locators (Playwright's role engine), the accessibility tree as an ARIA snapshot,
// and axe-core's rules run in the page against a rendered element, shadow roots included.
import axe from 'axe-core';
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

/** axe-core's findings for `element` and everything under it, shadow roots included. */
export async function axeViolations(element: Element): Promise<axe.Result[]> {
  const results = await axe.run(element, { resultTypes: ['violations'] });
  return results.violations;
}

/**
 * One line per element at fault: rule id, impact, where (through shadow roots: `>>>`), the
 * element's opening tag, the rule, and axe's first reason for this element.
 */
export function describeViolations(violations: axe.Result[]): string[] {
  return violations.flatMap((violation) =>
    violation.nodes.map((node) => {
      const where = node.target
        .map((part) => (Array.isArray(part) ? part.join(' >>> ') : String(part)))
        .join(' >>> ');
      const tag = /^<[^>]*>/.exec(node.html)?.[0] ?? node.html;
      // The first reason axe gives (after "Fix any of the following:"), e.g. the contrast ratio.
      const why = (node.failureSummary ?? '').split('\n')[1]?.trim();
      return `${violation.id} (${violation.impact ?? 'no impact'}) at ${where} ${tag}: ${violation.help}${why ? ` (${why})` : ''}`;
    }),
  );
}

/** Fails when axe-core finds any violation in `element`; the message lists each, by rule and element. */
export async function expectNoAxeViolations(element: Element): Promise<void> {
  const found = describeViolations(await axeViolations(element));
  const report = `axe-core found ${found.length} violation(s) in <${element.localName}>:\n  ${found.join('\n  ')}`;
  expect(found.length, report).toBe(0);
}
