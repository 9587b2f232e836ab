/**
 * DATABASE_URL in the URI forms PostgreSQL documents (libpq "Connection URIs"): host and port in
 * the authority, or a Unix-socket directory as `?host=/dir` or percent-encoded in the authority
 * (`postgres://%2Fvar%2Frun%2Fpostgresql/store`), plus query parameters. The driver (`pg`) reads
 * the URL itself; the ORM reads only host, port, user, password and database from a WHATWG URL,
 * which cannot parse an empty host with a user (`postgres://user@/store?host=/dir`): it is given
 * an equivalent URL it can parse (see ormClientUrl).
 */

/** libpq parameters `pg` would silently ignore: refused rather than half-honoured. */
const UNSUPPORTED_PARAMETERS = [
  'hostaddr',
  'service',
  'servicefile',
  'passfile',
  'target_session_attrs',
  'load_balance_hosts',
  'dbname',
];

const EXAMPLE = 'postgres://user:password@host:5432/store';

/** Parses like `pg` does: an empty host with a user is allowed (the socket form). */
function parse(url: string): URL | undefined {
  for (const candidate of [url, url.replace('@/', '@__empty_host__/')]) {
    try {
      const parsed = new URL(candidate);
      if (parsed.hostname === '__empty_host__') parsed.hostname = '';
      return parsed;
    } catch {
      // try the next form
    }
  }
  return undefined;
}

/**
 * Why DATABASE_URL cannot be used, as a sentence naming the variable (never echoing the value,
 * which may hold a password), or undefined when it can.
 */
export function databaseUrlProblem(url: string): string | undefined {
  if (!/^postgres(ql)?:\/\//.test(url))
    return `DATABASE_URL must be a postgres:// URL, as in ${EXAMPLE}`;
  const authority = /^postgres(?:ql)?:\/\/([^/?#]*)/.exec(url)?.[1] ?? '';
  const hostPart = authority.slice(authority.lastIndexOf('@') + 1);
  if (hostPart.includes(',')) {
    return 'DATABASE_URL names several hosts; this service connects to one: give one host';
  }
  const parsed = parse(url);
  if (!parsed) return `DATABASE_URL is not a valid URL; the form is ${EXAMPLE}`;
  const hostParam = parsed.searchParams.get('host');
  if (hostParam !== null && hostParam.includes(',')) {
    return 'DATABASE_URL names several hosts; this service connects to one: give one host';
  }
  const portParam = parsed.searchParams.get('port');
  if (portParam !== null && !/^\d{1,5}$/.test(portParam)) {
    return 'DATABASE_URL has a port parameter that is not a port number';
  }
  const database = decodeURIComponent(parsed.pathname.replace(/^\//, ''));
  if (!database || database.includes('/')) {
    return `DATABASE_URL must name one database in its path, as in ${EXAMPLE}`;
  }
  const unsupported = UNSUPPORTED_PARAMETERS.filter((name) => parsed.searchParams.has(name));
  if (unsupported.length > 0) {
    return `DATABASE_URL uses ${unsupported.join(', ')}, which this service does not support`;
  }
  return undefined;
}

/**
 * The same target as a URL the ORM can parse: a socket directory or host given as `?host=` (and
 * a `?port=`) moves into the authority, percent-encoded. Call only when databaseUrlProblem is
 * undefined.
 */
export function ormClientUrl(url: string): string {
  const parsed = parse(url);
  if (!parsed) return url;
  const host = parsed.searchParams.get('host');
  const port = parsed.searchParams.get('port');
  if (host === null && port === null) return url;
  parsed.searchParams.delete('host');
  parsed.searchParams.delete('port');
  const hostname = host ?? parsed.hostname;
  const userinfo = parsed.username
    ? `${parsed.username}${parsed.password ? `:${parsed.password}` : ''}@`
    : '';
  const authorityHost = hostname.startsWith('/') ? encodeURIComponent(hostname) : hostname;
  const portPart = (port ?? parsed.port) ? `:${port ?? parsed.port}` : '';
  return `${parsed.protocol}//${userinfo}${authorityHost}${portPart}${parsed.pathname}${parsed.search}`;
}

/**
 * `text` with every password in a URL's user information, or given as `password=`, replaced by
 * `***`: for anything that may be logged or printed.
 */
export function redactPasswords(text: string): string {
  return text
    .replace(/\b([a-z][a-z0-9+.-]*:\/\/[^:/?#@\s]*):[^@\s/]*@/gi, '$1:***@')
    .replace(/\b(password=)[^&\s]*/gi, '$1***');
}
