import { describe, expect, it } from 'vitest';
import {
  EMAIL_KEY,
  MAX_EMAIL_LENGTH,
  emailProblem,
  memoryEmails,
  sessionEmails,
} from './customer-email.js';

const EMPTY = 'Enter your email address.';
const MALFORMED = 'Enter an email address like ann@example.com.';
const TOO_LONG = 'That email address is too long: at most 254 characters.';

/** An address of exactly `length` characters: a 64-character local part, a long domain. */
// Domain labels are 63 characters at most: the length is made up in three of them.
const addressOf = (length: number) =>
  `${'a'.repeat(64)}@${'b'.repeat(63)}.${'b'.repeat(63)}.${'b'.repeat(length - 197)}.com`;

describe('emailProblem', () => {
  it.each([
    'ann@example.com',
    'Ann.Lee@Example.COM',
    'ann+drop@example.com',
    "o'brien@example.com",
    'ann@mail.example.co.uk',
    '  ann@example.com  ',
    '\tann@example.com\n',
  ])('accepts %j', (email) => {
    expect(emailProblem(email)).toBeNull();
  });

  it.each([
    ['', EMPTY],
    ['   ', EMPTY],
    ['ann', MALFORMED],
    ['ann@example', MALFORMED],
    ['@example.com', MALFORMED],
    ['ann@', MALFORMED],
    ['ann@@example.com', MALFORMED],
    ['ann lee@example.com', MALFORMED],
    ['ann@exa mple.com', MALFORMED],
    ['anné@example.com', MALFORMED],
    ['ann@example.com.', MALFORMED],
    ['"ann"@example.com', MALFORMED],
    ['+ann@example.com', MALFORMED],
    ['ann@[127.0.0.1]', MALFORMED],
  ])('refuses %j: "%s"', (email, problem) => {
    expect(emailProblem(email)).toBe(problem);
  });

  it('allows at most 254 characters, spaces around them not counted', () => {
    expect(MAX_EMAIL_LENGTH).toBe(254);
    expect(addressOf(254)).toHaveLength(254);
    expect(emailProblem(addressOf(254))).toBeNull();
    expect(emailProblem(`  ${addressOf(254)}  `)).toBeNull();
    expect(emailProblem(addressOf(255))).toBe(TOO_LONG);
  });
});

/** A Storage that refuses every use, as some browsers' private modes do. */
const refusing = {
  getItem: () => {
    throw new DOMException('denied', 'SecurityError');
  },
  setItem: () => {
    throw new DOMException('full', 'QuotaExceededError');
  },
} as unknown as Storage;

describe('email stores', () => {
  it('sessionEmails keeps the email in sessionStorage, for the tab only', () => {
    const emails = sessionEmails();
    expect(emails.get()).toBeNull();
    emails.set('ann@example.com');
    expect(sessionStorage.getItem(EMAIL_KEY)).toBe('ann@example.com');
    expect(localStorage.getItem(EMAIL_KEY)).toBeNull();
    // Another page of the same tab reads it back.
    expect(sessionEmails().get()).toBe('ann@example.com');
  });

  it('sessionEmails falls back to memory when storage refuses', () => {
    const emails = sessionEmails(refusing);
    expect(emails.get()).toBeNull();
    emails.set('ann@example.com');
    expect(emails.get()).toBe('ann@example.com');
    expect(sessionStorage.getItem(EMAIL_KEY)).toBeNull();
  });

  it('memoryEmails keeps it in memory, starting from what it is given', () => {
    const emails = memoryEmails('ann@example.com');
    expect(emails.get()).toBe('ann@example.com');
    emails.set('bea@example.com');
    expect(emails.get()).toBe('bea@example.com');
    expect(memoryEmails().get()).toBeNull();
    expect(sessionStorage.getItem(EMAIL_KEY)).toBeNull();
  });
});
