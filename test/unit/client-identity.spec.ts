import { clientIdentity, clientOf } from '../../src/rate-limit/client-identity';

describe('clientOf', () => {
  it('writes one address one way', () => {
    expect(clientOf('2001:0db8:0009::1', 128)).toBe('2001:db8:9::1/128');
    expect(clientOf('2001:DB8:9::1', 128)).toBe('2001:db8:9::1/128');
    expect(clientOf('2001:db8:9:0:0:0:0:1', 128)).toBe('2001:db8:9::1/128');
    expect(clientOf('::ffff:192.0.2.1', 64)).toBe('192.0.2.1');
    expect(clientOf('::FFFF:c000:0201', 64)).toBe('192.0.2.1');
    expect(clientOf('192.0.2.1', 64)).toBe('192.0.2.1');
    expect(clientOf('fe80::1%eth0', 128)).toBe('fe80::1/128');
  });

  it('groups IPv6 by its prefix', () => {
    expect(clientOf('2001:db8:1:2::1', 64)).toBe('2001:db8:1:2::/64');
    expect(clientOf('2001:db8:1:2:ffff:1:2:3', 64)).toBe('2001:db8:1:2::/64');
    expect(clientOf('2001:db8:1:3::1', 64)).toBe('2001:db8:1:3::/64');
    expect(clientOf('2001:db8:1:2::1', 48)).toBe('2001:db8:1::/48');
    expect(clientOf('2001:db8:1:2::1', 56)).toBe('2001:db8:1::/56');
    expect(clientOf('2001:db8:1:2ff::1', 56)).toBe('2001:db8:1:200::/56');
    expect(clientOf('::1', 64)).toBe('::/64');
  });

  it('is undefined for what is not an address', () => {
    for (const junk of ['junk-1', '', '1.2.3.4:80', '01.2.3.4', '[::1]', 'unknown', '1.2.3.4/8']) {
      expect(clientOf(junk, 64)).toBeUndefined();
    }
  });
});

describe('clientIdentity', () => {
  it('takes the nearest address when the client named is not one', () => {
    // proxy-addr's order: the socket's peer first, the client last.
    expect(clientIdentity({ ips: ['127.0.0.1', 'junk-1'], ip: 'junk-1' }, 64)).toBe('127.0.0.1');
    expect(clientIdentity({ ips: ['127.0.0.1', '10.0.0.1', 'x'], ip: 'x' }, 64)).toBe('10.0.0.1');
    expect(clientIdentity({ ips: ['127.0.0.1', '2001:db8::5'], ip: '2001:db8::5' }, 64)).toBe(
      '2001:db8::/64',
    );
    expect(clientIdentity({ ip: '::ffff:127.0.0.1' }, 64)).toBe('127.0.0.1');
    expect(clientIdentity({ ip: undefined }, 64)).toBe('unknown');
  });
});
