import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ipEndpoint } from '../../src/netdev/endpoint.ts';
import { RulePolicy } from '../../src/policy/index.ts';

test('a deny entry refuses its targets even under allowNet: true', () => {
  const p = new RulePolicy({ allowNet: true, denyNet: ['10.0.0.0/8', '[::1]:22', 'evil.example'] });
  assert.equal(p.check('connect', ipEndpoint('10.0.0.5', 80)).allowed, false);
  assert.equal(p.check('send', ipEndpoint('10.0.0.5', 53)).allowed, false);
  assert.equal(p.check('listen', ipEndpoint('10.0.0.5', 8080)).allowed, false);
  assert.equal(p.check('connect', ipEndpoint('::1', 22)).allowed, false);
  assert.equal(p.check('connect', ipEndpoint('::1', 23)).allowed, true);
  assert.equal(p.check('connect', ipEndpoint('11.0.0.1', 80)).allowed, true);
  assert.equal(p.checkLookup('evil.example').allowed, false);
  assert.equal(p.checkLookup('EVIL.example.').allowed, false);
});

test('a deny entry wins over an allow entry naming the very same target', () => {
  const p = new RulePolicy({
    allowNet: ['1.2.3.4:443', 'example.com'],
    allowListen: ['0.0.0.0/0'],
    denyNet: ['1.2.3.4', 'example.com:25'],
  });
  assert.equal(p.check('connect', ipEndpoint('1.2.3.4', 443)).allowed, false);
  p.learn('example.com', ['5.6.7.8']);
  assert.equal(p.check('connect', ipEndpoint('5.6.7.8', 443)).allowed, true);
  assert.equal(p.check('connect', ipEndpoint('5.6.7.8', 25)).allowed, false);
  assert.equal(p.check('listen', ipEndpoint('1.2.3.4', 80)).allowed, false);
  assert.equal(p.checkLookup('example.com').allowed, true, 'a deny entry with a port does not refuse the lookup');
});

test('a host allowed by name that resolves into a denied network is still refused', () => {
  const p = new RulePolicy({ allowNet: ['rebind.example'], denyNet: ['10.0.0.0/8', '169.254.0.0/16'] });
  p.learn('rebind.example', ['10.0.0.1', '93.184.216.34']);
  assert.equal(p.check('connect', ipEndpoint('10.0.0.1', 80)).allowed, false);
  assert.equal(p.check('connect', ipEndpoint('93.184.216.34', 80)).allowed, true);
});

test('a denied host name refuses the addresses it resolved to', () => {
  const p = new RulePolicy({ allowNet: true, denyNet: ['tracker.example'] });
  p.learn('tracker.example', ['203.0.113.9', '2001:db8::9']);
  assert.equal(p.check('connect', ipEndpoint('203.0.113.9', 443)).allowed, false);
  assert.equal(p.check('connect', ipEndpoint('2001:db8::9', 443)).allowed, false);
  assert.equal(p.check('connect', ipEndpoint('203.0.113.10', 443)).allowed, true);
});

test('a bare "*" deny refuses everything, Unix sockets and lookups included', () => {
  const p = new RulePolicy({ allowNet: true, denyNet: ['*'] });
  assert.equal(p.check('connect', ipEndpoint('1.2.3.4', 1)).allowed, false);
  assert.equal(p.check('listen', { kind: 'unix', path: '/tmp/s' }).allowed, false);
  assert.equal(p.checkLookup('example.com').allowed, false);
});

test('"*:PORT" denies that port everywhere but not Unix sockets or lookups', () => {
  const p = new RulePolicy({ allowNet: true, denyNet: ['*:25'] });
  assert.equal(p.check('connect', ipEndpoint('1.2.3.4', 25)).allowed, false);
  assert.equal(p.check('connect', ipEndpoint('::2', 25)).allowed, false);
  assert.equal(p.check('connect', ipEndpoint('1.2.3.4', 26)).allowed, true);
  assert.equal(p.check('connect', { kind: 'unix', path: '/tmp/s' }).allowed, true);
  assert.equal(p.checkLookup('mail.example').allowed, true);
});
