import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ipEndpoint } from '../../src/netdev/endpoint.ts';
import { RulePolicy } from '../../src/policy/index.ts';

test('a host entry matches nothing until the name is learned, then its addresses', () => {
  const p = new RulePolicy({ allowNet: ['example.com:443'] });
  const ep = ipEndpoint('93.184.216.34', 443);
  assert.equal(p.check('connect', ep).allowed, false);
  p.learn('example.com', ['93.184.216.34', '2606:2800:220:1:248:1893:25c8:1946']);
  assert.equal(p.check('connect', ep).allowed, true);
  assert.equal(p.check('connect', ipEndpoint('2606:2800:220:1:248:1893:25c8:1946', 443)).allowed, true);
  assert.equal(p.check('connect', ipEndpoint('93.184.216.34', 80)).allowed, false, 'port rules still apply');
  assert.equal(p.check('connect', ipEndpoint('93.184.216.35', 443)).allowed, false);
});

test('names are matched case-insensitively and without a trailing dot', () => {
  const p = new RulePolicy({ allowNet: ['Example.COM'] });
  p.learn('EXAMPLE.com.', ['1.2.3.4']);
  assert.equal(p.check('connect', ipEndpoint('1.2.3.4', 1)).allowed, true);
});

test('learning another name does not widen a host entry', () => {
  const p = new RulePolicy({ allowNet: ['example.com'] });
  p.learn('example.org', ['1.2.3.4']);
  p.learn('sub.example.com', ['1.2.3.5']);
  assert.equal(p.check('connect', ipEndpoint('1.2.3.4', 1)).allowed, false);
  assert.equal(p.check('connect', ipEndpoint('1.2.3.5', 1)).allowed, false);
});

test('learned addresses are canonicalised; junk is ignored', () => {
  const p = new RulePolicy({ allowNet: ['example.com'] });
  p.learn('example.com', ['2001:DB8:0:0::1', '::ffff:5.6.7.8', 'not an ip', '', '1.2.3', 'fe80::1%eth0']);
  assert.equal(p.check('connect', ipEndpoint('2001:db8::1', 1)).allowed, true);
  assert.equal(p.check('connect', ipEndpoint('5.6.7.8', 1)).allowed, true);
  assert.equal(p.check('connect', ipEndpoint('fe80::1', 1)).allowed, true);
});

test('later resolutions add to earlier ones (round-robin DNS)', () => {
  const p = new RulePolicy({ allowNet: ['example.com'] });
  p.learn('example.com', ['1.1.1.1']);
  p.learn('example.com', ['2.2.2.2']);
  assert.equal(p.check('connect', ipEndpoint('1.1.1.1', 1)).allowed, true);
  assert.equal(p.check('connect', ipEndpoint('2.2.2.2', 1)).allowed, true);
});

test('each name keeps at most maxAddressesPerName addresses, the oldest forgotten first', () => {
  const p = new RulePolicy({ allowNet: ['example.com'], maxAddressesPerName: 3 });
  p.learn('example.com', ['10.0.0.1', '10.0.0.2']);
  p.learn('example.com', ['10.0.0.3', '10.0.0.4']);
  const allowed = (a: string): boolean => p.check('connect', ipEndpoint(a, 1)).allowed;
  assert.deepEqual(['10.0.0.1', '10.0.0.2', '10.0.0.3', '10.0.0.4'].map(allowed), [false, true, true, true]);
  p.learn('example.com', ['10.0.0.5', '10.0.0.6', '10.0.0.7', '10.0.0.8']);
  assert.deepEqual(['10.0.0.4', '10.0.0.5', '10.0.0.6', '10.0.0.7', '10.0.0.8'].map(allowed), [false, true, true, true, false]);
});

test('the table keeps at most maxLearnedNames names, the least recently learned forgotten first', () => {
  const names = ['a.test', 'b.test', 'c.test'];
  const p = new RulePolicy({ allowNet: names, maxLearnedNames: 2 });
  const allowed = (a: string): boolean => p.check('connect', ipEndpoint(a, 1)).allowed;
  p.learn('a.test', ['10.0.0.1']);
  p.learn('b.test', ['10.0.0.2']);
  p.learn('a.test', ['10.0.0.1']); // refreshes a.test
  p.learn('c.test', ['10.0.0.3']); // evicts b.test
  assert.deepEqual(['10.0.0.1', '10.0.0.2', '10.0.0.3'].map(allowed), [true, false, true]);
});

test('names no rule mentions are not stored, so the table stays small', () => {
  const p = new RulePolicy({ allowNet: ['keep.test'], maxLearnedNames: 1 });
  p.learn('keep.test', ['10.0.0.1']);
  for (let i = 0; i < 10_000; i++) p.learn(`other${i}.test`, ['10.0.0.2']);
  assert.equal(p.check('connect', ipEndpoint('10.0.0.1', 1)).allowed, true);
});

test('host entries also work for listening', () => {
  const p = new RulePolicy({ allowListen: ['myhost.lan:8080'] });
  p.learn('myhost.lan', ['192.168.1.10']);
  assert.equal(p.check('listen', ipEndpoint('192.168.1.10', 8080)).allowed, true);
  assert.equal(p.check('listen', ipEndpoint('192.168.1.11', 8080)).allowed, false);
});

test('decisions remembered for speed never outlive a change in what was learned', () => {
  const p = new RulePolicy({ allowNet: ['a.test'], denyNet: ['b.test'], maxLearnedNames: 1 });
  const ep = ipEndpoint('10.0.0.1', 53);
  for (let i = 0; i < 3; i++) assert.equal(p.check('send', ep).allowed, false);
  p.learn('a.test', ['10.0.0.1']);
  assert.equal(p.check('send', ep).allowed, true);
  p.learn('b.test', ['10.0.0.1']); // denies it, and evicts a.test
  assert.equal(p.check('send', ep).allowed, false);
  for (let i = 0; i < 3000; i++) p.check('send', ipEndpoint(`10.1.${i >> 8}.${i & 255}`, 53));
  assert.equal(p.check('send', ep).allowed, false);
});
