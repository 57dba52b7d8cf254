import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ipEndpoint } from '../../src/netdev/endpoint.ts';
import { RulePolicy } from '../../src/policy/index.ts';

test('"localhost" matches 127.0.0.0/8 and ::1 before any lookup', () => {
  const p = new RulePolicy({ allowNet: ['localhost:8080'] });
  assert.equal(p.check('connect', ipEndpoint('127.0.0.1', 8080)).allowed, true);
  assert.equal(p.check('connect', ipEndpoint('127.3.2.1', 8080)).allowed, true);
  assert.equal(p.check('connect', ipEndpoint('::1', 8080)).allowed, true);
  assert.equal(p.check('connect', ipEndpoint('::ffff:127.0.0.1', 8080)).allowed, true);
  assert.equal(p.check('connect', ipEndpoint('127.0.0.1', 8081)).allowed, false);
  assert.equal(p.check('connect', ipEndpoint('10.0.0.1', 8080)).allowed, false);
});

test('"LocalHost." is the same name', () => {
  const p = new RulePolicy({ allowNet: ['LocalHost.'] });
  assert.equal(p.check('connect', ipEndpoint('127.0.0.1', 1)).allowed, true);
});

test('"localhost" also matches whatever it was learned to resolve to', () => {
  const p = new RulePolicy({ allowNet: ['localhost'] });
  p.learn('localhost', ['192.0.2.1']);
  assert.equal(p.check('connect', ipEndpoint('192.0.2.1', 1)).allowed, true);
});

test('denying localhost refuses loopback even under allowNet: true', () => {
  const p = new RulePolicy({ allowNet: true, denyNet: ['localhost'] });
  assert.equal(p.check('connect', ipEndpoint('127.0.0.1', 22)).allowed, false);
  assert.equal(p.check('listen', ipEndpoint('::1', 22)).allowed, false);
  assert.equal(p.checkLookup('localhost').allowed, false);
});

test('a connect to the unspecified address counts as loopback (it reaches this machine)', () => {
  const allow = new RulePolicy({ allowNet: ['localhost:8080'] });
  assert.equal(allow.check('connect', ipEndpoint('0.0.0.0', 8080)).allowed, true);
  assert.equal(allow.check('connect', ipEndpoint('::', 8080)).allowed, true);
  assert.equal(allow.check('connect', ipEndpoint('0.0.0.0', 8081)).allowed, false);
  const deny = new RulePolicy({ allowNet: true, denyNet: ['127.0.0.1', '::1'] });
  assert.equal(deny.check('connect', ipEndpoint('0.0.0.0', 80)).allowed, false);
  assert.equal(deny.check('send', ipEndpoint('::', 53)).allowed, false);
  assert.equal(deny.check('connect', ipEndpoint('::ffff:0.0.0.0', 80)).allowed, false);
  assert.equal(deny.check('listen', ipEndpoint('0.0.0.0', 80)).allowed, true, 'listening on 0.0.0.0 is not loopback');
});

test('looking up localhost is allowed once anything is allowed', () => {
  assert.equal(new RulePolicy({ allowListen: ['127.0.0.1:8080'] }).checkLookup('localhost').allowed, true);
  assert.equal(new RulePolicy({ allowListen: true }).checkLookup('LOCALHOST.').allowed, true);
  assert.equal(new RulePolicy({ allowNet: ['example.com'] }).checkLookup('localhost').allowed, true);
  assert.equal(new RulePolicy({ denyNet: ['10.0.0.0/8'] }).checkLookup('localhost').allowed, false);
});
