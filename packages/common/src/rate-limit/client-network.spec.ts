import { clientNetworkOf } from './client-network.js';

describe(clientNetworkOf.name, () => {
  it.each([
    ['an IPv4 address as is', '203.0.113.7', '203.0.113.7'],
    ['an IPv4-mapped IPv6 address as its IPv4', '::ffff:203.0.113.7', '203.0.113.7'],
    ['IPv6 loopback by its /64', '::1', '0:0:0:0::/64'],
    ['a compressed IPv6 address by its /64', '2001:db8::1', '2001:db8:0:0::/64'],
    [
      'a full IPv6 address by its /64',
      '2001:0DB8:0001:0002:aaaa:bbbb:cccc:dddd',
      '2001:db8:1:2::/64',
    ],
    ['an IPv6 address with a zone', 'fe80::1%eth0', 'fe80:0:0:0::/64'],
    ['anything else as is', 'unknown', 'unknown'],
  ])('keeps %s', (_label, ip, network) => {
    expect(clientNetworkOf(ip)).toBe(network);
  });

  it('puts two addresses of one /64 together and of two /64s apart', () => {
    expect(clientNetworkOf('2001:db8:1:2::1')).toBe(clientNetworkOf('2001:db8:1:2:ffff::9'));
    expect(clientNetworkOf('2001:db8:1:2::1')).not.toBe(clientNetworkOf('2001:db8:1:3::1'));
  });
});
