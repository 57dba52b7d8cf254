import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ipEndpoint } from '../../src/netdev/endpoint.ts';
import { RulePolicy } from '../../src/policy/index.ts';

test('an allowNet list never grants listening', () => {
  const p = new RulePolicy({ allowNet: ['127.0.0.1', '0.0.0.0/0', '*'] });
  assert.equal(p.check('connect', ipEndpoint('127.0.0.1', 8080)).allowed, true);
  assert.equal(p.check('listen', ipEndpoint('127.0.0.1', 8080)).allowed, false);
  assert.equal(p.check('listen', ipEndpoint('0.0.0.0', 0)).allowed, false);
});

test('allowNet: true grants listening too, as a bare --allow-net does', () => {
  const p = new RulePolicy({ allowNet: true });
  assert.equal(p.check('listen', ipEndpoint('0.0.0.0', 80)).allowed, true);
  assert.equal(p.check('listen', ipEndpoint('::', 0)).allowed, true);
});

test('allowListen: true grants listening anywhere but no connects', () => {
  const p = new RulePolicy({ allowListen: true });
  assert.equal(p.check('listen', ipEndpoint('0.0.0.0', 80)).allowed, true);
  assert.equal(p.check('listen', { kind: 'unix', path: '/tmp/x.sock' }).allowed, true);
  assert.equal(p.check('connect', ipEndpoint('127.0.0.1', 80)).allowed, false);
  assert.equal(p.check('send', ipEndpoint('127.0.0.1', 80)).allowed, false);
});

test('an allowListen list grants listening on what it names only, and no connects', () => {
  const p = new RulePolicy({ allowListen: ['127.0.0.1:8080', ':9000-9009', '[::1]'] });
  assert.equal(p.check('listen', ipEndpoint('127.0.0.1', 8080)).allowed, true);
  assert.equal(p.check('listen', ipEndpoint('127.0.0.1', 8081)).allowed, false);
  assert.equal(p.check('listen', ipEndpoint('0.0.0.0', 8080)).allowed, false, 'addresses match literally when listening');
  assert.equal(p.check('listen', ipEndpoint('0.0.0.0', 9005)).allowed, true);
  assert.equal(p.check('listen', ipEndpoint('::', 9009)).allowed, true);
  assert.equal(p.check('listen', ipEndpoint('::1', 1234)).allowed, true);
  assert.equal(p.check('connect', ipEndpoint('127.0.0.1', 8080)).allowed, false);
});

test('a port in a listen entry does not cover port 0 (the kernel picks the port)', () => {
  const p = new RulePolicy({ allowListen: ['127.0.0.1:8080', '[::1]'] });
  assert.equal(p.check('listen', ipEndpoint('127.0.0.1', 0)).allowed, false);
  assert.equal(p.check('listen', ipEndpoint('::1', 0)).allowed, true);
});

test('"0.0.0.0" as a listen entry means the unspecified address, not every address', () => {
  const p = new RulePolicy({ allowListen: ['0.0.0.0'] });
  assert.equal(p.check('listen', ipEndpoint('0.0.0.0', 80)).allowed, true);
  assert.equal(p.check('listen', ipEndpoint('10.0.0.1', 80)).allowed, false);
});

test('allowNet and allowListen lists combine: each governs its operations', () => {
  const p = new RulePolicy({ allowNet: ['example.com:443'], allowListen: ['localhost:8080'] });
  p.learn('example.com', ['93.184.216.34']);
  assert.equal(p.check('connect', ipEndpoint('93.184.216.34', 443)).allowed, true);
  assert.equal(p.check('listen', ipEndpoint('93.184.216.34', 443)).allowed, false);
  assert.equal(p.check('listen', ipEndpoint('127.0.0.1', 8080)).allowed, true);
  assert.equal(p.check('connect', ipEndpoint('127.0.0.1', 8080)).allowed, false);
});
