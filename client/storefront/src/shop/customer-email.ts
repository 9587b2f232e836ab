// The shopper's email, for products limited per customer: checked by the rule the API applies (the
// SDK's `isEmail`), and remembered for the browser session so that it is typed once.
import { isEmail, MAX_EMAIL_LENGTH } from './sdk.js';

export { MAX_EMAIL_LENGTH };

/**
 * What is wrong with `text` as the email for a purchase, in words for an inline error; null when
 * it is fine.
 */
export function emailProblem(text: string): string | null {
  const email = text.trim();
  if (email === '') return 'Enter your email address.';
  if (email.length > MAX_EMAIL_LENGTH) {
    return `That email address is too long: at most ${MAX_EMAIL_LENGTH} characters.`;
  }
  if (!isEmail(email)) return 'Enter an email address like ann@example.com.';
  return null;
}

/** Where the shopper's email is kept between pages. */
export interface EmailStore {
  get(): string | null;
  set(email: string): void;
}

export const EMAIL_KEY = 'flash-store.email';

/**
 * The email in `sessionStorage`: kept while the tab is open, gone when it is closed (an email is
 * personal; a shared computer should not offer it to the next person). Memory only when storage
 * is unavailable.
 */
export function sessionEmails(
  storage: Storage | undefined = globalThis.sessionStorage,
): EmailStore {
  let memory: string | null = null;
  return {
    get() {
      try {
        return storage?.getItem(EMAIL_KEY) ?? memory;
      } catch {
        return memory;
      }
    },
    set(email) {
      memory = email;
      try {
        storage?.setItem(EMAIL_KEY, email);
      } catch {
        // Memory only.
      }
    },
  };
}

/** An email kept in memory only: for tests and embedding. */
export function memoryEmails(initial: string | null = null): EmailStore {
  let email = initial;
  return { get: () => email, set: (next) => void (email = next) };
}
