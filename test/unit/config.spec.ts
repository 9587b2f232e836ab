import { AppConfig, ConfigError, loadConfig, parseTrustProxy } from '../../src/common/config';

const configError = (env: Record<string, string>): ConfigError => {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error(`loadConfig accepted ${JSON.stringify(env)}`);
};

describe('loadConfig', () => {
  it('applies the defaults to an empty environment', () => {
    const config = loadConfig({});
    expect(config).toBeInstanceOf(AppConfig);
    expect(config).toMatchObject({
      PORT: 3000,
      HOST: '0.0.0.0',
      DATA_DIR: '.data',
      DB_POOL_SIZE: 10,
      SEED_DEMO_DATA: true,
    });
    expect(config.DATABASE_URL).toBeUndefined();
    expect(config.ADMIN_TOKEN).toBeUndefined();
  });

  it('converts and keeps valid values', () => {
    const config = loadConfig({
      PORT: '8080',
      DB_POOL_SIZE: '25',
      SEED_DEMO_DATA: 'false',
      DATABASE_URL: 'postgresql://user:pw@db.internal:5432/store',
      ADMIN_TOKEN: 'a-long-enough-admin-token',
    });
    expect(config).toMatchObject({
      PORT: 8080,
      DB_POOL_SIZE: 25,
      SEED_DEMO_DATA: false,
      DATABASE_URL: 'postgresql://user:pw@db.internal:5432/store',
      ADMIN_TOKEN: 'a-long-enough-admin-token',
    });
  });

  it('treats empty strings as unset and ignores unrelated variables', () => {
    const config = loadConfig({ PORT: '', ADMIN_TOKEN: '', PATH: '/usr/bin', HOME: '/root' });
    expect(config.PORT).toBe(3000);
    expect(config.ADMIN_TOKEN).toBeUndefined();
    expect(config).not.toHaveProperty('PATH');
  });

  it('does not read process.env when given an environment', () => {
    const saved = process.env.PORT;
    process.env.PORT = 'not-a-port';
    try {
      expect(loadConfig({}).PORT).toBe(3000);
    } finally {
      if (saved === undefined) delete process.env.PORT;
      else process.env.PORT = saved;
    }
  });

  it.each([
    ['PORT', 'abc'],
    ['PORT', '70000'],
    ['PORT', '-1'],
    ['PORT', '80.5'],
    ['ADMIN_TOKEN', 'short'],
    ['ADMIN_TOKEN', 'x'.repeat(513)],
    ['DATABASE_URL', 'mysql://user@localhost/store'],
    ['DATABASE_URL', 'localhost:5432'],
    ['DATABASE_URL', 'postgres://user:pw@db1:5432,db2:5432/store'],
    ['DATABASE_URL', 'postgres://user:pw@db.internal:5432/'],
    ['DATABASE_URL', 'postgres://user:pw@db.internal/store?target_session_attrs=read-write'],
    ['DATABASE_URL', 'postgres://user:pw@db.internal:port/store'],
    ['DB_POOL_SIZE', '0'],
    ['DB_POOL_SIZE', 'many'],
    ['SEED_DEMO_DATA', 'maybe'],
  ])('refuses %s=%j with a ConfigError naming it', (name, value) => {
    const error = configError({ [name]: value });
    expect(error.message).toMatch(new RegExp(`^\\s+${name}: `, 'm'));
  });

  it.each([
    'postgres://user:pw@db.internal:5432/store',
    'postgres://postgres@/store?host=/var/run/postgresql',
    'postgres://%2Fvar%2Frun%2Fpostgresql/store',
    'postgresql://user:pw@[::1]:5432/store?sslmode=require',
    'postgres://db.internal/store?user=app&password=pw&port=5433',
  ])('accepts DATABASE_URL=%j, a form PostgreSQL documents', (url) => {
    expect(loadConfig({ DATABASE_URL: url }).DATABASE_URL).toBe(url);
  });

  it('never echoes a refused DATABASE_URL, which may hold a password', () => {
    const error = configError({ DATABASE_URL: 'postgres://user:s3cret@db1,db2/store' });
    expect(error.message).toMatch(/DATABASE_URL: DATABASE_URL names several hosts/);
    expect(error.message).not.toMatch(/s3cret/);
  });

  it('names every bad variable at once', () => {
    const error = configError({ PORT: 'abc', ADMIN_TOKEN: 'short', DATABASE_URL: 'mysql://x' });
    for (const name of ['PORT', 'ADMIN_TOKEN', 'DATABASE_URL']) {
      expect(error.message).toMatch(new RegExp(`^\\s+${name}: `, 'm'));
    }
    expect(error.message).not.toMatch(/^\s+DB_POOL_SIZE: /m);
  });

  it('takes TRUST_PROXY as a hop count or addresses/CIDRs, never a blanket true', () => {
    expect(loadConfig({ TRUST_PROXY: '1' }).TRUST_PROXY).toBe('1');
    expect(loadConfig({ TRUST_PROXY: '10.0.0.0/8, 127.0.0.1,::1' }).TRUST_PROXY).toBe(
      '10.0.0.0/8, 127.0.0.1,::1',
    );
    expect(loadConfig({ TRUST_PROXY: 'loopback,uniquelocal' }).TRUST_PROXY).toBe(
      'loopback,uniquelocal',
    );
    for (const bad of ['true', 'yes', '10.0.0.0/33', '300.1.1.1', '1,2', '*']) {
      expect(configError({ TRUST_PROXY: bad }).message).toMatch(/TRUST_PROXY/);
    }
  });
});

describe('parseTrustProxy', () => {
  it('gives Fastify false, a hop count, or a list of addresses', () => {
    expect(parseTrustProxy('false')).toBe(false);
    expect(parseTrustProxy('0')).toBe(false);
    expect(parseTrustProxy('2')).toBe(2);
    expect(parseTrustProxy('10.1.0.0/16,fd00::/8')).toEqual(['10.1.0.0/16', 'fd00::/8']);
    expect(parseTrustProxy('true')).toBeUndefined();
  });
});

describe('TRUST_PROXY refuses to trust everyone', () => {
  it('in any spelling of every address', () => {
    const everyone = [
      '0.0.0.0/0',
      '::/0',
      '0.0.0.0/0,::/0',
      '::ffff:0:0/96',
      '::ffff:0.0.0.0/96',
      '::/1',
      '0:0:0:0:0:0:0:0/0',
      '10.0.0.1,1.0.0.0/0',
      '0.0.0.0/1,128.0.0.0/1',
      '2000::/3',
    ];
    for (const value of everyone) {
      expect(configError({ TRUST_PROXY: value }).message).toMatch(/TRUST_PROXY/);
    }
  });

  it('or a hop count past a few proxies', () => {
    for (const value of ['6', '99', '1000']) {
      expect(configError({ TRUST_PROXY: value }).message).toMatch(/TRUST_PROXY/);
    }
    expect(parseTrustProxy('5')).toBe(5);
  });

  it('still takes proxies and private networks', () => {
    for (const value of [
      '10.0.0.0/8',
      '172.16.0.0/12,192.168.0.0/16',
      'fc00::/7',
      '::1',
      '::ffff:10.0.0.0/104',
    ]) {
      expect(loadConfig({ TRUST_PROXY: value }).TRUST_PROXY).toBe(value);
    }
  });
});

describe('RATE_LIMIT_IPV6_PREFIX', () => {
  it('groups IPv6 clients by /64 unless told, from /32 to /128', () => {
    expect(loadConfig({}).RATE_LIMIT_IPV6_PREFIX).toBe(64);
    expect(loadConfig({ RATE_LIMIT_IPV6_PREFIX: '56' }).RATE_LIMIT_IPV6_PREFIX).toBe(56);
    for (const bad of ['31', '129', 'abc', '64.5']) {
      expect(configError({ RATE_LIMIT_IPV6_PREFIX: bad }).message).toMatch(
        /RATE_LIMIT_IPV6_PREFIX/,
      );
    }
  });
});
