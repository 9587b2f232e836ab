// DOM helpers for the component tests (run by Vitest in Chromium; see ../../vitest.config.ts):
// mount a Lit template, wait for it to render, find things through shadow roots, read text as a
// reader would, and wait for a condition. Assertions come from Vitest (`expect`), keyboard input
// from `userEvent` (`vitest/browser`), accessibility checks from ./a11y.ts.
import { type TemplateResult, render } from 'lit';
import { vi } from 'vitest';

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

/** Removes every mounted fixture (./setup.ts does it after each test). */
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

/**
 * Polls `probe` (with Vitest's `vi.waitFor`) until it returns something truthy, and returns that;
 * `what` names the awaited condition in the timeout's message.
 */
export function waitFor<T>(
  probe: () => T | null | undefined | false | '',
  what: string,
  timeoutMs = 3000,
): Promise<T> {
  return vi.waitFor(
    () => {
      let value: ReturnType<typeof probe>;
      try {
        value = probe();
      } catch (error) {
        const why = error instanceof Error ? error.message : String(error);
        throw new Error(`Timed out waiting for ${what} (last error: ${why})`, { cause: error });
      }
      if (!value) throw new Error(`Timed out waiting for ${what}`);
      return value;
    },
    { timeout: timeoutMs, interval: 10 },
  );
}

/** One turn of the event loop, by a message (which fake timers leave alone). */
export function nextTask(): Promise<void> {
  return new Promise((resolve) => {
    const { port1, port2 } = new MessageChannel();
    port1.onmessage = () => resolve();
    port2.postMessage(null);
  });
}

/**
 * For tests on fake timers: turns the event loop (without moving the fake clock, unlike
 * {@link waitFor}) until `probe` returns something truthy, and returns that.
 */
export async function until<T>(
  probe: () => T | null | undefined | false | '',
  what: string,
  turns = 1000,
): Promise<T> {
  for (let turn = 0; turn < turns; turn++) {
    const value = probe();
    if (value) return value;
    await nextTask();
  }
  throw new Error(`Never came, in ${turns} turns of the event loop: ${what}`);
}
