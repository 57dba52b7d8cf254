import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ipEndpoint } from '../../src/netdev/endpoint.ts';
import { ALLOW_ALL, DENY_ALL, RulePolicy } from '../../src/policy/index.ts';

const web = ipEndpoint('93.184.216.34', 443);
const local = ipEndpoint('127.0.0.1', 8080);
const sock = { kind: 'unix', path: '/run/app.sock' } as const;

test('DENY_ALL refuses every operation and lookup', () => {
  for (const op of ['connect', 'send', 'listen'] as const) assert.equal(DENY_ALL.check(op, web).allowed, false);
  assert.equal(DENY_ALL.checkLookup('example.com').allowed, false);
});

test('ALLOW_ALL allows every operation and lookup', () => {
  for (const op of ['connect', 'send', 'listen'] as const) assert.equal(ALLOW_ALL.check(op, web).allowed, true);
  assert.equal(ALLOW_ALL.checkLookup('example.com').allowed, true);
});

test('a RulePolicy with no options refuses everything, like DENY_ALL', () => {
  const p = new RulePolicy();
  for (const op of ['connect', 'send', 'listen'] as const) {
    for (const ep of [web, local, sock]) assert.equal(p.check(op, ep).allowed, false, `${op} ${JSON.stringify(ep)}`);
  }
  assert.equal(p.checkLookup('example.com').allowed, false);
  assert.equal(p.checkLookup('localhost').allowed, false);
});

test('empty lists are the same as no lists', () => {
  const p = new RulePolicy({ allowNet: [], allowListen: [], denyNet: [] });
  assert.equal(p.check('connect', web).allowed, false);
  assert.equal(p.check('listen', local).allowed, false);
  assert.equal(p.checkLookup('localhost').allowed, false);
});

test('allowNet: true allows every connect, send, listen and lookup, Unix sockets included', () => {
  const p = new RulePolicy({ allowNet: true });
  for (const op of ['connect', 'send', 'listen'] as const) {
    for (const ep of [web, local, ipEndpoint('::', 0), sock, { kind: 'unix', path: '' } as const]) {
      assert.deepEqual(p.check(op, ep), { allowed: true }, `${op} ${JSON.stringify(ep)}`);
    }
  }
  assert.deepEqual(p.checkLookup('anything.example'), { allowed: true });
});
