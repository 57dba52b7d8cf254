import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ipEndpoint } from '../../src/netdev/endpoint.ts';
import { RulePolicy } from '../../src/policy/index.ts';

const connects = (allowNet: readonly string[], address: string, port: number): boolean =>
  new RulePolicy({ allowNet }).check('connect', ipEndpoint(address, port)).allowed;

test('an IP entry without a port allows that address on any port, and nothing else', () => {
  assert.equal(connects(['1.2.3.4'], '1.2.3.4', 1), true);
  assert.equal(connects(['1.2.3.4'], '1.2.3.4', 65535), true);
  assert.equal(connects(['1.2.3.4'], '1.2.3.5', 80), false);
  assert.equal(connects(['1.2.3.4'], '::1', 80), false);
});

test('a port or range restricts the entry to those ports', () => {
  assert.equal(connects(['1.2.3.4:80'], '1.2.3.4', 80), true);
  assert.equal(connects(['1.2.3.4:80'], '1.2.3.4', 81), false);
  assert.equal(connects(['1.2.3.4:8000-8100'], '1.2.3.4', 7999), false);
  assert.equal(connects(['1.2.3.4:8000-8100'], '1.2.3.4', 8000), true);
  assert.equal(connects(['1.2.3.4:8000-8100'], '1.2.3.4', 8100), true);
  assert.equal(connects(['1.2.3.4:8000-8100'], '1.2.3.4', 8101), false);
});

test('IPv4 CIDR entries allow their network', () => {
  assert.equal(connects(['10.0.0.0/8'], '10.255.1.2', 22), true);
  assert.equal(connects(['10.0.0.0/8'], '11.0.0.1', 22), false);
  assert.equal(connects(['192.168.1.0/24:53'], '192.168.1.77', 53), true);
  assert.equal(connects(['192.168.1.0/24:53'], '192.168.1.77', 54), false);
  assert.equal(connects(['0.0.0.0/0'], '8.8.8.8', 53), true);
  assert.equal(connects(['10.1.2.3/8'], '10.9.9.9', 1), true, 'host bits are ignored');
});

test('IPv6 addresses and CIDRs, bare or in brackets with ports', () => {
  assert.equal(connects(['::1'], '::1', 80), true);
  assert.equal(connects(['[::1]'], '::1', 80), true);
  assert.equal(connects(['[::1]:8080'], '::1', 8080), true);
  assert.equal(connects(['[::1]:8080'], '::1', 8081), false);
  assert.equal(connects(['fd00::/8'], 'fd12:3456::1', 443), true);
  assert.equal(connects(['fd00::/8'], 'fe80::1', 443), false);
  assert.equal(connects(['[fd00::/8]:443'], 'fd00::1', 443), true);
  assert.equal(connects(['[fd00::/8]:443'], 'fd00::1', 80), false);
  assert.equal(connects(['2001:db8::1'], '2001:0db8:0:0:0:0:0:1', 1), true, 'compared in canonical form');
  assert.equal(connects(['2001:DB8::1'], '2001:db8::1', 1), true);
});

test('":PORT" and "*:PORT" allow any address on that port; "*" allows anything', () => {
  assert.equal(connects([':443'], '93.184.216.34', 443), true);
  assert.equal(connects([':443'], '2606:2800::1', 443), true);
  assert.equal(connects([':443'], '93.184.216.34', 80), false);
  assert.equal(connects(['*:1000-2000'], '8.8.8.8', 1500), true);
  assert.equal(connects(['*'], '8.8.8.8', 1), true);
});

test('any entry of a list can allow; send follows the same rules as connect', () => {
  const p = new RulePolicy({ allowNet: ['1.1.1.1:53', '8.8.8.8:53', 'fd00::/8'] });
  assert.equal(p.check('send', ipEndpoint('8.8.8.8', 53)).allowed, true);
  assert.equal(p.check('send', ipEndpoint('1.1.1.1', 53)).allowed, true);
  assert.equal(p.check('send', ipEndpoint('9.9.9.9', 53)).allowed, false);
  assert.equal(p.check('connect', ipEndpoint('fd00::5', 1)).allowed, true);
});
