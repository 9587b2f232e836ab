import { css, html, nothing, type TemplateResult } from 'lit';
import { MAX_EMAIL_LENGTH } from '../shop/customer-email.js';

export interface EmailFieldOptions {
  value: string;
  /** The inline error, when the value was refused. */
  error: string | null;
  /** Why the email is asked for, under the field. */
  hint: string;
  /** Words after "Your email" for screen readers, e.g. which product it is for. */
  labelFor?: string;
  readonly?: boolean;
  onInput(value: string): void;
  /** Enter in the field. */
  onSubmit(): void;
}

/**
 * The customer's email, where a purchase needs it (a product limited per customer): labelled,
 * with the browser's email keyboard and autofill, and its error tied to it for screen readers.
 * The host checks it (`emailProblem`) before sending and moves focus to it when it is refused.
 */
export function emailField(options: EmailFieldOptions): TemplateResult {
  const { error } = options;
  return html`<div class="email" part="email">
    <label for="email"
      >Your
      email${
        options.labelFor ? html` <span class="visually-hidden">${options.labelFor}</span>` : nothing
      }</label
    >
    <input
      id="email"
      type="email"
      autocomplete="email"
      inputmode="email"
      autocapitalize="off"
      spellcheck="false"
      maxlength=${MAX_EMAIL_LENGTH}
      .value=${options.value}
      ?readonly=${options.readonly ?? false}
      aria-invalid=${error ? 'true' : 'false'}
      aria-describedby=${error ? 'email-error email-hint' : 'email-hint'}
      @input=${(event: Event) => options.onInput((event.target as HTMLInputElement).value)}
      @keydown=${(event: KeyboardEvent) => {
        if (event.key === 'Enter') options.onSubmit();
      }}
    />
    ${error ? html`<p id="email-error" class="error" part="email-error">${error}</p>` : nothing}
    <p id="email-hint" class="hint">${options.hint}</p>
  </div>`;
}

/** What every email field shares; each host lays out `.email` itself. */
export const emailFieldStyles = css`
  .email {
    display: grid;
    gap: 0.3rem;
  }

  .email label {
    font-weight: 600;
  }

  .email input {
    width: 100%;
    border-color: #8a8a96;
  }

  .email input[aria-invalid='true'] {
    border-color: var(--_accent);
  }

  .email p {
    margin: 0;
    font-size: 0.85rem;
  }

  .hint {
    color: var(--_muted);
  }

  .error {
    color: var(--_accent-strong);
    font-weight: 700;
  }
`;
