// The relay's default refusal of non-public addresses, in every spelling.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { specialAddress } from '../../src/relay/address.ts';

const REFUSED: readonly [string, RegExp][] = [
  ['127.0.0.1', /loopback/],
  ['127.255.0.9', /loopback/],
  ['::1', /loopback/],
  ['0.0.0.0', /unspecified/],
  ['::', /unspecified/],
  ['10.1.2.3', /private/],
  ['172.16.0.1', /private/],
  ['172.31.255.255', /private/],
  ['192.168.1.1', /private/],
  ['100.64.0.1', /CGNAT/],
  ['100.127.255.254', /CGNAT/],
  ['169.254.169.254', /link-local/],
  ['224.0.0.1', /multicast/],
  ['239.255.255.250', /multicast/],
  ['255.255.255.255', /broadcast/],
  ['::ffff:127.0.0.1', /loopback IPv4 127\.0\.0\.1 in an IPv4-mapped/],
  ['::ffff:7f00:1', /loopback IPv4 127\.0\.0\.1 in an IPv4-mapped/],
  ['::FFFF:10.0.0.1', /private/],
  ['::ffff:169.254.169.254', /link-local/],
  ['::127.0.0.1', /IPv4-compatible/],
  ['::7f00:1', /IPv4-compatible/],
  ['::8.8.8.8', /IPv4-compatible/],
  ['::ffff:0:127.0.0.1', /IPv4-translated/],
  ['64:ff9b::127.0.0.1', /loopback IPv4 127\.0\.0\.1 in a NAT64/],
  ['64:ff9b::7f00:1', /NAT64/],
  ['64:ff9b::a00:1', /private/],
  ['64:ff9b:1::1', /local-use NAT64/],
  ['2002:7f00:1::', /loopback IPv4 127\.0\.0\.1 in a 6to4/],
  ['2002:c0a8:101::1', /private/],
  ['fc00::1', /unique local/],
  ['fd12:3456::1', /unique local/],
  ['fe80::1', /link-local/],
  ['fe80::1%eth0', /link-local/],
  ['fec0::1', /site-local/],
  ['ff02::1', /multicast/],
  ['2001:db8::1', /documentation/],
  ['2001::1', /Teredo/],
  ['100::1', /discard/],
  ['example.com', /not an IP/],
  ['127.1', /not an IP/],
];

const PUBLIC = [
  '8.8.8.8',
  '1.1.1.1',
  '93.184.216.34',
  '172.32.0.1',
  '100.128.0.1',
  '2606:4700::1111',
  '::ffff:8.8.8.8',
  '64:ff9b::808:808',
  '2002:808:808::1',
];

test('the relay classifier refuses loopback, private, link-local, CGNAT, multicast, unspecified and their IPv6 spellings', () => {
  for (const [address, why] of REFUSED) {
    const reason = specialAddress(address);
    assert.ok(reason !== undefined, `${address} should be refused`);
    assert.match(reason, why, address);
  }
});

test('public addresses, and IPv6 spellings of public IPv4 addresses, pass the classifier', () => {
  for (const address of PUBLIC) assert.equal(specialAddress(address), undefined, address);
});
