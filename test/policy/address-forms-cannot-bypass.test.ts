import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ipEndpoint } from '../../src/netdev/endpoint.ts';
import { RulePolicy } from '../../src/policy/index.ts';

const denyPrivate = new RulePolicy({ allowNet: true, denyNet: ['10.0.0.0/8', 'fe80::/10', '2001:db8::1'] });
const refused = (address: string): boolean => !denyPrivate.check('connect', ipEndpoint(address, 80)).allowed;

test('an IPv4-mapped IPv6 address is judged as its IPv4 address', () => {
  assert.equal(refused('::ffff:10.1.2.3'), true);
  assert.equal(refused('::ffff:a01:203'), true);
  assert.equal(refused('::FFFF:10.1.2.3'), true);
  assert.equal(refused('::ffff:11.1.2.3'), false);
  const allow = new RulePolicy({ allowNet: ['::ffff:10.0.0.0/104'] });
  assert.equal(allow.check('connect', ipEndpoint('10.9.9.9', 1)).allowed, true, 'mapped CIDR entries cover IPv4');
});

test('zone ids and non-canonical IPv6 spellings do not escape a rule', () => {
  assert.equal(refused('fe80::1%eth0'), true);
  assert.equal(refused('FE80:0:0:0:0:0:0:1'), true);
  assert.equal(refused('2001:0DB8::0:1'), true);
});

test('an address that is not a strict IP literal is refused, even under allowNet: true', () => {
  const p = new RulePolicy({ allowNet: true });
  for (const a of ['example.com', '010.0.0.1', '0x0a000001', '167772161', '10.1', '', ' 10.0.0.1', '[::1]']) {
    assert.equal(p.check('connect', { kind: 'ip', family: 4, address: a, port: 80 }).allowed, false, a);
  }
});

test('an out-of-range port is refused', () => {
  const p = new RulePolicy({ allowNet: true });
  for (const port of [-1, 65536, 1.5, Number.NaN])
    assert.equal(p.check('connect', ipEndpoint('1.2.3.4', port)).allowed, false, String(port));
});

test('the family field is not trusted: the address text decides', () => {
  const p = new RulePolicy({ allowNet: true, denyNet: ['10.0.0.0/8'] });
  assert.equal(p.check('connect', { kind: 'ip', family: 6, address: '10.0.0.1', port: 80 }).allowed, false);
});

test("an IPv6 rule for everything (::/0) covers IPv4 too, as Node's BlockList sees IPv4 as ::ffff:a.b.c.d", () => {
  const p = new RulePolicy({ allowNet: true, denyNet: ['::/0'] });
  assert.equal(p.check('connect', ipEndpoint('1.2.3.4', 80)).allowed, false);
  const q = new RulePolicy({ allowNet: true, denyNet: ['fd00::/8'] });
  assert.equal(q.check('connect', ipEndpoint('1.2.3.4', 80)).allowed, true);
});
