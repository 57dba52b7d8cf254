import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RulePolicy } from '../../src/policy/index.ts';

const lookup = (p: RulePolicy, name: string): boolean => p.checkLookup(name).allowed;

test('a host entry allows looking that name up, whatever its port', () => {
  const p = new RulePolicy({ allowNet: ['example.com:443'] });
  assert.equal(lookup(p, 'example.com'), true);
  assert.equal(lookup(p, 'Example.Com.'), true);
  assert.equal(lookup(p, 'example.org'), false);
  assert.equal(lookup(p, 'www.example.com'), false);
});

test('an allowListen host entry allows looking it up', () => {
  const p = new RulePolicy({ allowListen: ['myhost.lan:8080'] });
  assert.equal(lookup(p, 'myhost.lan'), true);
  assert.equal(lookup(p, 'other.lan'), false);
});

test('IP and CIDR entries do not allow lookups; a wildcard host entry does (the connect is checked)', () => {
  assert.equal(lookup(new RulePolicy({ allowNet: ['10.0.0.0/8'] }), 'db.internal'), false);
  assert.equal(lookup(new RulePolicy({ allowNet: ['::1'] }), 'db.internal'), false);
  assert.equal(lookup(new RulePolicy({ allowNet: [':443'] }), 'db.internal'), true);
  assert.equal(lookup(new RulePolicy({ allowNet: ['*'] }), 'db.internal'), true);
  assert.equal(lookup(new RulePolicy({ allowNet: ['/run/app.sock'] }), 'db.internal'), false, 'a path entry needs no lookups');
  assert.equal(lookup(new RulePolicy({ allowListen: ['0.0.0.0/0'] }), 'db.internal'), false, 'listen entries need no lookups');
});

test('allowNet: true allows every lookup; a portless host deny refuses it', () => {
  const p = new RulePolicy({ allowNet: true, denyNet: ['blocked.example', 'ports.example:25', '10.0.0.0/8'] });
  assert.equal(lookup(p, 'anything.example'), true);
  assert.equal(lookup(p, 'blocked.example'), false);
  assert.equal(lookup(p, 'BLOCKED.example.'), false);
  assert.equal(lookup(p, 'ports.example'), true);
  assert.equal(lookup(p, 'sub.blocked.example'), true);
});

test('allowListen: true alone allows only the localhost lookup', () => {
  const p = new RulePolicy({ allowListen: true });
  assert.equal(lookup(p, 'localhost'), true);
  assert.equal(lookup(p, 'example.com'), false);
});
