/**
 * A customer's email as checkout takes it: ASCII, one `@`, a dot in the domain, at most 254
 * characters; spaces around it are allowed, and trimmed.
 */
export const EMAIL_PATTERN = '^\\s*[!-?A-~]{1,64}@[!-?A-~]+\\.[!-?A-~]+\\s*$';
export const MAX_EMAIL_LENGTH = 254;

/**
 * Who a customer is, for per-customer limits: the email trimmed and in lower case, without a
 * `+tag` in its local part. `Ann.Lee+drop@Example.com` and `ann.lee@example.com` are one
 * customer; dots are kept, since only some mail providers ignore them.
 */
export function customerKey(email: string): string {
  const address = email.trim().toLowerCase();
  const at = address.lastIndexOf('@');
  const local = address.slice(0, at);
  const plus = local.indexOf('+');
  return plus > 0 ? local.slice(0, plus) + address.slice(at) : address;
}
