// A small test harness for the components, run in a real browser page served by Vite (see
// runner.ts and test/browser/components.spec.ts). Test files sit next to their component as
// `*.test.ts` and call `test()`; the Jest spec runs each file in headless Chromium. Trusted keyboard
// input and the browser's accessibility tree come from Playwright on the Node side, through
// functions it exposes on `window`.
import { type TemplateResult, render } from 'lit';

export type TestFn = () => void | Promise<void>;

interface RegisteredTest {
  name: string;
  fn: TestFn;
}

const registered: RegisteredTest[] = [];

/** Declares a test; the runner runs a file's tests in order, each with a clean page. */
export function test(name: string, fn: TestFn): void {
  registered.push({ name, fn });
}

/** The tests declared since the last call (by the file just imported). */
export function takeTests(): RegisteredTest[] {
  return registered.splice(0);
}

// ---- fixtures ------------------------------------------------------------------------------

const FIXTURE = 'data-test-fixture';

/** Renders `template` into a fresh container and waits for its first element to render. */
export async function mount<E extends Element>(template: TemplateResult): Promise<E> {
  const container = document.createElement('div');
  container.setAttribute(FIXTURE, '');
  document.body.append(container);
  render(template, container);
  const element = container.firstElementChild as E | null;
  if (!element) throw new Error('mount: the template rendered no element');
  await settle(element);
  return element;
}

/** Removes every mounted fixture. */
export function cleanup(): void {
  for (const fixture of document.querySelectorAll(`[${FIXTURE}]`)) fixture.remove();
}

type Updatable = Element & { updateComplete?: Promise<unknown> };

/** Waits for `element` and the Lit elements in its shadow root to finish rendering. */
export async function settle(element: Element): Promise<void> {
  await (element as Updatable).updateComplete;
  for (const child of element.shadowRoot?.querySelectorAll('*') ?? []) {
    if ((child as Updatable).updateComplete) await settle(child);
  }
}

/** The first element matching `selector` inside `element`'s shadow root (or light DOM). */
export function $<E extends Element = HTMLElement>(element: Element, selector: string): E {
  const found = (element.shadowRoot ?? element).querySelector<E>(selector);
  if (!found) throw new Error(`No ${selector} in <${element.localName}>`);
  return found;
}

export function $$<E extends Element = HTMLElement>(element: Element, selector: string): E[] {
  return [...(element.shadowRoot ?? element).querySelectorAll<E>(selector)];
}

const INLINE = new Set(['A', 'ABBR', 'B', 'CODE', 'EM', 'I', 'SMALL', 'SPAN', 'STRONG', 'TIME']);

/**
 * Text of `element` as a reader would see it, including shadow roots and nested components: block
 * boundaries become spaces, runs of whitespace collapse.
 */
export function textOf(element: Element | ShadowRoot): string {
  let text = '';
  const walk = (node: Node) => {
    if (node.nodeType === Node.TEXT_NODE) {
      text += node.textContent ?? '';
      return;
    }
    if (!(node instanceof Element || node instanceof ShadowRoot)) return;
    if (node instanceof Element && ['STYLE', 'SCRIPT', 'TEMPLATE'].includes(node.tagName)) return;
    const block = node instanceof Element && !INLINE.has(node.tagName);
    if (block) text += ' ';
    if (node instanceof Element && node.shadowRoot) walk(node.shadowRoot);
    else node.childNodes.forEach(walk);
    if (block) text += ' ';
  };
  walk(element);
  return text.replace(/\s+/g, ' ').trim();
}

/** The button inside `element` (any depth of shadow roots) whose aria-label or text is `name`. */
export function button(element: Element, name: string): HTMLButtonElement {
  const found = deepQueryAll<HTMLButtonElement>(element, 'button').find(
    (b) => (b.getAttribute('aria-label') ?? b.textContent?.trim()) === name,
  );
  if (!found) throw new Error(`No button "${name}" in <${element.localName}>`);
  return found;
}

export function deepQueryAll<E extends Element>(root: Element | ShadowRoot, selector: string): E[] {
  const found: E[] = [];
  const scope = root instanceof Element && root.shadowRoot ? root.shadowRoot : root;
  found.push(...scope.querySelectorAll<E>(selector));
  for (const child of scope.querySelectorAll('*')) {
    if (child.shadowRoot) found.push(...deepQueryAll<E>(child, selector));
  }
  return found;
}

/** The focused element, looking inside shadow roots. */
export function deepActiveElement(): Element | null {
  let active = document.activeElement;
  while (active?.shadowRoot?.activeElement) active = active.shadowRoot.activeElement;
  return active;
}

/** Resolves with the next `type` event on `target`. */
export function nextEvent<E extends Event = CustomEvent>(
  target: EventTarget,
  type: string,
): Promise<E> {
  return new Promise((resolve) =>
    target.addEventListener(type, (event) => resolve(event as E), { once: true }),
  );
}

/** Records every `type` event on `target`. */
export function recordEvents<E extends Event = CustomEvent>(
  target: EventTarget,
  type: string,
): E[] {
  const events: E[] = [];
  target.addEventListener(type, (event) => events.push(event as E));
  return events;
}

/** Polls `probe` until it returns something truthy, and returns that. */
export async function waitFor<T>(
  probe: () => T | null | undefined | false | '',
  what: string,
  timeoutMs = 3000,
): Promise<T> {
  const deadline = performance.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = probe();
      if (value) return value;
    } catch (error) {
      lastError = error;
    }
    if (performance.now() > deadline) {
      const why = lastError instanceof Error ? ` (last error: ${lastError.message})` : '';
      throw new Error(`Timed out waiting for ${what}${why}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

// ---- assertions ----------------------------------------------------------------------------

function show(value: unknown): string {
  try {
    return typeof value === 'string'
      ? JSON.stringify(value)
      : (JSON.stringify(value) ?? String(value));
  } catch {
    return String(value);
  }
}

function fail(message: string): never {
  throw new Error(message);
}

/** Jest-like assertions, the few the component tests need. */
export function expect<T>(actual: T) {
  return {
    toBe(expected: T) {
      if (!Object.is(actual, expected)) fail(`expected ${show(actual)} to be ${show(expected)}`);
    },
    toEqual(expected: unknown) {
      if (show(actual) !== show(expected)) {
        fail(`expected ${show(actual)} to equal ${show(expected)}`);
      }
    },
    toContain(expected: string) {
      const haystack = Array.isArray(actual) ? actual : String(actual);
      if (!haystack.includes(expected))
        fail(`expected ${show(actual)} to contain ${show(expected)}`);
    },
    notToContain(expected: string) {
      const haystack = Array.isArray(actual) ? actual : String(actual);
      if (haystack.includes(expected)) {
        fail(`expected ${show(actual)} not to contain ${show(expected)}`);
      }
    },
    toMatch(pattern: RegExp) {
      if (!pattern.test(String(actual))) fail(`expected ${show(actual)} to match ${pattern}`);
    },
    toBeTruthy() {
      if (!actual) fail(`expected ${show(actual)} to be truthy`);
    },
    toBeFalsy() {
      if (actual) fail(`expected ${show(actual)} to be falsy`);
    },
  };
}

// ---- the browser, driven from outside --------------------------------------------------------

/** Functions the Jest spec exposes on `window` through Playwright. */
interface PlaywrightBridge {
  /** Presses a key as the user would (a trusted event, to the focused element). */
  __pwPress(key: string): Promise<void>;
  /** Elements inside the fixtures with this ARIA role and exactly this accessible name. */
  __pwCountByRole(role: string, name: string): Promise<number>;
  /** The accessibility tree of the fixtures as Playwright's ARIA snapshot (YAML). */
  __pwAriaSnapshot(): Promise<string>;
}

function bridge(): PlaywrightBridge {
  const candidate = window as unknown as Partial<PlaywrightBridge>;
  if (!candidate.__pwPress || !candidate.__pwCountByRole || !candidate.__pwAriaSnapshot) {
    throw new Error('Keyboard and accessibility checks need the Jest runner (npm test)');
  }
  return candidate as PlaywrightBridge;
}

/** Presses `key` (e.g. "Tab", "Enter", "Shift+Tab") on the focused element, as a real user. */
export async function press(key: string): Promise<void> {
  await bridge().__pwPress(key);
}

/** How many elements have `role` and the accessible name `name`, by the browser's own rules. */
export function countByRole(role: string, name: string): Promise<number> {
  return bridge().__pwCountByRole(role, name);
}

/** Fails unless exactly one element has `role` and accessible name `name`. */
export async function expectRole(role: string, name: string): Promise<void> {
  const count = await countByRole(role, name);
  if (count !== 1) fail(`expected one ${role} named ${show(name)}, found ${count}`);
}

const CONTROL_ROLES = ['button', 'link', 'textbox', 'spinbutton', 'checkbox', 'combobox'];

/** Fails when a control in the fixtures has no accessible name. */
export async function expectNamedControls(): Promise<void> {
  const snapshot = await bridge().__pwAriaSnapshot();
  const unnamed = snapshot
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => {
      const match = /^- (\w+)(.*)$/.exec(line);
      return match && CONTROL_ROLES.includes(match[1]) && !match[2].trimStart().startsWith('"');
    });
  if (unnamed.length > 0) fail(`controls without an accessible name: ${unnamed.join(', ')}`);
}
