/**
 * A customer's email as checkout takes it: a plain `local@domain`, at most 254 characters, with
 * spaces around it allowed (and trimmed). The local part is letters, digits and `_ % ' + - .`,
 * not starting with `+` (the `+tag` rule below would leave it empty) and without
 * a leading, trailing or doubled dot; the domain is two or more dot-separated labels of letters,
 * digits and inner hyphens, 1 to 63 each, without a trailing dot. Quoted local parts, comments,
 * address literals (`[127.0.0.1]`) and empty labels are refused: each was one more way to spell
 * a customer who had already bought.
 */
export const EMAIL_PATTERN =
  "^\\s*[A-Za-z0-9_%'-][A-Za-z0-9_%'+-]*(?:\\.[A-Za-z0-9_%'+-]+)*@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+\\s*$";
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
