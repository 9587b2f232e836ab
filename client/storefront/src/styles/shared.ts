import { css } from 'lit';

/**
 * Design tokens and the controls every view shares. Colours meet WCAG AA contrast on white; each
 * token can be overridden from outside with its `--fs-*` custom property.
 */
export const sharedStyles = css`
  :host {
    --_text: var(--fs-text, #1c1c1e);
    --_muted: var(--fs-muted, #55555f);
    --_surface: var(--fs-surface, #ffffff);
    --_border: var(--fs-border, #d9d9e0);
    --_accent: var(--fs-accent, #b3122f);
    --_accent-strong: var(--fs-accent-strong, #8c0e25);
    --_focus: var(--fs-focus, #1a5fd0);
    --_warning: var(--fs-warning, #8a4b00);
    --_success: var(--fs-success, #136f3a);
    --_radius: var(--fs-radius, 12px);
    color: var(--_text);
    font-family: var(
      --fs-font,
      system-ui,
      -apple-system,
      'Segoe UI',
      Roboto,
      'Helvetica Neue',
      Arial,
      sans-serif
    );
  }

  *,
  *::before,
  *::after {
    box-sizing: border-box;
  }

  h1 {
    font-size: clamp(1.5rem, 4vw, 2rem);
    line-height: 1.2;
    margin: 0 0 0.25rem;
  }

  h1:focus {
    outline: none;
  }

  a {
    color: var(--_focus);
  }

  button {
    font: inherit;
    font-weight: 600;
    min-height: 44px;
    padding: 0.55rem 1rem;
    border-radius: 999px;
    border: 2px solid var(--_text);
    background: var(--_surface);
    color: var(--_text);
    cursor: pointer;
    transition:
      background-color 120ms ease,
      color 120ms ease,
      transform 60ms ease;
  }

  button:hover:not(:disabled, [aria-disabled='true']) {
    background: #f0f0f4;
  }

  button:active:not(:disabled, [aria-disabled='true']) {
    transform: translateY(1px);
  }

  button.primary {
    background: var(--_accent);
    border-color: var(--_accent);
    color: #fff;
  }

  button.primary:hover:not(:disabled, [aria-disabled='true']) {
    background: var(--_accent-strong);
    border-color: var(--_accent-strong);
  }

  button:disabled,
  button[aria-disabled='true'] {
    cursor: not-allowed;
    opacity: 0.45;
  }

  button[aria-busy='true'] {
    cursor: progress;
  }

  :is(button, a, input):focus-visible {
    outline: 3px solid var(--_focus);
    outline-offset: 2px;
  }

  .spinner {
    display: inline-block;
    width: 0.9em;
    height: 0.9em;
    margin-inline-end: 0.4em;
    vertical-align: -0.1em;
    border: 2px solid currentColor;
    border-inline-end-color: transparent;
    border-radius: 50%;
    animation: spin 700ms linear infinite;
  }

  @keyframes spin {
    to {
      transform: rotate(360deg);
    }
  }

  @media (prefers-reduced-motion: reduce) {
    .spinner {
      animation-duration: 2s;
    }
  }

  /*
   * A live region: always in the DOM (so that changes to its text are announced), collapsed while
   * it has nothing to say.
   */
  .status {
    margin: 0.75rem 0;
    padding: 0.75rem 1rem;
    border-radius: var(--_radius);
    border: 1px solid var(--_border);
    background: #f3f5fb;
  }

  .status:not([data-tone]) {
    height: 0;
    margin: 0;
    padding: 0;
    border: 0;
    overflow: hidden;
  }

  .status[data-tone='error'] {
    background: #fdf0f1;
    border-color: #e7b4bc;
    color: #6e0a1c;
  }

  .status[data-tone='success'] {
    background: #eef8f1;
    border-color: #a9d6b8;
    color: #0d4f29;
  }

  .panel {
    padding: 2rem 1.25rem;
    border-radius: var(--_radius);
    border: 1px dashed var(--_border);
    background: var(--_surface);
    text-align: center;
  }

  .panel p {
    margin: 0 0 1rem;
  }

  .visually-hidden {
    position: absolute;
    width: 1px;
    height: 1px;
    overflow: hidden;
    clip-path: inset(50%);
    white-space: nowrap;
  }
`;
