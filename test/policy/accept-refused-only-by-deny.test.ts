// RulePolicy.checkAccept: may the guest take traffic from a peer that
// reached a socket it listens on (a connection it accepts, a datagram to a
// UDP socket it bound) and answer it there? Listening was the allow, so
// only --deny-net refuses, with the same address matching as every other
// decision. The built-in DENY_ALL and ALLOW_ALL leave it out (every peer).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ipEndpoint } from '../../src/netdev/endpoint.ts';
import { ALLOW_ALL, DENY_ALL, RulePolicy } from '../../src/policy/index.ts';

test('a peer is accepted without any --allow-net, whatever it is', () => {
  const p = new RulePolicy({ allowListen: ['127.0.0.1'] });
  for (const ep of [ipEndpoint('127.0.0.1', 5000), ipEndpoint('203.0.113.7', 53), ipEndpoint('::1', 1), ipEndpoint('0.0.0.0', 0)]) {
    assert.deepEqual(p.checkAccept(ep), { allowed: true });
    assert.equal(p.check('send', ep).allowed, false, 'accepting a peer is no leave to send to it');
  }
  assert.deepEqual(new RulePolicy({}).checkAccept(ipEndpoint('10.1.2.3', 9)), { allowed: true });
});

test('a --deny-net peer is refused, in any spelling of its address, on the entry’s ports only', () => {
  const p = new RulePolicy({ allowNet: true, denyNet: ['10.0.0.0/8', '[::1]:22', '192.0.2.1:5000-5010'] });
  assert.equal(p.checkAccept(ipEndpoint('10.0.0.5', 53)).allowed, false);
  assert.equal(p.checkAccept(ipEndpoint('::ffff:10.0.0.5', 53)).allowed, false);
  assert.equal(p.checkAccept(ipEndpoint('::ffff:a00:5', 53)).allowed, false);
  assert.equal(p.checkAccept(ipEndpoint('0:0:0:0:0:0:0:1', 22)).allowed, false);
  assert.equal(p.checkAccept(ipEndpoint('::1', 23)).allowed, true);
  assert.equal(p.checkAccept(ipEndpoint('192.0.2.1', 5005)).allowed, false);
  assert.equal(p.checkAccept(ipEndpoint('192.0.2.1', 5011)).allowed, true);
  assert.deepEqual(p.checkAccept(ipEndpoint('10.0.0.5', 53)), {
    allowed: false,
    reason: 'accept from 10.0.0.5:53 refused: denied by --deny-net=10.0.0.0/8',
  });
});

test('a denied name refuses the peers at the addresses it resolved to', () => {
  const p = new RulePolicy({ allowListen: true, denyNet: ['tracker.example'] });
  p.learn('tracker.example', ['198.51.100.4']);
  assert.equal(p.checkAccept(ipEndpoint('198.51.100.4', 4000)).allowed, false);
  assert.equal(p.checkAccept(ipEndpoint('198.51.100.5', 4000)).allowed, true);
});

test('a peer that is not an IP literal is refused, as every decision on such an endpoint is', () => {
  const d = new RulePolicy({ allowListen: true }).checkAccept(ipEndpoint('not-an-ip', 1));
  assert.equal(d.allowed, false);
});

test('DENY_ALL and ALLOW_ALL have no checkAccept: every peer is taken', () => {
  assert.equal(DENY_ALL.checkAccept, undefined);
  assert.equal(ALLOW_ALL.checkAccept, undefined);
});
