import { Client } from 'pg';
import {
  databaseUrlProblem,
  ormClientUrl,
  redactPasswords,
} from '../../src/common/database/database-url';

/** What pg makes of a URL: the connection it would open. */
function pgTarget(url: string) {
  const { host, port, user, database } = new Client({ connectionString: url });
  return { host, port, user, database };
}

describe('ormClientUrl', () => {
  it.each([
    'postgres://postgres@/store?host=/var/run/postgresql',
    'postgres://postgres:pw@/store?host=/tmp&port=6543',
    'postgres://app@db.internal/store?host=other.internal&sslmode=disable',
    'postgres://%2Fvar%2Frun%2Fpostgresql/store',
    'postgres://user:pw@127.0.0.1:5432/store',
  ])('gives the ORM a URL it can parse, for the same target: %s', (url) => {
    expect(databaseUrlProblem(url)).toBeUndefined();
    const forOrm = ormClientUrl(url);
    // The ORM parses with the WHATWG URL parser; this throws for `user@/db`.
    expect(() => new URL(forOrm)).not.toThrow();
    expect(pgTarget(forOrm)).toEqual(pgTarget(url));
  });

  it('moves a socket directory into the authority, percent-encoded', () => {
    const forOrm = new URL(ormClientUrl('postgres://postgres@/store?host=/var/run/postgresql'));
    expect(decodeURIComponent(forOrm.hostname)).toBe('/var/run/postgresql');
    expect(forOrm.pathname).toBe('/store');
  });
});

describe('databaseUrlProblem', () => {
  it.each([
    ['mysql://user@localhost/store', /postgres:\/\/ URL/],
    ['postgres://u:p@h1:5432,h2:5432/store', /several hosts/],
    ['postgres://u:p@/store?host=h1,h2', /several hosts/],
    ['postgres://u:p@host/', /must name one database/],
    ['postgres://u:p@host/store?port=abc', /port/],
    ['postgres://u:p@host/store?service=prod', /service/],
    ['postgres://u:p@host:99999999/store', /not a valid URL/],
  ])('%s: %s', (url, problem) => {
    const message = databaseUrlProblem(url);
    expect(message).toMatch(problem);
    expect(message).toMatch(/^DATABASE_URL /);
    expect(message).not.toMatch(/u:p@/);
  });
});

describe('redactPasswords', () => {
  it.each([
    [
      'connect to postgres://store:s3cret@db:5432/store failed',
      'connect to postgres://store:***@db:5432/store failed',
    ],
    ['redis://:s3cret@cache:6379', 'redis://:***@cache:6379'],
    [
      'postgres://db/store?user=a&password=s3cret&x=1',
      'postgres://db/store?user=a&password=***&x=1',
    ],
    ['no secret in postgres://store@db/store', 'no secret in postgres://store@db/store'],
  ])('%s', (text, redacted) => {
    expect(redactPasswords(text)).toBe(redacted);
  });
});
